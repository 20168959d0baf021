import Foundation
import HosoCore
import HosoServer
import HosoSigning
@testable import HosoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Digital signatures end to end, against the real database, directory, blob store and key store:
/// a throwaway CA made with `scripts/pki.sh`, keys imported the way `hoso keys` does, the demo
/// school register (vice principal → principal, signature required → the school's seal → lock).
/// Checked with the `xmlsec1` tool where the issue asks for interoperability.
@Suite(.serialized) struct SignatureTests {
    static let year = "2026-2027"
    static let secret = "key-store-secret"
    static let password = "p12-password"

    /// The PKI: a trusted root and a rogue one, keys of the demo school's vice principal (EC), its
    /// principal (RSA), the school's seal, the principal's key from the rogue CA, and the
    /// principal's certificate that expired in 2021.
    final class PKI: Sendable {
        let directory: String
        init() throws {
            directory = try TestEnvironment.temporaryDirectory("pki")
            let script = try TestEnvironment.repoDirectory + "/scripts/pki.sh"
            for arguments in [["ca", directory, "root", "/CN=Hoso Test CA"], ["ca", directory, "rogue", "/CN=Rogue CA"],
                              ["issue", directory, "root", "vice", "/CN=Phó hiệu trưởng/UID=s1.vice", "ec"],
                              ["issue", directory, "root", "principal", "/CN=Hiệu trưởng/UID=s1.principal", "rsa"],
                              ["issue", directory, "root", "seal", "/CN=Trường THCS Chu Văn An", "rsa"],
                              ["issue", directory, "rogue", "fake", "/CN=Hiệu trưởng/UID=s1.principal", "ec"],
                              ["issue", directory, "root", "old", "/CN=Hiệu trưởng/UID=s1.principal", "ec", "20200101000000Z", "20210101000000Z"]] {
                let result = try Tool.run(script, arguments, environment: ["HOSO_PKI_PASSWORD": SignatureTests.password])
                guard result.status == 0 else { throw HosoError("test.pki", ["output": result.output]) }
            }
        }
        func path(_ name: String) -> String { directory + "/" + name }
        func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }
    }

    struct Setup {
        let world: TestWorld
        let pki: PKI
        let obligation: Int64
    }

    /// A world with the key store configured, the root trusted and the three keys imported.
    func setup(maxConnections: Int = 20) async throws -> Setup {
        let pki = try PKI()
        let keys = try TestEnvironment.temporaryDirectory("keys")
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year]) { configuration in
            configuration.keysDirectory = keys
            configuration.environment["HOSO_KEYS_SECRET"] = Self.secret
            configuration.databaseMaxConnections = maxConnections
        }
        let repo = try TestEnvironment.repoDirectory
        let schema = try SigningService.loadSchema(webDirectory: repo + "/web")
        let store = try PKCS12KeyStore(directory: keys, secret: Self.secret, schema: schema)
        try await withDatabase(try world.database.appURL) { pool in
            let signatures = SignatureStore(database: pool, logger: TestEnvironment.logger)
            guard let tenant = try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo") else { return }
            let root = try pki.bytes("root.pem")
            _ = try await signatures.addRoots(tenantID: tenant.id, [(try Certificates.read(pem: root)[0], String(decoding: root, as: UTF8.self))],
                                              source: "test", actorLogin: "test")
            for (file, owner) in [("vice.p12", SignatureStore.Owner.person(login: "s1.vice")), ("principal.p12", .person(login: "s1.principal")),
                                  ("seal.p12", .unit(code: "S01"))] {
                let imported = try store.importKey(try pki.bytes(file), password: Self.password, tenant: "demo")
                _ = try await signatures.register(tenantID: tenant.id, owner: owner, certificate: imported.certificate, pem: imported.pem,
                                                  keyReference: imported.reference, actorLogin: "test")
            }
        }
        let id = try #require(try await TestEnvironment.ownerValue("""
            SELECT o.id::text FROM obligations o JOIN units u ON u.id = o.unit_id
            WHERE u.code = 'S01' AND o.record_type = 'student_register' AND o.school_year = '\(Self.year)'
            """, database: world.database.name).flatMap { Int64($0) })
        return Setup(world: world, pki: pki, obligation: id)
    }

    func post(_ client: any TestClientProtocol, _ browser: inout Browser, _ path: String, _ json: String) async throws -> TestResponse {
        try await browser.send(client, .post, path, json: json, headers: [HTTPField.Name("X-CSRF-Token")!: browser.csrf])
    }

    func postXML(_ client: any TestClientProtocol, _ browser: inout Browser, _ id: Int64, _ xml: [UInt8]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/xml"]
        headers[HTTPField.Name("X-CSRF-Token")!] = browser.csrf
        headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return try await client.execute(uri: "/api/v1/obligations/\(id)/signatures", method: .post, headers: headers, body: ByteBuffer(bytes: xml))
    }

    /// `paperCopy`: also file the scan of its printed, hand-signed and stamped copy (the demo tenant's
    /// student register requires one before the chain completes: seed 003 §4–5).
    func submit(_ client: any TestClientProtocol, _ admin: inout Browser, _ id: Int64, _ text: String,
                paperCopy: Bool = false) async throws {
        var headers: HTTPFields = [.contentType: "application/pdf"]
        headers[HTTPField.Name("X-CSRF-Token")!] = admin.csrf
        headers[.cookie] = admin.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        let response = try await client.execute(uri: "/api/v1/obligations/\(id)/versions?filename=so-dang-bo.pdf", method: .post,
                                                headers: headers, body: ByteBuffer(bytes: Array(RecordTests.pdf(text).utf8)))
        #expect(response.status == .created, "\(response.text)")
        if paperCopy { try await filePaperCopy(client, &admin, id) }
    }

    func filePaperCopy(_ client: any TestClientProtocol, _ admin: inout Browser, _ id: Int64) async throws {
        var headers: HTTPFields = [.contentType: "application/pdf"]
        headers[HTTPField.Name("X-CSRF-Token")!] = admin.csrf
        headers[.cookie] = admin.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        let response = try await client.execute(uri: "/api/v1/obligations/\(id)/paper-copies?filename=ban-in.pdf", method: .post,
                                                headers: headers, body: ByteBuffer(bytes: Array(RecordTests.pdf("bản in đã ký").utf8)))
        #expect(response.status == .created, "\(response.text)")
    }

    func xmlsec1(_ file: String, _ roots: String, _ id: String) throws -> (status: Int32, output: String) {
        try Tool.run("xmlsec1", ["--verify", "--trusted-pem", roots, "--node-xpath", "//*[@Id='\(id)']", file])
    }

    func value(_ world: TestWorld, _ sql: String) async throws -> String? { try await TestEnvironment.ownerValue(sql, database: world.database.name) }

    @Test func theChainIsSignedSealedLockedAndChecksOutsideHoso() async throws {
        let setup = try await setup()
        let (world, pki, id) = (setup.world, setup.pki, setup.obligation)
        let files = try TestEnvironment.temporaryDirectory("signed")
        try await world.withApp { client in
            var admin = Browser(), vice = Browser(), principal = Browser()
            admin.csrf = try await admin.signIn(client, "s1.admin")
            vice.csrf = try await vice.signIn(client, "s1.vice")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            try await submit(client, &admin, id, "sổ đăng bộ")

            // The vice principal approves from the record page's form, with its "sign" box ticked.
            let first = try await vice.send(client, .post, "/records/\(id)/approve", form: [("_csrf", vice.csrf), ("step", "1"), ("sign", "1")])
            #expect(first.status == .seeOther || first.status == .found, "\(first.text)")
            #expect(try await value(world, "SELECT kind || ':' || made_by FROM record_signatures WHERE position = 1") == "approval:hoso")
            // The principal's step needs a signature: an approval without one is refused, and so is a lock.
            let unsigned = try await post(client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":2}"#)
            #expect(unsigned.status == .conflict && unsigned.errorCode == "workflow.signature_required", "\(unsigned.text)")
            // Nor is a signed one before the printed copy is filed (seed 003: hand-signed and stamped first).
            let unprinted = try await post(client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":2,"sign":true}"#)
            #expect(unprinted.status == .conflict && unprinted.errorCode == "paper_copy.required", "\(unprinted.text)")
            try await filePaperCopy(client, &admin, id)
            let signed = try await post(client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":2,"sign":true}"#)
            #expect(signed.status == .ok, "\(signed.text)")
            #expect(try signed.json()["status"] as? String == "signed")
            let locked = try await post(client, &principal, "/api/v1/obligations/\(id)/lock", "{}")
            #expect(locked.status == .ok, "\(locked.text)")

            // Three signatures: vice principal, principal, seal; each verifies with xmlsec1.
            let manifest = try await principal.send(client, .get, "/api/v1/obligations/\(id)/manifest")
            #expect(manifest.status == .ok)
            let file = files + "/manifest.xml"
            try Data(buffer: manifest.body).write(to: URL(fileURLWithPath: file))
            for signature in ["sig-1", "sig-2", "sig-3"] {
                let result = try xmlsec1(file, pki.path("root.pem"), signature)
                #expect(result.status == 0, "\(signature): \(result.output)")
            }
            #expect(try await value(world, "SELECT signatures::text || sealed::text FROM record_manifests") == "3true")
            #expect(try await value(world, "SELECT string_agg(kind || ':' || role || ':' || made_by, ',' ORDER BY position) FROM record_signatures")
                    == "approval:vice_principal:hoso,approval:principal:hoso,seal:S01:hoso")

            let verification = try await principal.send(client, .get, "/api/v1/obligations/\(id)/verification").json()
            #expect(verification["state"] as? String == "signed" && verification["complete"] as? Bool == true)
            #expect(verification["documentMatches"] as? Bool == true)
            let signatures = verification["signatures"] as? [[String: Any]] ?? []
            #expect(signatures.map { $0["role"] as? String } == ["vice_principal", "principal", "S01"])
            #expect(signatures.allSatisfy { $0["valid"] as? Bool == true })
            let serial = ((signatures[1]["certificate"] as? [String: Any])?["serial"] as? String) ?? "?"

            // The printed record and the verification page name the signer, the time and the serial.
            let record = try await principal.send(client, .get, "/records/\(id)")
            #expect(record.text.contains(serial) && record.text.contains("Chữ ký số"))
            let page = try await principal.send(client, .get, "/records/\(id)/signatures")
            #expect(page.status == .ok && page.text.contains(serial) && page.text.contains("Hợp lệ") && page.text.contains("class=\"crumbs\""))

            // The archive package checks without Hoso: sha256sum and xmlsec1 inside it.
            let zip = try await principal.send(client, .get, "/records/\(id)/export.zip")
            #expect(zip.status == .ok)
            let folder = files + "/zip"
            try Data(buffer: zip.body).write(to: URL(fileURLWithPath: files + "/export.zip"))
            #expect(try Tool.run("unzip", ["-q", files + "/export.zip", "-d", folder]).status == 0)
            let sums = try Tool.run("sh", ["-c", "cd '\(folder)' && sha256sum -c SHA256SUMS"])
            #expect(sums.status == 0 && sums.output.contains(": OK"), "\(sums.output)")
            let inside = try FileManager.default.contentsOfDirectory(atPath: folder + "/manifests")
            #expect(inside.count == 1)
            #expect(try xmlsec1(folder + "/manifests/" + inside[0], folder + "/trust-roots.pem", "sig-3").status == 0)
            let schema = try Tool.run("xmllint", ["--noout", "--schema", folder + "/record-manifest-1.xsd", folder + "/manifests/" + inside[0]])
            #expect(schema.status == 0, "\(schema.output)")
            #expect(try String(contentsOfFile: folder + "/verification.txt", encoding: .utf8).contains("HỢP LỆ / VALID"))

            // One byte of the document changed in the blob store: named, and the record counts as invalid.
            let sha = try #require(verification["documentSHA256"] as? String)
            let blobPath = world.configuration.blobDirectory + "/objects/\(sha.prefix(2))/\(sha)"
            var document = [UInt8](try Data(contentsOf: URL(fileURLWithPath: blobPath)))
            let original = document
            document[document.count - 3] ^= 0x01
            try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: blobPath)
            try Data(document).write(to: URL(fileURLWithPath: blobPath))
            let tampered = try await principal.send(client, .get, "/api/v1/obligations/\(id)/verification").json()
            #expect(tampered["state"] as? String == "invalid" && tampered["documentMatches"] as? Bool == false)
            #expect(try await value(world, "SELECT signature_state FROM obligations WHERE id = \(id)") == "invalid")
            let dashboard = try await principal.send(client, .get, "/units/S01/dashboard")
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("signature-invalid alert"), "the dashboard shows the invalid record: \(dashboard.text.prefix(300))")
            var officer = Browser()
            officer.csrf = try await officer.signIn(client, "d1.officer")
            let figures = try await officer.send(client, .get, "/api/v1/units/D01/compliance").json()
            #expect((figures["signatures"] as? [String: Any])?["invalid"] as? Int == 1, "the district's figures count it too")
            try Data(original).write(to: URL(fileURLWithPath: blobPath))
            let repaired = try await principal.send(client, .get, "/api/v1/obligations/\(id)/verification").json()
            #expect(repaired["state"] as? String == "signed")
            // The counts the trigger keeps follow the state both ways, up to the district.
            let after = try await officer.send(client, .get, "/api/v1/units/D01/compliance").json()
            #expect((after["signatures"] as? [String: Any])?["signed"] as? Int == 1 && (after["signatures"] as? [String: Any])?["invalid"] as? Int == 0,
                    "\(after["signatures"] ?? "")")

            // One byte of the manifest changed in the database: every signature over it is named.
            try await TestEnvironment.ownerExecute("UPDATE record_manifests SET xml = replace(xml, 'student_register', 'student_registes')",
                                                   database: world.database.name)
            let edited = try await principal.send(client, .get, "/api/v1/obligations/\(id)/verification").json()
            let problems = (edited["signatures"] as? [[String: Any]] ?? []).flatMap { ($0["problems"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } }
            #expect(edited["state"] as? String == "invalid" && problems == ["content_changed", "content_changed", "content_changed"], "\(edited)")
        }
    }

    /// A signed approval reads the trust roots and the key owners on its own connection: with a
    /// pool of 5, thirty signed approvals at once all finish (they used to take two more pooled
    /// connections each while holding the record's row lock, and starve one another).
    @Test func thirtySignedApprovalsAtOnceFinishWithAPoolOfFive() async throws {
        // setup: thirty of s1.teacher's lesson plans, submitted and approved by the head.
        let setup = try await setup(maxConnections: 5)
        let world = setup.world
        let ids = try await TestEnvironment.ownerRows("""
            SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = 's1.teacher' AND o.record_type = 'lesson_plan' AND o.school_year = '\(Self.year)'
            ORDER BY o.period_number LIMIT 30
            """, database: world.database.name).compactMap { $0[0].flatMap { Int64($0) } }
        #expect(ids.count == 30)
        try await world.withApp { client in
            var teacher = Browser(), head = Browser(), principal = Browser()
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            head.csrf = try await head.signIn(client, "s1.head")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            for id in ids {
                try await submit(client, &teacher, id, "giáo án \(id)")
                let approved = try await post(client, &head, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#)
                #expect(approved.status == .ok, "\(approved.text)")
            }

            // act: the principal signs all thirty at once.
            let signer = principal
            let statuses = try await withThrowingTaskGroup(of: (Int64, HTTPResponse.Status, String).self) { group in
                for id in ids {
                    group.addTask {
                        var browser = signer
                        let response = try await self.post(client, &browser, "/api/v1/obligations/\(id)/approve", #"{"step":2,"sign":true}"#)
                        return (id, response.status, response.text)
                    }
                }
                return try await group.reduce(into: [(Int64, HTTPResponse.Status, String)]()) { $0.append($1) }
            }

            // verify: every one approved and signed, none refused for want of a connection.
            #expect(statuses.count == 30)
            for (id, status, text) in statuses { #expect(status == .ok, "\(id): \(text)") }
            #expect(try await value(world, """
                SELECT count(*)::text FROM record_signatures s JOIN record_versions v ON v.id = s.version_id
                WHERE v.obligation_id IN (\(ids.map(String.init).joined(separator: ","))) AND s.role = 'principal'
                """) == "30")
        }
    }

    @Test func signaturesMadeOutsideHosoAreTakenOrRefusedWithTheReason() async throws {
        let setup = try await setup()
        let (world, pki, id) = (setup.world, setup.pki, setup.obligation)
        let files = try TestEnvironment.temporaryDirectory("external")
        try await world.withApp { client in
            var admin = Browser(), vice = Browser(), principal = Browser(), teacher = Browser()
            admin.csrf = try await admin.signIn(client, "s1.admin")
            vice.csrf = try await vice.signIn(client, "s1.vice")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            try await submit(client, &admin, id, "ký ngoài", paperCopy: true)

            /// Gets a signing template as `browser`, lets `edit` change it, signs it with xmlsec1 and `key`.
            func signOutside(_ browser: inout Browser, key: String, name: String, algorithm: String,
                             edit: (String) -> String = { $0 }) async throws -> [UInt8] {
                let template = try await browser.send(client, .get, "/api/v1/obligations/\(id)/manifest?template=1&algorithm=\(algorithm)")
                #expect(template.status == .ok, "\(template.text)")
                let input = files + "/\(name).xml"
                try edit(template.text).write(toFile: input, atomically: true, encoding: .utf8)
                let signed = try Tool.run("xmlsec1", ["--sign", "--pkcs12", pki.path(key), "--pwd", SignatureTests.password,
                                                      "--node-xpath", "(//*[local-name()='Signature'])[last()]", "--output", input + ".signed", input])
                #expect(signed.status == 0, "\(signed.output)")
                return [UInt8](try Data(contentsOf: URL(fileURLWithPath: input + ".signed")))
            }

            // The vice principal signs with xmlsec1 and hands the manifest in: that is the approval.
            let viceSigned = try await signOutside(&vice, key: "vice.p12", name: "vice", algorithm: "EC")
            let taken = try await postXML(client, &vice, id, viceSigned)
            #expect(taken.status == .ok, "\(taken.text)")
            #expect(try taken.json()["awaitingRole"] as? String == "principal")
            #expect(try await value(world, "SELECT made_by FROM record_signatures WHERE position = 1") == "external")

            // A teacher holds no role on this step.
            let byTeacher = try await teacher.send(client, .get, "/api/v1/obligations/\(id)/manifest?template=1")
            #expect(byTeacher.status == .forbidden || byTeacher.status == .notFound, "\(byTeacher.text)")

            // The principal's signature claiming the wrong role is refused with that reason.
            let wrongRole = try await signOutside(&principal, key: "principal.p12", name: "wrong-role", algorithm: "RSA") {
                $0.replacingOccurrences(of: "step=\"2\" role=\"principal\"", with: "step=\"2\" role=\"vice_principal\"")
            }
            let refusedRole = try await postXML(client, &principal, id, wrongRole)
            #expect(refusedRole.status == .badRequest && refusedRole.errorCode == "signature.wrong_claim", "\(refusedRole.text)")

            // A certificate from a CA the tenant does not trust, registered to the principal.
            let fake = try pki.bytes("fake.pem")
            let old = try pki.bytes("old.pem")
            try await withDatabase(try world.database.appURL) { pool in
                let store = SignatureStore(database: pool, logger: TestEnvironment.logger)
                let tenant = try #require(try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
                for pem in [fake, old] {
                    _ = try await store.register(tenantID: tenant.id, owner: .person(login: "s1.principal"), certificate: try Certificates.read(pem: pem)[0],
                                                 pem: String(decoding: pem, as: UTF8.self), keyReference: nil, actorLogin: "test")
                }
            }
            let untrusted = try await postXML(client, &principal, id, try await signOutside(&principal, key: "fake.p12", name: "fake", algorithm: "EC"))
            #expect(untrusted.status == .badRequest && untrusted.errorCode == "signature.refused" && untrusted.text.contains("untrusted"), "\(untrusted.text)")
            let expired = try await postXML(client, &principal, id, try await signOutside(&principal, key: "old.p12", name: "old", algorithm: "EC"))
            #expect(expired.status == .badRequest && expired.text.contains("expired"), "\(expired.text)")

            // Entities are refused before parsing; nothing is written by any refusal.
            let xxe = Array("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>".utf8)
            let refusedXXE = try await postXML(client, &principal, id, xxe)
            #expect(refusedXXE.status == .badRequest && refusedXXE.errorCode == "xml.doctype", "\(refusedXXE.text)")
            let lol = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><l>&c;</l>"
            let refusedBomb = try await postXML(client, &principal, id, Array(lol.utf8))
            #expect(refusedBomb.errorCode == "xml.doctype")
            #expect(try await value(world, "SELECT count(*)::text FROM record_signatures") == "1")
            #expect(try await value(world, "SELECT state || ':' || step::text FROM obligations WHERE id = \(id)") == "awaiting:1")

            // The principal's own key, outside Hoso: taken, and the key store adds the seal.
            let good = try await postXML(client, &principal, id, try await signOutside(&principal, key: "principal.p12", name: "principal", algorithm: "RSA"))
            #expect(good.status == .ok, "\(good.text)")
            #expect(try good.json()["status"] as? String == "signed")
            #expect(try await value(world, "SELECT string_agg(made_by, ',' ORDER BY position) FROM record_signatures") == "external,external,hoso")
        }
    }

    @Test func theLeaderSignsTheMinutesAndThePDFSaysSo() async throws {
        let setup = try await setup()
        let (world, pki) = (setup.world, setup.pki)
        let files = try TestEnvironment.temporaryDirectory("minutes")
        try await world.withApp { client in
            var principal = Browser(), vice = Browser()
            principal.csrf = try await principal.signIn(client, "s1.principal")
            vice.csrf = try await vice.signIn(client, "s1.vice")
            let csrf = { (b: Browser) -> HTTPFields in [HTTPField.Name("X-CSRF-Token")!: b.csrf] }
            let planned = try await principal.send(client, .post, "/api/v1/units/S01/inspections", json: """
                {"kind": "self", "title": "Tự kiểm tra sổ đăng bộ", "place": "Hồng Bàng", "from": "2026-09-01", "to": "2026-10-31",
                 "recordTypes": ["student_register"], "inspectors": ["s1.principal", "s1.vice"], "leader": "s1.vice"}
                """, headers: csrf(principal))
            #expect(planned.status == .created, "\(planned.text)")
            let base = "/api/v1/inspections/\(try #require(try planned.json()["id"] as? Int))"
            #expect(try await vice.send(client, .post, base + "/start", headers: csrf(vice)).status == .ok)
            let items = try #require(try await vice.send(client, .get, base + "/items").json()["items"] as? [[String: Any]])
            #expect(!items.isEmpty)
            for item in items {
                let marked = try await vice.send(client, .put, base + "/items/\(item["id"] as? Int ?? 0)", json: #"{"verdict": "compliant"}"#, headers: csrf(vice))
                #expect(marked.status == .ok, "\(marked.text)")
            }
            let concluded = try await vice.send(client, .post, base + "/conclude", json: #"{"conclusions": "Sổ đăng bộ đầy đủ, đúng hạn."}"#, headers: csrf(vice))
            #expect(concluded.status == .ok, "\(concluded.text)")

            // The PDF prints the signature's details; the manifest signs the PDF's hash.
            let pdf = try await vice.send(client, .get, base + "/minutes")
            let bytes = [UInt8](Data(buffer: pdf.body))
            _ = try Tool.checkPDF(bytes, name: "inspection-minutes-signed", contains: ["Đã ký số", "Phó hiệu trưởng"])
            let manifest = try await vice.send(client, .get, base + "/minutes/manifest")
            #expect(manifest.status == .ok)
            let schema = try SigningService.loadSchema(webDirectory: try TestEnvironment.repoDirectory + "/web")
            let check = try ManifestSignatures.verify([UInt8](Data(buffer: manifest.body)), roots: try TrustRoots(pem: try pki.bytes("root.pem")), schema: schema)
            let review = SignatureReview(manifest: check.manifest, evidence: check.evidence, owners: nil, documentSHA256: Digests.sha256(bytes))
            #expect(review.state == .signed && review.documentProblem == nil && review.complete(check.manifest))
            let serial = try #require(check.evidence.first?.certificate?.serial)
            #expect(Digests.sha256(bytes) == pdf.headers[HTTPField.Name("X-Content-SHA256")!])
            let file = files + "/minutes.xml"
            try Data(buffer: manifest.body).write(to: URL(fileURLWithPath: file))
            let tool = try xmlsec1(file, pki.path("root.pem"), "sig-1")
            #expect(tool.status == 0, "\(tool.output)")
            // The inspection's page says who signed, when, with which certificate.
            let page = try await principal.send(client, .get, "/inspections/\(try #require(try planned.json()["id"] as? Int))")
            #expect(page.text.contains(serial) && page.text.contains("Hợp lệ"))
        }
    }
}
