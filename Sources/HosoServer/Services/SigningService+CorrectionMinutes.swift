import Foundation
import HosoCore
import HosoSigning
import HosoStore

/// Correction minutes are signed like other records: a manifest naming the minutes' PDF by its
/// SHA-256, signed by the principal with their key from the key store, verified before it is kept.
/// Without a key (or without a key store) the manifest is kept unsigned, as a record's is before
/// its first signature.
extension SigningService {
    static let correctionMinutesRole = "principal"

    func correctionMinutesManifest(
        tenant: RecordManifest.Party, facts: CorrectionMinutesFacts, school: StoredUnit,
        sha256: String, size: Int64, signer: (login: String, name: String), at: Int64
    ) -> RecordManifest {
        let row = facts.record
        return RecordManifest(
            tenant: tenant, unit: .init(code: school.code, name: school.nameVi),
            recordType: .init(
                code: "correction_minutes", name: "Biên bản sửa chữa dữ liệu số \(facts.number): \(row.typeNameVi)"),
            period: .init(
                schoolYear: row.schoolYear, kind: row.periodKind, number: row.periodNumber, first: row.periodFirst,
                last: row.periodLast),
            obligationID: row.id, version: facts.new.version,
            document: .init(
                sha256: sha256, size: size, mediaType: "application/pdf",
                filename: "bien-ban-sua-chua-\(facts.correction.id).pdf"),
            submitted: .init(login: signer.login, name: signer.name, role: Self.correctionMinutesRole, at: at),
            chain: [.init(role: Self.correctionMinutesRole, signatureRequired: true)], sealRequired: false, issuedAt: at
        )
    }

    /// The minutes' manifest, signed with `key` when given (`roots` read before the record's lock).
    func signCorrectionMinutes(
        _ manifest: RecordManifest, key: KeyRow?, signer: (login: String, name: String), at: Int64,
        roots: TrustRoots
    ) async throws -> (xml: String, signed: Bool) {
        let unsigned = try ManifestXML.build(manifest)
        guard let key, let reference = key.keyReference, let signer_ = self.signer else {
            return (String(decoding: unsigned, as: UTF8.self), false)
        }
        let claim = SignatureClaim(
            kind: .approval, step: 1, role: Self.correctionMinutesRole, signer: signer.login,
            signerName: signer.name, signingTime: at, prior: [])
        let xml = try await signer_.sign(manifest: unsigned, keyReference: reference, claim: claim)
        let check = try ManifestSignatures.verify(xml, roots: roots, schema: schema)
        let review = SignatureReview(
            manifest: check.manifest, evidence: check.evidence,
            owners: [key.fingerprint: KeyOwner(owner: key.owner, seal: false)],
            documentSHA256: manifest.document.sha256)
        try Self.refuseAnyProblem(review)
        return (String(decoding: xml, as: UTF8.self), true)
    }
}
