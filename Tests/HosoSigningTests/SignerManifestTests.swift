import Foundation
import HosoCore
import HosoSigning
import Testing

/// The manifest names every signer the documents ask for (issue 14): the submitter's own
/// signature (kind `submission`, step 0, seed 004) and the subject teachers of a step (seed 001),
/// valid against the XSD and verified with real keys.
@Suite struct SignerManifestTests {
    let pki = PKI.shared
    let schema: ManifestSchema
    let roots: TrustRoots

    init() throws {
        schema = try ManifestSchema(
            xsd: [UInt8](
                try Data(
                    contentsOf: URL(
                        fileURLWithPath: PKI.shared.repository
                            + "/web/static/record-manifest-1.xsd"))))
        roots = try TrustRoots(pem: PKI.shared.file("root.pem"))
    }

    static let manifest = RecordManifest(
        tenant: .init(code: "demo", name: "Sở GD&ĐT Thử nghiệm"),
        unit: .init(code: "THCS-BM", name: "Trường THCS Bình Minh"),
        recordType: .init(code: "student_transcript", name: "Học bạ học sinh"),
        period: .init(schoolYear: "2025-2026", kind: "year", number: 1, first: "2025-09-05", last: "2026-05-31"),
        obligationID: 43, version: 1,
        document: .init(
            sha256: String(repeating: "ab", count: 32), size: 99, mediaType: "application/pdf", filename: "hoc-ba.pdf"),
        submitted: .init(login: "an", name: "Nguyễn Văn An", role: "teacher", at: ManifestSignatureTests.now - 3600),
        chain: [
            .init(role: "teacher", signatureRequired: true, signers: ["an", "hieu"]),
            .init(role: "principal", signatureRequired: true),
        ],
        sealRequired: true, issuedAt: ManifestSignatureTests.now - 3000, submissionSignatureRequired: true)

    func claim(_ kind: SignatureClaim.Kind, step: Int, role: String, signer: String, name: String) -> SignatureClaim {
        SignatureClaim(
            kind: kind, step: step, role: role, signer: signer, signerName: name,
            signingTime: ManifestSignatureTests.now,
            prior: [])
    }

    @Test func signersAndTheSubmissionFlagRoundTripThroughTheSchema() throws {
        let bytes = try ManifestXML.build(Self.manifest)
        #expect(try ManifestXML.read(bytes, schema: schema) == Self.manifest)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("submission=\"required\"") && text.contains("<Signer login=\"hieu\"/>"))
    }

    @Test func theSubmittersAndBothTeachersSignaturesVerify() throws {
        var xml = try ManifestXML.build(Self.manifest)
        xml = try ManifestSignatures.sign(
            xml, pkcs12: pki.file("an.p12"), password: PKI.password,
            claim: claim(.submission, step: 0, role: "teacher", signer: "an", name: "Nguyễn Văn An"),
            schema: schema)
        xml = try ManifestSignatures.sign(
            xml, pkcs12: pki.file("hieu.p12"), password: PKI.password,
            claim: claim(.approval, step: 1, role: "teacher", signer: "hieu", name: "Trần Thị Hiếu"),
            schema: schema)
        xml = try ManifestSignatures.sign(
            xml, pkcs12: pki.file("an.p12"), password: PKI.password,
            claim: claim(.approval, step: 1, role: "teacher", signer: "an", name: "Nguyễn Văn An"),
            schema: schema)
        let check = try ManifestSignatures.verify(xml, roots: roots, schema: schema)
        let review = SignatureReview(
            manifest: check.manifest, evidence: check.evidence, owners: nil,
            documentSHA256: String(repeating: "ab", count: 32))
        #expect(review.signatures.flatMap(\.problems).isEmpty)
        #expect(check.evidence.first?.claim?.kind == .submission && check.evidence.first?.claim?.step == 0)
        #expect(review.submissionSigned && review.signedSteps == [1] && review.missingSteps == [2])
        #expect(review.signersByStep[1] == ["an", "hieu"])
    }
}
