import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import HosoSigning
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoStore

/// Every signer the documents name, end to end on the demo transcript of class 6A1 (Hải Phòng):
/// the homeroom teacher uploads and her key signs the submission (seed 004; seed 000), each of
/// the class's three subject teachers signs (seed 001 Điều 8.5; seed 000), the principal signs and
/// the clerk seals at a step of her own (seed 001 Điều 12.3).
@Suite(.serialized) struct SignerTests {
    static let year = "2026-2027"
    static let secret = "key-store-secret"

    struct Setup {
        let world: TestWorld
        let obligation: Int64
        let pki: SignatureTests.PKI
    }

    /// `outside`: people whose certificate is registered without a key in the key store (they sign
    /// with their own tool).
    func setup(outside: Set<String> = []) async throws -> Setup {
        let pki = try SignatureTests.PKI()
        let directory = pki.directory
        let script = try TestEnvironment.repoDirectory + "/scripts/pki.sh"
        for (name, uid) in [("teacher", "s1.teacher"), ("teacher2", "s1.teacher2"), ("head", "s1.head")] {
            let result = try Tool.run(
                script, ["issue", directory, "root", name, "/CN=\(name)/UID=\(uid)", "ec"],
                environment: ["HOSO_PKI_PASSWORD": SignatureTests.password])
            guard result.status == 0 else { throw HosoError("test.pki", ["output": result.output]) }
        }
        let keys = try TestEnvironment.temporaryDirectory("keys")
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year]) { configuration in
            configuration.keysDirectory = keys
            configuration.environment["HOSO_KEYS_SECRET"] = Self.secret
        }
        let schema = try SigningService.loadSchema(webDirectory: try TestEnvironment.repoDirectory + "/web")
        let store = try PKCS12KeyStore(directory: keys, secret: Self.secret, schema: schema)
        try await withDatabase(try world.database.appURL) { pool in
            let signatures = SignatureStore(database: pool, logger: TestEnvironment.logger)
            let tenant = try #require(
                try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
            let root = try pki.bytes("root.pem")
            _ = try await signatures.addRoots(
                tenantID: tenant.id, [(try Certificates.read(pem: root)[0], String(decoding: root, as: UTF8.self))],
                source: "test", actorLogin: "test")
            let owners: [(String, SignatureStore.Owner)] = [
                ("teacher.p12", .person(login: "s1.teacher")), ("teacher2.p12", .person(login: "s1.teacher2")),
                ("head.p12", .person(login: "s1.head")), ("principal.p12", .person(login: "s1.principal")),
                ("seal.p12", .unit(code: "S01")),
            ]
            for (file, owner) in owners {
                let imported = try store.importKey(
                    try pki.bytes(file), password: SignatureTests.password, tenant: "demo")
                let external = if case .person(let login) = owner { outside.contains(login) } else { false }
                _ = try await signatures.register(
                    tenantID: tenant.id, owner: owner, certificate: imported.certificate, pem: imported.pem,
                    keyReference: external ? nil : imported.reference, actorLogin: "test")
            }
        }
        let id = try #require(
            try await TestEnvironment.ownerValue(
                """
                SELECT o.id::text FROM obligations o JOIN units u ON u.id = o.unit_id JOIN school_classes c ON c.id = o.owner_class_id
                WHERE u.code = 'S01' AND o.record_type = 'student_transcript' AND o.school_year = '\(Self.year)' AND c.code = '6A1'
                """, database: world.database.name
            ).flatMap { Int64($0) })
        return Setup(world: world, obligation: id, pki: pki)
    }

    func post(_ client: any TestClientProtocol, _ browser: inout Browser, _ path: String, _ json: String) async throws
        -> TestResponse
    {
        try await browser.send(
            client, .post, path, json: json, headers: [HTTPField.Name("X-CSRF-Token")!: browser.csrf])
    }

    func upload(_ client: any TestClientProtocol, _ browser: inout Browser, _ id: Int64) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/pdf"]
        headers[HTTPField.Name("X-CSRF-Token")!] = browser.csrf
        headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return try await client.execute(
            uri: "/api/v1/obligations/\(id)/versions?filename=hoc-ba-6A1.pdf", method: .post,
            headers: headers, body: ByteBuffer(bytes: Array(RecordTests.pdf("học bạ 6A1").utf8)))
    }

    func value(_ world: TestWorld, _ sql: String) async throws -> String? {
        try await TestEnvironment.ownerValue(sql, database: world.database.name)
    }

    @Test func theSubmitterEverySubjectTeacherThePrincipalAndTheClerkSign() async throws {
        let setup = try await setup()
        let (world, id) = (setup.world, setup.obligation)
        try await world.withApp { client in
            var homeroom = Browser()
            var literature = Browser()
            var informatics = Browser()
            var admin = Browser()
            var principal = Browser()
            var clerk = Browser()
            homeroom.csrf = try await homeroom.signIn(client, "s1.teacher")
            literature.csrf = try await literature.signIn(client, "s1.teacher2")
            informatics.csrf = try await informatics.signIn(client, "s1.head")
            admin.csrf = try await admin.signIn(client, "s1.admin")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            clerk.csrf = try await clerk.signIn(client, "s1.clerk")
            let window = try await post(
                client, &admin, "/api/v1/units/S01/windows",
                #"{"recordType":"student_transcript","schoolYear":"\#(Self.year)","open":true,"orderedBy":"Hiệu trưởng"}"#
            )
            #expect(window.status == .created || window.status == .ok, "\(window.text)")

            // The upload is signed at once with the homeroom teacher's key from the key store.
            let uploaded = try await upload(client, &homeroom, id)
            #expect(uploaded.status == .created, "\(uploaded.text)")
            #expect(
                try await value(
                    world, "SELECT string_agg(kind || ':' || step || ':' || role, ',') FROM record_signatures")
                    == "submission:0:teacher")
            let again = try await post(client, &homeroom, "/api/v1/obligations/\(id)/submission-signature", "{}")
            #expect(
                again.status == .conflict && again.errorCode == "signature.submission_already_signed", "\(again.text)")

            // The subject teachers' step: 0 of 3, each once, in any order; the queue shows it to them.
            let queue = try await literature.send(client, .get, "/approvals")
            #expect(queue.text.contains("0/3 giáo viên bộ môn đã ký"), "\(queue.text)")
            let homeroomSigns = try await post(
                client, &homeroom, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#)
            #expect(homeroomSigns.status == .ok, "\(homeroomSigns.text)")
            // The queue agrees with the decision (SignerDecisions.approveSpecial): an assigned teacher who has
            // not signed sees the item; one who has signed, or a teacher not assigned to the class, does not.
            let link = "/records/\(id)\""
            #expect(try await literature.send(client, .get, "/approvals").text.contains(link))
            #expect(!(try await homeroom.send(client, .get, "/approvals").text.contains(link)))
            #expect(!(try await admin.send(client, .get, "/approvals").text.contains(link)))
            let twice = try await post(
                client, &homeroom, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#)
            #expect(twice.status == .conflict && twice.errorCode == "signers.already_signed", "\(twice.text)")
            // s1.admin teaches at S01 but not in 6A1.
            let stranger = try await post(
                client, &admin, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#)
            #expect(stranger.status == .forbidden && stranger.errorCode == "signers.not_assigned", "\(stranger.text)")
            let unsigned = try await post(client, &literature, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#)
            #expect(
                unsigned.status == .conflict && unsigned.errorCode == "workflow.signature_required", "\(unsigned.text)")
            #expect(
                try await post(client, &literature, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#)
                    .status == .ok)
            let page = try await principal.send(client, .get, "/records/\(id)")
            #expect(page.text.contains("2/3 giáo viên bộ môn đã ký"), "\(page.text)")
            // The school dashboard's waiting list says it too, for the transcripts at that step.
            let dashboard = try await principal.send(client, .get, "/units/S01/dashboard?year=\(Self.year)")
            #expect(dashboard.text.contains("2/3 giáo viên bộ môn đã ký"), "\(dashboard.text)")
            // The principal cannot skip the teachers.
            let early = try await post(
                client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":2,"sign":true}"#)
            #expect(early.status == .conflict && early.errorCode == "workflow.conflict", "\(early.text)")
            #expect(
                try await post(client, &informatics, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#)
                    .status == .ok)

            // The principal signs; the seal is not automatic: the record waits for the clerk.
            let signed = try await post(
                client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":2,"sign":true}"#)
            #expect(signed.status == .ok, "\(signed.text)")
            #expect(
                try await value(
                    world, "SELECT state || ':' || step || ':' || awaiting_role FROM obligations WHERE id = \(id)")
                    == "awaiting:2:clerk")
            #expect(try await value(world, "SELECT count(*)::text FROM record_signatures WHERE kind = 'seal'") == "0")
            let notClerk = try await post(
                client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":3,"sign":true}"#)
            #expect(notClerk.status == .forbidden && notClerk.errorCode == "workflow.wrong_role", "\(notClerk.text)")
            // Hải Phòng asks for the printed, hand-signed and stamped copy before the chain completes
            // (seed 003 §4–5): the clerk files its scan, then seals.
            let unprinted = try await post(
                client, &clerk, "/api/v1/obligations/\(id)/approve", #"{"step":3,"sign":true}"#)
            #expect(
                unprinted.status == .conflict && unprinted.errorCode == "paper_copy.required", "\(unprinted.text)")
            try await SignatureTests().filePaperCopy(client, &clerk, id)
            let sealed = try await post(client, &clerk, "/api/v1/obligations/\(id)/approve", #"{"step":3,"sign":true}"#)
            #expect(sealed.status == .ok, "\(sealed.text)")
            #expect(try sealed.json()["status"] as? String == "signed")

            // One row per signature, in order; the verification knows each kind and is complete.
            #expect(
                try await value(
                    world,
                    "SELECT string_agg(kind || ':' || step || ':' || role, ',' ORDER BY position) FROM record_signatures"
                )
                    == "submission:0:teacher,approval:1:teacher,approval:1:teacher,approval:1:teacher,approval:2:principal,seal:3:S01"
            )
            let verification = try await principal.send(client, .get, "/api/v1/obligations/\(id)/verification").json()
            #expect(verification["complete"] as? Bool == true, "\(verification)")
            #expect(verification["submissionSigned"] as? Bool == true)
            let shared = try #require((verification["sharedSteps"] as? [[String: Any]])?.first)
            #expect(shared["signed"] as? Int == 3 && shared["of"] as? Int == 3)
            let lock = try await post(client, &principal, "/api/v1/obligations/\(id)/lock", "{}")
            #expect(lock.status == .ok, "\(lock.text)")

            // The export checks outside Hoso: the manifest against the XSD, the submitter's signature
            // with xmlsec1, and its report names the submitter's signature and the teachers' 3 of 3.
            let files = try TestEnvironment.temporaryDirectory("signers")
            let zip = try await principal.send(client, .get, "/records/\(id)/export.zip")
            #expect(zip.status == .ok)
            try Data(buffer: zip.body).write(to: URL(fileURLWithPath: files + "/export.zip"))
            #expect(try Tool.run("unzip", ["-q", files + "/export.zip", "-d", files + "/zip"]).status == 0)
            let manifests = try FileManager.default.contentsOfDirectory(atPath: files + "/zip/manifests")
            let manifest = files + "/zip/manifests/" + (manifests.first ?? "")
            let schema = try Tool.run(
                "xmllint", ["--noout", "--schema", files + "/zip/record-manifest-1.xsd", manifest])
            #expect(schema.status == 0, "\(schema.output)")
            for signature in ["sig-1", "sig-4", "sig-6"] {
                let checked = try Tool.run(
                    "xmlsec1",
                    [
                        "--verify", "--trusted-pem", files + "/zip/trust-roots.pem",
                        "--node-xpath", "//*[@Id='\(signature)']", manifest,
                    ])
                #expect(checked.status == 0, "\(signature): \(checked.output)")
            }
            // `hoso verify` names each kind and the teachers' step, offline against the package's roots.
            let documents = try FileManager.default.contentsOfDirectory(atPath: files + "/zip/documents")
            let repo = try TestEnvironment.repoDirectory
            let verify = try Tool.run(
                repo + "/.build/debug/hoso",
                [
                    "verify", "--trusted", files + "/zip/trust-roots.pem", manifest,
                    files + "/zip/documents/" + (documents.first ?? ""),
                ], environment: ["HOSO_WEB_DIR": repo + "/web"])
            #expect(verify.status == 0, "\(verify.output)")
            #expect(verify.output.contains("submission step 0 as teacher"), "\(verify.output)")
            #expect(verify.output.contains("Step 1 (teacher): 3 of 3 signed"), "\(verify.output)")
            #expect(verify.output.contains("Result: signed, complete"), "\(verify.output)")
            let report = try String(contentsOfFile: files + "/zip/verification.txt", encoding: .utf8)
            #expect(report.contains("#1 submission step 0 teacher"), "\(report)")
            #expect(report.contains("submitter's signature (s1.teacher): có / present"), "\(report)")
            #expect(report.contains("Bước / step 1 (teacher): 3/3 đã ký / signed"), "\(report)")
        }
    }

    @Test func teachingAssignmentsAreImportedDatedAndKeptAsHistory() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        // The demo file: 6A1 is taught by its homeroom teacher (toán), s1.teacher2 (văn) and s1.head (tin).
        #expect(
            try await value(
                world,
                """
                SELECT string_agg(u.login || ':' || t.subject || ':' || t.valid_from, ',' ORDER BY u.login COLLATE "C")
                FROM teaching_assignments t JOIN users u ON u.id = t.user_id JOIN school_classes c ON c.id = t.class_id
                WHERE c.code = '6A1' AND c.school_year = '\(Self.year)'
                """) == "s1.head:tin:2025-09-05,s1.teacher:toan:2025-09-05,s1.teacher2:van:2025-09-05")
        try await withDatabase(try world.database.appURL) { pool in
            let setup = RecordsSetup(
                database: pool, logger: TestEnvironment.logger,
                tenantsDirectory: try TestEnvironment.repoDirectory + "/tenants")
            // A re-import ends an assignment (valid_to) instead of deleting it; bad `teaches` lines are refused with their code.
            let result = try await setup.importPeople(
                tenant: "demo", school: "S01", schoolYear: Self.year,
                csv: """
                    login,teaches,valid_from,valid_to
                    s1.head,6A1:tin,2025-09-05,2026-12-31
                    s1.teacher2,6A1,2025-09-05,
                    s1.teacher,6A1:toan;6A1:toan,2025-09-05,
                    """)
            #expect(result.summary.teachings == 1)
            #expect(result.rejected.map(\.error.code) == ["people.bad_teaches", "people.duplicate_teaches"])
        }
        #expect(
            try await value(
                world,
                """
                SELECT t.valid_to::text FROM teaching_assignments t JOIN users u ON u.id = t.user_id WHERE u.login = 's1.head'
                  AND t.subject = 'tin'
                """) == "2026-12-31")
        // History: the application role may add and end assignments, never change or remove one otherwise; every row
        // is its tenant's (row-level security); a signature kind outside the three is refused by the database.
        #expect(
            try await value(
                world,
                """
                SELECT (has_table_privilege('hoso_app', 'teaching_assignments', 'DELETE')
                        OR has_table_privilege('hoso_app', 'teaching_assignments', 'UPDATE')
                        OR has_column_privilege('hoso_app', 'teaching_assignments', 'subject', 'UPDATE'))::text
                """) == "false")
        #expect(
            try await value(
                world,
                """
                SELECT (has_table_privilege('hoso_app', 'teaching_assignments', 'INSERT')
                        AND has_column_privilege('hoso_app', 'teaching_assignments', 'valid_to', 'UPDATE'))::text
                """) == "true")
        #expect(
            try await value(
                world,
                """
                SELECT (c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = 'teaching_assignments'
                                                      AND p.policyname = 'tenant_isolation'))::text
                FROM pg_class c WHERE c.relname = 'teaching_assignments'
                """) == "true")
        #expect(
            try await value(
                world,
                """
                SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'record_signatures_kind_check'
                """)?.contains("'submission'") == true)
    }

    @Test func theSubmitterSignsOutsideHosoBeforeTheFirstStep() async throws {
        let setup = try await setup(outside: ["s1.teacher"])
        let (world, id, pki) = (setup.world, setup.obligation, setup.pki)
        let files = try TestEnvironment.temporaryDirectory("submission")
        try await world.withApp { client in
            var homeroom = Browser()
            var literature = Browser()
            var admin = Browser()
            homeroom.csrf = try await homeroom.signIn(client, "s1.teacher")
            literature.csrf = try await literature.signIn(client, "s1.teacher2")
            admin.csrf = try await admin.signIn(client, "s1.admin")
            _ = try await post(
                client, &admin, "/api/v1/units/S01/windows",
                #"{"recordType":"student_transcript","schoolYear":"\#(Self.year)","open":true,"orderedBy":"Hiệu trưởng"}"#
            )
            #expect(try await upload(client, &homeroom, id).status == .created)
            // No key in the store: nothing signed yet, and the first step waits for the submitter.
            #expect(try await value(world, "SELECT count(*)::text FROM record_signatures") == "0")
            let early = try await post(
                client, &literature, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#)
            #expect(early.status == .conflict && early.errorCode == "signature.submission_required", "\(early.text)")
            // The approval queue agrees: not yet the subject teachers' turn.
            let link = "/records/\(id)\""
            #expect(!(try await literature.send(client, .get, "/approvals").text.contains(link)))
            #expect(
                try await homeroom.send(client, .get, "/records/\(id)").text.contains("/records/\(id)/sign-submission"))
            #expect(!(try await literature.send(client, .get, "/records/\(id)").text.contains("sign-submission")))
            let notTheirs = try await post(client, &literature, "/api/v1/obligations/\(id)/submission-signature", "{}")
            #expect(
                notTheirs.status == .forbidden && notTheirs.errorCode == "signature.not_uploader", "\(notTheirs.text)")

            // The template for the submitter's own signature, signed with xmlsec1 and handed in.
            let template = try await homeroom.send(
                client, .get, "/api/v1/obligations/\(id)/manifest?template=submission&algorithm=EC")
            #expect(template.status == .ok, "\(template.text)")
            let input = files + "/submission.xml"
            try template.text.write(toFile: input, atomically: true, encoding: .utf8)
            let signed = try Tool.run(
                "xmlsec1",
                [
                    "--sign", "--pkcs12", pki.path("teacher.p12"), "--pwd", SignatureTests.password, "--node-xpath",
                    "(//*[local-name()='Signature'])[last()]", "--output", input + ".signed", input,
                ])
            #expect(signed.status == 0, "\(signed.output)")
            var headers: HTTPFields = [.contentType: "application/xml"]
            headers[HTTPField.Name("X-CSRF-Token")!] = homeroom.csrf
            headers[.cookie] = homeroom.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let handedIn = try await client.execute(
                uri: "/api/v1/obligations/\(id)/submission-signature", method: .post, headers: headers,
                body: ByteBuffer(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: input + ".signed")))))
            #expect(handedIn.status == .ok, "\(handedIn.body)")
            #expect(
                try await value(
                    world, "SELECT string_agg(kind || ':' || step || ':' || made_by, ',') FROM record_signatures")
                    == "submission:0:external")
            // Now the subject teachers may sign, and the queue lists it for them.
            #expect(try await literature.send(client, .get, "/approvals").text.contains(link))
            let taken = try await post(
                client, &literature, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#)
            #expect(taken.status == .ok, "\(taken.text)")
        }
    }
}
