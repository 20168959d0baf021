import Foundation
import HosoCore
import HosoSigning
import Testing

/// A version of several documents (seed 002: one file per lesson): the manifest lists each with
/// its SHA-256, signatures cover them all, and every one is checked; a manifest of one document
/// is exactly as it was before.
extension ManifestSignatureTests {
    static let lessons = RecordManifest(
        tenant: manifest.tenant, unit: manifest.unit, recordType: .init(code: "lesson_plan", name: "Kế hoạch bài dạy"),
        period: .init(schoolYear: "2026-2027", kind: "week", number: 5, first: "2026-10-05", last: "2026-10-11"),
        obligationID: 43, version: 1,
        document: .init(
            sha256: String(repeating: "0a", count: 32), size: 100, mediaType: "application/pdf", filename: "Bài 1.pdf"),
        submitted: manifest.submitted, chain: manifest.chain, sealRequired: true, issuedAt: now - 3000,
        moreDocuments: [
            .init(
                sha256: String(repeating: "0b", count: 32), size: 200, mediaType: "application/pdf",
                filename: "Bài 2.pdf"),
            .init(
                sha256: String(repeating: "0c", count: 32), size: 300, mediaType: "application/pdf",
                filename: "Bài 3.pdf"),
        ])

    @Test func aManifestListsEveryDocumentAndReadsBackTheSame() throws {
        // act
        let bytes = try ManifestXML.build(Self.lessons)
        // verify: three Document elements, in order, valid against the schema, read back equal.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.components(separatedBy: "<Document ").count - 1 == 3)
        #expect(text.range(of: "Bài 1.pdf")!.lowerBound < text.range(of: "Bài 3.pdf")!.lowerBound)
        let read = try ManifestXML.read(bytes, schema: schema)
        #expect(read == Self.lessons && read.documents.map(\.size) == [100, 200, 300])
        // A manifest of one document has exactly one Document element, as before.
        let single = String(decoding: try ManifestXML.build(Self.manifest), as: UTF8.self)
        #expect(single.components(separatedBy: "<Document ").count - 1 == 1)
        #expect(try ManifestXML.read(Array(single.utf8), schema: schema).moreDocuments.isEmpty)
    }

    @Test func everyDocumentIsCheckedAndASignatureCoversThemAll() throws {
        // setup: the lessons signed by the principal.
        let signed = try ManifestSignatures.sign(
            try ManifestXML.build(Self.lessons), pkcs12: pki.file("hieu.p12"), password: PKI.password,
            claim: claim(step: 2, role: "principal", signer: "hieu", name: "Trần Thị Hiếu"), schema: schema)
        let check = try ManifestSignatures.verify(signed, roots: roots, schema: schema)
        func review(_ hashes: [String]) -> SignatureReview {
            SignatureReview(
                manifest: check.manifest, evidence: check.evidence, owners: nil, documentSHA256: hashes.first,
                moreDocumentSHA256: Array(hashes.dropFirst()))
        }
        let good = Self.lessons.documents.map(\.sha256)
        // act, verify: all match; the third changed; the third missing.
        #expect(review(good).documentProblem == nil && review(good).state == .signed)
        let third = review([good[0], good[1], String(repeating: "0d", count: 32)])
        #expect(third.documentProblem == .documentChanged && third.changedDocuments == [3] && third.state == .invalid)
        #expect(review([good[0], good[1]]).changedDocuments == [3])
        // A document's hash changed inside the signed manifest breaks the signature.
        let edited = String(decoding: signed, as: UTF8.self).replacingOccurrences(
            of: String(repeating: "0b", count: 32),
            with: String(repeating: "0e", count: 32))
        let broken = try ManifestSignatures.verify(Array(edited.utf8), roots: roots, schema: schema)
        #expect(broken.evidence.first?.cryptographic == .contentChanged)
    }
}
