import Foundation
import HosoCore
import HosoSigning
import Testing

/// A throwaway PKI made with `scripts/pki.sh` (openssl): a trusted root, a second root nobody
/// trusts, people's EC keys, a school's RSA seal, and a certificate that expired in 2021.
final class PKI: @unchecked Sendable {
    static let shared = try! PKI()
    static let password = "test-secret"

    let directory: String
    let repository: String

    init() throws {
        repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        directory = NSTemporaryDirectory() + "hoso-pki-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try script("ca", directory, "root", "/CN=Hoso Test CA/O=Sở GD&ĐT Thử nghiệm")
        try script("ca", directory, "rogue", "/CN=Rogue CA")
        try script("issue", directory, "root", "an", "/CN=Nguyễn Văn An/UID=an", "ec")
        try script("issue", directory, "root", "hieu", "/CN=Trần Thị Hiếu/UID=hieu", "rsa")
        try script("issue", directory, "root", "seal", "/CN=Trường THCS Bình Minh/O=Trường THCS Bình Minh", "rsa")
        try script("issue", directory, "rogue", "mallory", "/CN=Nguyễn Văn An/UID=an", "ec")
        try script("issue", directory, "root", "old", "/CN=Trần Thị Hiếu/UID=hieu", "ec", "20200101000000Z", "20210101000000Z")
    }

    func script(_ arguments: String...) throws {
        let result = try Self.run(repository + "/scripts/pki.sh", arguments, environment: ["HOSO_PKI_PASSWORD": Self.password])
        guard result.status == 0 else { throw HosoError("test.pki", ["output": result.output]) }
    }

    func file(_ name: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: directory + "/" + name) ?? Data()) }
    func path(_ name: String) -> String { directory + "/" + name }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite struct ManifestSignatureTests {
    let pki = PKI.shared
    let schema: ManifestSchema
    let roots: TrustRoots

    init() throws {
        schema = try ManifestSchema(xsd: [UInt8](try Data(contentsOf: URL(fileURLWithPath: PKI.shared.repository + "/web/static/record-manifest-1.xsd"))))
        roots = try TrustRoots(pem: PKI.shared.file("root.pem"))
    }

    /// After the test certificates were issued (they are valid from the second they were made).
    static let now: Int64 = {
        _ = PKI.shared
        return Int64(Date().timeIntervalSince1970) + 1
    }()

    static let manifest = RecordManifest(
        tenant: .init(code: "demo", name: "Sở GD&ĐT Thử nghiệm"), unit: .init(code: "THCS-BM", name: "Trường THCS Bình Minh"),
        recordType: .init(code: "subject_plan", name: "Kế hoạch giáo dục của tổ <chuyên môn> & \"nhà trường\""),
        period: .init(schoolYear: "2026-2027", kind: "year", number: 1, first: "2026-09-05", last: "2027-05-31"),
        obligationID: 42, version: 2,
        document: .init(sha256: String(repeating: "ab", count: 32), size: 1234, mediaType: "application/pdf", filename: "Kế hoạch tổ Toán.pdf"),
        submitted: .init(login: "an", name: "Nguyễn Văn An", role: "subject_group_head", at: now - 3600),
        chain: [.init(role: "subject_group_head", signatureRequired: false), .init(role: "principal", signatureRequired: true)],
        sealRequired: true, issuedAt: now - 3000)

    func claim(_ kind: SignatureClaim.Kind = .approval, step: Int, role: String, signer: String, name: String, at: Int64 = now) -> SignatureClaim {
        SignatureClaim(kind: kind, step: step, role: role, signer: signer, signerName: name, signingTime: at,
                       prior: [.init(step: 1, role: "subject_group_head", name: "Nguyễn Văn An", at: Self.now - 600, signed: false)])
    }

    /// The manifest signed by the principal (RSA) and sealed by the school (RSA); the principal's
    /// step could as well be EC (see `ecdsaSignatures`).
    func signedManifest() throws -> [UInt8] {
        let base = try ManifestXML.build(Self.manifest)
        let principal = try ManifestSignatures.sign(base, pkcs12: pki.file("hieu.p12"), password: PKI.password,
                                                    claim: claim(step: 2, role: "principal", signer: "hieu", name: "Trần Thị Hiếu"), schema: schema)
        return try ManifestSignatures.sign(principal, pkcs12: pki.file("seal.p12"), password: PKI.password,
                                           claim: claim(.seal, step: 3, role: "THCS-BM", signer: "THCS-BM", name: "Trường THCS Bình Minh"),
                                           schema: schema)
    }

    func review(_ bytes: [UInt8], document: String? = String(repeating: "ab", count: 32), owners: [String: KeyOwner]? = nil) throws -> SignatureReview {
        let check = try ManifestSignatures.verify(bytes, roots: roots, schema: schema)
        return SignatureReview(manifest: check.manifest, evidence: check.evidence, owners: owners, documentSHA256: document)
    }

    func problems(_ review: SignatureReview) -> [String] { review.signatures.flatMap { $0.problems.map(\.code) } }

    @Test func manifestRoundTripsThroughItsSchema() throws {
        let bytes = try ManifestXML.build(Self.manifest)
        #expect(try ManifestXML.read(bytes, schema: schema) == Self.manifest)
        // The escaped name survives, and the XML says it in UTF-8.
        #expect(String(decoding: bytes, as: UTF8.self).contains("&lt;chuyên môn&gt; &amp; \"nhà trường\""))
    }

    @Test func chainOfSignaturesVerifiesAndCompletes() throws {
        let bytes = try signedManifest()
        let review = try review(bytes)
        #expect(problems(review) == [])
        #expect(review.state == .signed)
        #expect(review.signedSteps == [2] && review.sealed && review.complete(Self.manifest))
        let principal = try #require(review.signatures.first?.evidence)
        #expect(principal.claim?.signer == "hieu" && principal.claim?.prior.count == 1)
        #expect(principal.certificate?.commonName == "Trần Thị Hiếu")
        #expect(principal.certificate?.keyAlgorithm == "RSA" && principal.algorithm == "RSA-SHA256")
        // The registry agrees on whose keys these are.
        let owners = [try fingerprint("hieu.pem"): KeyOwner(owner: "hieu", seal: false), try fingerprint("seal.pem"): KeyOwner(owner: "THCS-BM", seal: true)]
        #expect(problems(try self.review(bytes, owners: owners)) == [])
        // A key registered to someone else is named.
        let swapped = [try fingerprint("hieu.pem"): KeyOwner(owner: "an", seal: false), try fingerprint("seal.pem"): KeyOwner(owner: "THCS-BM", seal: true)]
        #expect(problems(try self.review(bytes, owners: swapped)) == ["not_signers_key"])
    }

    @Test func ecdsaSignatures() throws {
        let bytes = try ManifestSignatures.sign(try ManifestXML.build(Self.manifest), pkcs12: pki.file("an.p12"), password: PKI.password,
                                                claim: claim(step: 1, role: "subject_group_head", signer: "an", name: "Nguyễn Văn An"), schema: schema)
        let review = try review(bytes)
        #expect(problems(review) == [])
        #expect(review.signatures[0].evidence.algorithm == "ECDSA-SHA256")
        #expect(!review.complete(Self.manifest))
        #expect(review.missingSteps == [2])
    }

    @Test func hosoSignaturesVerifyWithXmlsec1() throws {
        let file = pki.path("signed-\(UUID().uuidString).xml")
        try Data(try signedManifest()).write(to: URL(fileURLWithPath: file))
        for id in ["sig-1", "sig-2"] {
            let result = try PKI.run("xmlsec1", ["--verify", "--trusted-pem", pki.path("root.pem"), "--node-xpath", "//*[@Id='\(id)']", file])
            #expect(result.status == 0, "\(id): \(result.output)")
            #expect(result.output.contains("OK"))
        }
        // And xmlsec1 refuses the same file under a root it was not made with.
        let rogue = try PKI.run("xmlsec1", ["--verify", "--trusted-pem", pki.path("rogue.pem"), "--node-xpath", "//*[@Id='sig-1']", file])
        #expect(rogue.status != 0)
    }

    @Test func xmlsec1SignaturesVerifyInHoso() throws {
        let template = try ManifestSignatures.template(try ManifestXML.build(Self.manifest), keyAlgorithm: "EC",
                                                       claim: claim(step: 1, role: "subject_group_head", signer: "an", name: "Nguyễn Văn An"),
                                                       schema: schema)
        let input = pki.path("template-\(UUID().uuidString).xml")
        let output = input + ".signed"
        try Data(template).write(to: URL(fileURLWithPath: input))
        let signed = try PKI.run("xmlsec1", ["--sign", "--pkcs12", pki.path("an.p12"), "--pwd", PKI.password, "--output", output, input])
        #expect(signed.status == 0, "\(signed.output)")
        let review = try review([UInt8](try Data(contentsOf: URL(fileURLWithPath: output))))
        #expect(problems(review) == [])
        #expect(review.signatures.first?.evidence.certificate?.commonName == "Nguyễn Văn An")
    }

    @Test func oneChangedByteInTheManifestIsNamed() throws {
        let bytes = try signedManifest()
        // The document's size, inside the signed content: both signatures see it.
        let content = try replace(bytes, "size=\"1234\"", "size=\"1235\"")
        #expect(problems(try review(content)) == ["content_changed", "content_changed"])
        // The principal's signing time, inside their signed properties: theirs breaks on its own
        // reference, the seal (which covers the principal's signature) on the content.
        let time = UTCTime.format(Self.now)
        let moved = try replace(bytes, time, UTCTime.format(Self.now + 1), first: true)
        let movedProblems = problems(try review(moved))
        #expect(movedProblems == ["properties_changed", "content_changed"])
    }

    @Test func oneChangedByteInTheDocumentIsNamed() throws {
        let review = try review(try signedManifest(), document: String(repeating: "ab", count: 31) + "ac")
        #expect(review.state == .invalid)
        #expect(review.documentProblem == .documentChanged)
    }

    @Test func untrustedAndExpiredCertificatesAreRefused() throws {
        let base = try ManifestXML.build(Self.manifest)
        let rogue = try ManifestSignatures.sign(base, pkcs12: pki.file("mallory.p12"), password: PKI.password,
                                                claim: claim(step: 1, role: "subject_group_head", signer: "an", name: "Nguyễn Văn An"), schema: schema)
        let untrusted = try review(rogue)
        #expect(problems(untrusted) == ["untrusted"])
        #expect(untrusted.signatures[0].problems.first?.parameters["detail"]?.isEmpty == false)

        let expired = try ManifestSignatures.sign(base, pkcs12: pki.file("old.p12"), password: PKI.password,
                                                  claim: claim(step: 2, role: "principal", signer: "hieu", name: "Trần Thị Hiếu"), schema: schema)
        #expect(problems(try review(expired)) == ["expired"])
        // Validity is judged at the signing time the signature claims, not today: in 2020 the
        // certificate was current but the test root (made today) did not exist yet.
        let then = UTCTime.parse("2020-06-01T08:00:00Z")!
        let early = try ManifestSignatures.sign(base, pkcs12: pki.file("old.p12"), password: PKI.password,
                                                claim: claim(step: 2, role: "principal", signer: "hieu", name: "Trần Thị Hiếu", at: then), schema: schema)
        #expect(problems(try review(early)) == ["not_yet_valid"])
    }

    @Test func aSignatureInTheWrongRoleIsRefused() throws {
        let base = try ManifestXML.build(Self.manifest)
        let teacher = try ManifestSignatures.sign(base, pkcs12: pki.file("an.p12"), password: PKI.password,
                                                  claim: claim(step: 2, role: "teacher", signer: "an", name: "Nguyễn Văn An"), schema: schema)
        let review = try review(teacher)
        #expect(review.signatures[0].problems == [.wrongRole(expected: "principal", claimed: "teacher")])
        // A seal before the chain's last step, or by a person, is out of order.
        let seal = try ManifestSignatures.sign(base, pkcs12: pki.file("an.p12"), password: PKI.password,
                                               claim: claim(.seal, step: 2, role: "THCS-BM", signer: "an", name: "Nguyễn Văn An"), schema: schema)
        #expect(problems(try self.review(seal)) == ["out_of_order"])
    }

    @Test func externalEntitiesAndEntityBombsAreRefusedUnread() throws {
        let secret = pki.path("secret.txt")
        try "bí mật".write(toFile: secret, atomically: true, encoding: .utf8)
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE RecordManifest [<!ENTITY x SYSTEM "file://\(secret)">]>
            <RecordManifest xmlns="urn:hoso:record-manifest:1" version="1"><Tenant code="demo">&x;</Tenant></RecordManifest>
            """
        #expect(code { _ = try ManifestSignatures.verify(Array(xxe.utf8), roots: roots, schema: schema) } == "xml.doctype")
        let lol = (1...9).map { "<!ENTITY lol\($0) \"" + String(repeating: "&lol\($0 - 1);", count: 10) + "\">" }.joined()
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol0 \"lol\">\(lol)]><lolz>&lol9;</lolz>"
        #expect(code { _ = try ManifestSignatures.verify(Array(bomb.utf8), roots: roots, schema: schema) } == "xml.doctype")
        // UTF-16 could hide a DOCTYPE from the scan: refused too.
        #expect(code { _ = try ManifestSignatures.verify([0xFF, 0xFE] + Array(bomb.utf8), roots: roots, schema: schema) } == "xml.encoding")
        #expect(code { _ = try ManifestSignatures.verify(Array("<RecordManifest".utf8), roots: roots, schema: schema) } == "xml.malformed")
        let foreign = "<RecordManifest xmlns=\"urn:hoso:record-manifest:1\" version=\"1\"><Tenant code=\"demo\">x</Tenant></RecordManifest>"
        #expect(code { _ = try ManifestSignatures.verify(Array(foreign.utf8), roots: roots, schema: schema) } == "manifest.schema")
    }

    @Test func aSignatureThatCoversLessIsRefused() throws {
        // Someone edits the XPath so that the principal's signature would no longer cover the
        // content: the profile check names it before any cryptography.
        let bytes = try signedManifest()
        let narrowed = try replace(bytes, "count(preceding-sibling::dsig:Signature) &gt;= 0", "count(preceding-sibling::dsig:Signature) &gt;= 9")
        let review = try review(narrowed)
        #expect(review.signatures[0].problems == [.profile("XPath")])
    }

    @Test func keyStoreSignsWithImportedKeys() async throws {
        let directory = pki.path("store-\(UUID().uuidString)")
        let store = try PKCS12KeyStore(directory: directory, secret: "store-secret", schema: schema)
        #expect(code { _ = try store.importKey(pki.file("hieu.p12"), password: "wrong", tenant: "demo") } == "keys.wrong_password")
        let imported = try store.importKey(pki.file("hieu.p12"), password: PKI.password, tenant: "demo")
        #expect(imported.certificate.commonName == "Trần Thị Hiếu" && imported.pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
        // The file in the store opens with the store's secret only.
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + imported.reference)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try store.check(imported.reference).fingerprint == imported.certificate.fingerprint)
        let signed = try await store.sign(manifest: try ManifestXML.build(Self.manifest), keyReference: imported.reference,
                                          claim: claim(step: 2, role: "principal", signer: "hieu", name: "Trần Thị Hiếu"))
        #expect(problems(try review(signed)) == [])
        await #expect(throws: HosoError("keys.bad_reference")) {
            _ = try await store.sign(manifest: signed, keyReference: "../etc/passwd", claim: claim(step: 2, role: "principal", signer: "hieu", name: ""))
        }
    }

    // MARK: - Helpers

    func fingerprint(_ name: String) throws -> String { try Certificates.read(pem: pki.file(name))[0].fingerprint }

    func replace(_ bytes: [UInt8], _ old: String, _ new: String, first: Bool = false) throws -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let range = text.range(of: old) else { throw HosoError("test.not_found", ["text": old]) }
        return Array((first ? text.replacingCharacters(in: range, with: new) : text.replacingOccurrences(of: old, with: new)).utf8)
    }

    func code(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let error as HosoError { return error.code } catch { return "other" }
    }
}
