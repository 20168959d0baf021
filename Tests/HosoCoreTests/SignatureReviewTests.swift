import HosoCore
import Testing

/// The judgement over a manifest's signatures without any cryptography: evidence as the signing
/// adapter would report it, checked against the chain (roles, order, seal), the key registry and
/// the document's hash.
@Suite struct SignatureReviewTests {
    static let sha = String(repeating: "ab", count: 32)

    static let manifest = RecordManifest(
        tenant: .init(code: "demo", name: "Sở"), unit: .init(code: "S01", name: "Trường THCS Chu Văn An"),
        recordType: .init(code: "student_register", name: "Sổ đăng bộ"),
        period: .init(schoolYear: "2026-2027", kind: "year", number: 1, first: "2026-09-05", last: "2027-05-31"),
        obligationID: 7, version: 1, document: .init(sha256: sha, size: 10, mediaType: "application/pdf", filename: "a.pdf"),
        submitted: .init(login: "s1.admin", name: "Quản trị", role: "school_administrator", at: 0),
        chain: [.init(role: "vice_principal", signatureRequired: false), .init(role: "principal", signatureRequired: true)],
        sealRequired: true, issuedAt: 0)

    static func certificate(_ fingerprint: String) -> CertificateFacts {
        CertificateFacts(subject: "CN=x", commonName: "x", issuer: "CN=CA", serial: "01", notBefore: 0, notAfter: 10, fingerprint: fingerprint, keyAlgorithm: "EC")
    }

    static func evidence(_ index: Int, _ kind: SignatureClaim.Kind = .approval, step: Int, role: String, signer: String,
                         fingerprint: String = "f", cryptographic: SignatureProblem? = nil, chain: SignatureProblem? = nil) -> SignatureEvidence {
        SignatureEvidence(index: index, id: "sig-\(index + 1)",
                          claim: SignatureClaim(kind: kind, step: step, role: role, signer: signer, signerName: signer, signingTime: 5, prior: []),
                          certificate: certificate(fingerprint), algorithm: "ECDSA-SHA256", cryptographic: cryptographic, chain: chain)
    }

    let principal = evidence(0, step: 2, role: "principal", signer: "s1.principal", fingerprint: "p")
    let seal = evidence(1, .seal, step: 3, role: "S01", signer: "S01", fingerprint: "s")

    @Test func noSignatureIsUnsignedAndIncomplete() {
        let review = SignatureReview(manifest: Self.manifest, evidence: [], owners: nil, documentSHA256: nil)
        #expect(review.state == .unsigned && !review.complete(Self.manifest))
        #expect(review.missingSteps == [2] && !review.documentChecked)
    }

    @Test func theRequiredStepAndTheSealMakeItComplete() {
        let owners = ["p": KeyOwner(owner: "s1.principal", seal: false), "s": KeyOwner(owner: "S01", seal: true)]
        let review = SignatureReview(manifest: Self.manifest, evidence: [principal, seal], owners: owners, documentSHA256: Self.sha.uppercased())
        #expect(review.state == .signed && review.complete(Self.manifest))
        #expect(review.signedSteps == [2] && review.sealed && review.documentProblem == nil)
        // Without the seal it is signed but not complete.
        let unsealed = SignatureReview(manifest: Self.manifest, evidence: [principal], owners: nil, documentSHA256: nil)
        #expect(unsealed.state == .signed && !unsealed.complete(Self.manifest))
    }

    @Test func rolesOrderAndSealPlaceAreChecked() {
        let wrongRole = Self.evidence(0, step: 2, role: "teacher", signer: "s1.teacher")
        #expect(SignatureReview(manifest: Self.manifest, evidence: [wrongRole], owners: nil, documentSHA256: nil).signatures[0].problems
                == [.wrongRole(expected: "principal", claimed: "teacher")])
        let twice = [principal, Self.evidence(1, step: 2, role: "principal", signer: "s1.principal")]
        #expect(SignatureReview(manifest: Self.manifest, evidence: twice, owners: nil, documentSHA256: nil).signatures[1].problems == [.outOfOrder])
        let earlySeal = [Self.evidence(0, .seal, step: 2, role: "S01", signer: "S01"), principal]
        let review = SignatureReview(manifest: Self.manifest, evidence: earlySeal, owners: nil, documentSHA256: nil)
        #expect(review.signatures.map(\.problems) == [[.outOfOrder], [.outOfOrder]])
        #expect(review.state == .invalid)
        let beyond = Self.evidence(0, step: 9, role: "principal", signer: "s1.principal")
        #expect(SignatureReview(manifest: Self.manifest, evidence: [beyond], owners: nil, documentSHA256: nil).signatures[0].problems == [.outOfOrder])
    }

    @Test func aKeyMustBelongToWhoeverTheSignatureNames() {
        let owners = ["p": KeyOwner(owner: "s1.vice", seal: false)]
        let review = SignatureReview(manifest: Self.manifest, evidence: [principal], owners: owners, documentSHA256: nil)
        #expect(review.signatures[0].problems == [.notSignersKey] && review.state == .invalid)
        // A person's key cannot stand for the school's seal, and an unknown key counts as nobody's.
        let asSeal = SignatureReview(manifest: Self.manifest, evidence: [principal, seal],
                                     owners: ["p": KeyOwner(owner: "s1.principal", seal: false), "s": KeyOwner(owner: "S01", seal: false)], documentSHA256: nil)
        #expect(asSeal.signatures[1].problems == [.notSignersKey])
        #expect(SignatureReview(manifest: Self.manifest, evidence: [principal], owners: [:], documentSHA256: nil).signatures[0].problems == [.notSignersKey])
    }

    @Test func cryptographyChainAndDocumentProblemsMakeItInvalid() {
        let broken = Self.evidence(0, step: 2, role: "principal", signer: "s1.principal", cryptographic: .contentChanged, chain: .expiredAtSigning)
        let review = SignatureReview(manifest: Self.manifest, evidence: [broken], owners: nil, documentSHA256: nil)
        #expect(review.signatures[0].problems == [.contentChanged, .expiredAtSigning])
        #expect(review.state == .invalid && review.missingSteps == [2])
        let changed = SignatureReview(manifest: Self.manifest, evidence: [principal, seal], owners: nil, documentSHA256: String(repeating: "cd", count: 32))
        #expect(changed.documentProblem == .documentChanged && changed.state == .invalid && !changed.complete(Self.manifest))
        #expect(SignatureProblem.untrusted("unable to get local issuer certificate").parameters["detail"] == "unable to get local issuer certificate")
        #expect(SignatureProblem.wrongRole(expected: "principal", claimed: "teacher").messageKey == "signature_problem.wrong_role")
    }
}
