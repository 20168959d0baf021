import HosoCore
import Testing

/// The review of a manifest whose type asks for the submitter's own signature (seed 004) and a
/// step every subject teacher of the class signs (seed 001 Điều 8.5, seed 000).
@Suite struct SignerReviewTests {
    static let sha = String(repeating: "cd", count: 32)

    static let manifest = RecordManifest(
        tenant: .init(code: "demo", name: "Sở"), unit: .init(code: "S01", name: "Trường THCS Chu Văn An"),
        recordType: .init(code: "student_transcript", name: "Học bạ"),
        period: .init(schoolYear: "2025-2026", kind: "year", number: 1, first: "2025-09-05", last: "2026-05-31"),
        obligationID: 9, version: 1,
        document: .init(sha256: sha, size: 10, mediaType: "application/pdf", filename: "hb.pdf"),
        submitted: .init(login: "s1.teacher", name: "GVCN", role: "teacher", at: 0),
        chain: [
            .init(role: "teacher", signatureRequired: true, signers: ["s1.teacher", "s1.teacher2"]),
            .init(role: "principal", signatureRequired: true),
        ],
        sealRequired: true, issuedAt: 0, submissionSignatureRequired: true)

    static func evidence(_ index: Int, _ kind: SignatureClaim.Kind = .approval, step: Int, role: String, signer: String)
        -> SignatureEvidence
    {
        SignatureEvidence(
            index: index, id: "sig-\(index + 1)",
            claim: SignatureClaim(
                kind: kind, step: step, role: role, signer: signer, signerName: signer, signingTime: 5, prior: []),
            certificate: CertificateFacts(
                subject: "CN=\(signer)", commonName: signer, issuer: "CN=CA", serial: "01", notBefore: 0,
                notAfter: 10, fingerprint: signer, keyAlgorithm: "EC"),
            algorithm: "ECDSA-SHA256", cryptographic: nil, chain: nil)
    }

    static func review(_ evidence: [SignatureEvidence]) -> SignatureReview {
        let owners = Dictionary(
            evidence.compactMap(\.claim).map {
                ($0.signer, KeyOwner(owner: $0.signer, seal: $0.kind == .seal))
            }
        ) { first, _ in first }
        return SignatureReview(manifest: manifest, evidence: evidence, owners: owners, documentSHA256: sha)
    }

    @Test func everySignerInTurnThenThePrincipalAndTheSealMakeItComplete() {
        let all = [
            Self.evidence(0, .submission, step: 0, role: "teacher", signer: "s1.teacher"),
            Self.evidence(1, step: 1, role: "teacher", signer: "s1.teacher2"),
            Self.evidence(2, step: 1, role: "teacher", signer: "s1.teacher"),
            Self.evidence(3, step: 2, role: "principal", signer: "s1.principal"),
            Self.evidence(4, .seal, step: 3, role: "S01", signer: "S01"),
        ]
        let review = Self.review(all)
        #expect(review.signatures.filter { !$0.valid }.isEmpty)
        #expect(review.submissionSigned && review.sealed && review.signedSteps == [1, 2])
        #expect(review.signersByStep[1] == ["s1.teacher", "s1.teacher2"])
        #expect(review.complete(Self.manifest))
        // One subject teacher short: step 1 is missing, and so is completeness.
        let short = Self.review([all[0], all[1]])
        #expect(short.missingSteps == [1, 2] && !short.complete(Self.manifest) && short.state == .signed)
        // Without the submitter's own signature it is never complete.
        let unsigned = Self.review(
            Array(all.dropFirst()).enumerated().map { index, item in
                Self.evidence(
                    index, item.claim!.kind, step: item.claim!.step, role: item.claim!.role, signer: item.claim!.signer)
            })
        #expect(!unsigned.submissionSigned && !unsigned.complete(Self.manifest))
    }

    @Test func aSecondSignatureByOneTeacherOrBySomeoneNotNamedIsOutOfOrder() {
        let twice = Self.review([
            Self.evidence(0, .submission, step: 0, role: "teacher", signer: "s1.teacher"),
            Self.evidence(1, step: 1, role: "teacher", signer: "s1.teacher2"),
            Self.evidence(2, step: 1, role: "teacher", signer: "s1.teacher2"),
        ])
        #expect(twice.signatures.map(\.problems) == [[], [], [.outOfOrder]])
        let stranger = Self.review([Self.evidence(0, step: 1, role: "teacher", signer: "s1.other")])
        #expect(stranger.signatures[0].problems == [.outOfOrder])
    }

    @Test func theSubmittersSignatureComesFirstAndIsTheirs() {
        // After an approval: out of order.
        let late = Self.review([
            Self.evidence(0, step: 1, role: "teacher", signer: "s1.teacher2"),
            Self.evidence(1, .submission, step: 0, role: "teacher", signer: "s1.teacher"),
        ])
        #expect(late.signatures[1].problems == [.outOfOrder] && !late.submissionSigned)
        // By someone else than the submitter: out of order; in another role: wrong role.
        #expect(
            Self.review([Self.evidence(0, .submission, step: 0, role: "teacher", signer: "s1.teacher2")]).signatures[0]
                .problems
                == [.outOfOrder])
        #expect(
            Self.review([Self.evidence(0, .submission, step: 0, role: "principal", signer: "s1.teacher")]).signatures[0]
                .problems
                == [.wrongRole(expected: "teacher", claimed: "principal")])
    }
}
