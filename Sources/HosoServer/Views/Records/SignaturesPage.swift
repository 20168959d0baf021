import HosoCore
import HosoSigning
import HosoStore

/// The signatures page of a record (`signatures` template): the record's head and, once it has a
/// version, the verification of its manifest, each signature with what was found wrong.
struct SignaturesPage: Sendable {
    let record: ObligationItem
    let id: Int64
    let verification: VerificationView?
}

/// A verification as the page shows it.
struct VerificationView: Sendable {
    struct Signature: Sendable {
        let number: Int
        let valid: Bool
        let algorithm: String
        let kind: String?
        let step: Int?
        let role: String?
        let signer: String?
        let login: String?
        let at: String?
        let subject: String?
        let serial: String?
        let issuer: String?
        let validity: String?
        let fingerprint: String?
        let problems: [String]
    }

    let state: String
    let stateCode: String
    let complete: Bool
    let sha256: String
    let documentOK: Bool
    let documentChecked: Bool
    let missing: String
    let hasMissing: Bool
    let sealRequired: Bool
    let sealed: Bool
    let signatures: [Signature]
    let hasSignatures: Bool

    init(_ verification: SigningService.Verification, localizer: Localizer, language: Language) {
        let review = verification.review
        let manifest = verification.manifest
        state = localizer.text(review.state.messageKey, language)
        stateCode = review.state.rawValue
        complete = review.complete(manifest)
        sha256 = manifest.document.sha256
        documentOK = review.documentProblem == nil
        documentChecked = review.documentChecked
        missing = review.missingSteps.map { String($0) }.joined(separator: ", ")
        hasMissing = !review.missingSteps.isEmpty
        sealRequired = manifest.sealRequired
        sealed = review.sealed
        signatures = review.signatures.map { checked in
            let e = checked.evidence
            let claim = e.claim
            let certificate = e.certificate
            return Signature(
                number: e.index + 1, valid: checked.valid, algorithm: e.algorithm,
                kind: claim.map { localizer.text("signature_kind." + $0.kind.rawValue, language) }, step: claim?.step,
                role: claim.map { claim in
                    Role(rawValue: claim.role).map { localizer.text($0.messageKey, language) } ?? claim.role
                },
                signer: claim?.signerName, login: claim?.signer,
                at: claim.map { VietnamTime.display(epochSeconds: $0.signingTime) },
                subject: certificate?.subject, serial: certificate?.serial, issuer: certificate?.issuer,
                validity: certificate.map {
                    VietnamTime.display(epochSeconds: $0.notBefore) + " – "
                        + VietnamTime.display(epochSeconds: $0.notAfter)
                },
                fingerprint: certificate?.fingerprint,
                problems: checked.problems.map { localizer.text($0.messageKey, language, $0.parameters) })
        }
        hasSignatures = !review.signatures.isEmpty
    }
}
