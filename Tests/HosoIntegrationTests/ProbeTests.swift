import Foundation
import HosoCore
@testable import HosoServer
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// The holes an outside probe found in the way requests are read (issue 13): NUL in any text
/// input, a form body over the limit, responses a browser could sniff, settings checked at
/// start-up. Each was a 500 or a missing header; each is now a stable answer.
@Suite struct ProbeTests {
    static let year = "2026-2027"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func obligation(_ world: TestWorld, owner login: String, period: Int = 10) async throws -> Int64 {
        let value = try await TestEnvironment.ownerValue("""
            SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = '\(login)' AND o.record_type = 'lesson_plan' AND o.period_number = \(period)
              AND o.school_year = '\(Self.year)'
            """, database: world.database.name)
        return try #require(value.flatMap { Int64($0) }, "a lesson plan #\(period) of \(login)")
    }

    func multipart(_ fields: [(String, String)], file: [UInt8]) -> (String, [UInt8]) {
        let boundary = "hoso-probe-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"giao-an.pdf\"\r\n\r\n".utf8)
        body += file + Array("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    func post(_ client: any TestClientProtocol, _ browser: Browser, _ path: String, contentType: String, _ body: [UInt8],
              headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        for field in extra { headers.append(field) }
        if !browser.cookies.isEmpty { headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    static let pdf = Array("%PDF-1.4\n% giáo án\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".utf8)

    @Test func nulInAnyTextInputIsRefusedWithOneCode() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher")
        try await world.withApp { client in
            // setup
            var anonymous = Browser()
            var teacher = Browser(), principal = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let p = try await principal.signIn(client, "s1.principal")
            let token: HTTPFields = [Self.csrfHeader: p]

            // act, verify: JSON fields, at any depth, and keys.
            let json: [(String, String, HTTPFields)] = [
                ("/api/v1/session", #"{"tenant":"de\u0000mo","username":"s1.teacher","password":"x"}"#, [:]),
                ("/api/v1/session", #"{"tenant":"demo","username":"s1.teacher","password":"x","more":[{"a":"\u0000"}]}"#, [:]),
                ("/api/v1/session", #"{"tenant":"demo","username":"s1.teacher","password":"x","\u0000":1}"#, [:]),
                ("/api/v1/obligations/\(id)/exemption", #"{"reason":"lý do\u0000"}"#, token),
                ("/api/v1/units/S01/windows", #"{"recordType":"lesson_plan","open":false,"orderedBy":"QĐ\u0000 01"}"#, token),
                ("/api/v1/units/S01/inspections", #"{"kind":"self","title":"Tự kiểm tra\u0000","place":"x","from":"2026-09-07","to":"2026-10-07","inspectors":[]}"#, token),
            ]
            for (path, body, headers) in json {
                // Signing in is for someone not signed in (a session would need a CSRF token).
                let answer = path == "/api/v1/session" ? try await anonymous.send(client, .post, path, json: body)
                    : try await principal.send(client, .post, path, json: body, headers: headers)
                #expect(answer.status == .badRequest, "\(path) \(body): \(answer.text)")
                #expect(answer.errorCode == "input.nul", "\(path) \(body)")
                #expect(answer.errorMessage?.contains("U+0000") == true)
            }
            let row = try await TestEnvironment.ownerValue("SELECT status FROM obligations WHERE id = \(id)", database: world.database.name)
            #expect(row != "exempt", "nothing was written")

            // A password and an upload's file name keep the refusal they had (they never reach the database).
            let password = try await anonymous.send(client, .post, "/api/v1/session",
                                                    json: #"{"tenant":"demo","username":"s1.teacher","password":"\u0000x"}"#)
            #expect(password.errorCode == "signin.bad_password")
            let name = try await post(client, teacher, "/api/v1/obligations/\(id)/versions?filename=a%00b.pdf",
                                      contentType: "application/pdf", Self.pdf, headers: [Self.csrfHeader: t])
            #expect(name.errorCode == "upload.bad_filename")
            // `\\u0000` is the six characters \u0000, not NUL; `%2500` is the three characters %00.
            let escaped = try await anonymous.send(client, .post, "/api/v1/session",
                                                   json: #"{"tenant":"\\u0000","username":"s1.teacher","password":"x"}"#)
            #expect(escaped.errorCode == "signin.unknown_tenant")
            #expect(try await principal.send(client, .get, "/api/v1/units/S01%2500").status == .notFound)

            // Paths and queries, pages and API alike.
            for path in ["/api/v1/units/S01%00", "/api/v1/units/S01/reminders?days=7%00", "/api/v1/units/S01/reminders?d%00ys=7"] {
                let answer = try await principal.send(client, .get, path)
                #expect(answer.status == .badRequest, "\(path)")
                #expect(answer.errorCode == "input.nul", "\(path)")
            }
            let page = try await principal.send(client, .get, "/units/S01%00/dashboard")
            #expect(page.status == .badRequest)
            #expect(page.text.contains("U+0000"))

            // Url-encoded forms (signed in or not) and the fields of a multipart form.
            let form = try await principal.send(client, .post, "/records/\(id)/exempt", form: [("_csrf", p), ("reason", "a\u{0}b")])
            #expect(form.status == .badRequest, "\(form.text.prefix(300))")
            #expect(form.text.contains("U+0000"))
            let signIn = try await anonymous.send(client, .post, "/signin", form: [("tenant", "de\u{0}mo"), ("username", "x"), ("password", "y")])
            #expect(signIn.status == .badRequest)
            let upload = multipart([("_csrf", t), ("revision", "1\u{0}")], file: Self.pdf)
            let sent = try await post(client, teacher, "/records/\(id)/upload", contentType: upload.0, upload.1)
            #expect(sent.status == .badRequest, "\(sent.text.prefix(300))")
            #expect(try await TestEnvironment.ownerValue("SELECT state FROM obligations WHERE id = \(id)", database: world.database.name) == "open")
        }
    }

    @Test func aBodyOverTheLimitIs413BeforeAnyTokenIsLookedFor() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher", period: 11)
        try await world.withApp { client in
            // setup
            var principal = Browser()
            let p = try await principal.signIn(client, "s1.principal")
            let big = String(repeating: "x", count: 300 * 1024)

            // act, verify: the token in the form, in the header, and a JSON body.
            let inForm = try await principal.send(client, .post, "/records/\(id)/exempt", form: [("_csrf", p), ("reason", big)])
            #expect(inForm.status == .contentTooLarge, "\(inForm.text.prefix(300))")
            let tokenLast = try await principal.send(client, .post, "/records/\(id)/exempt", form: [("reason", big), ("_csrf", p)])
            #expect(tokenLast.status == .contentTooLarge)
            let inHeader = try await principal.send(client, .post, "/records/\(id)/exempt", form: [("reason", big)],
                                                    headers: [Self.csrfHeader: p])
            #expect(inHeader.status == .contentTooLarge)
            let json = try await principal.send(client, .post, "/api/v1/obligations/\(id)/exemption", json: #"{"reason":"\#(big)"}"#,
                                                headers: [Self.csrfHeader: p])
            #expect(json.status == .contentTooLarge)
            #expect(json.errorCode == "request.too_large")
            #expect(try await TestEnvironment.ownerValue("SELECT status FROM obligations WHERE id = \(id)", database: world.database.name) != "exempt")

            // An upload has its own, larger limit: 300 KB goes through the page's form.
            var teacher = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let upload = multipart([("_csrf", t)], file: Self.pdf + [UInt8](repeating: 0x20, count: 300 * 1024))
            let sent = try await post(client, teacher, "/records/\(id)/upload", contentType: upload.0, upload.1)
            #expect((300..<400).contains(sent.status.code), "\(sent.status) \(sent.text.prefix(300))")
        }
    }

    @Test func apiStaticAndErrorAnswersAreNotSniffed() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        try await world.withApp { client in
            var browser = Browser()
            for path in ["/api/v1/tenants", "/api/v1/openapi.yaml", "/static/hoso.css", "/api/v1/me", "/api/v1/nothing", "/nothing"] {
                let answer = try await browser.send(client, .get, path)
                #expect(answer.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path) \(answer.status)")
            }
        }
    }

    @Test func theNULCheckReadsEscapesAsTheDecodersDo() throws {
        // Percent-encoding: `%` always starts an escape, so `%00` is NUL and `%2500` is not.
        for text in ["%00", "a%00b", "%%00", "x\u{0}"] { #expect(TextInput.hasNUL(percentEncoded: text[...]), "\(text)") }
        for text in ["%2500", "%300", "100", "%0", "a%20b"] { #expect(!TextInput.hasNUL(percentEncoded: text[...]), "\(text)") }
        #expect(TextInput.targetHasNUL(path: "/units/S01%00", query: nil))
        #expect(TextInput.targetHasNUL(path: "/x", query: "a=1&b=%00"))
        #expect(TextInput.targetHasNUL(path: "/x", query: "%00=1"))
        #expect(!TextInput.targetHasNUL(path: "/x", query: "filename=a%00b.pdf"), "the file name has a check of its own")
        // JSON: escapes at any depth and in keys; `\\u0000` is text; a password has a check of its own.
        func scan(_ json: String) throws -> Bool { try JSONDecoder().decode(TextInput.JSONScan.self, from: Data(json.utf8)).hasNUL }
        #expect(try scan(#"{"a":[1,null,true,{"b":"x\u0000"}]}"#))
        #expect(try scan(#"{"a\u0000":1}"#))
        #expect(try scan(#"["\u0000"]"#))
        #expect(try !scan(#"{"a":"\\u0000","n":1.5e300,"z":null}"#))
        #expect(try !scan(#"{"password":"\u0000"}"#))
        // Forms: after decoding, names and values.
        #expect(FormFields("a=%00").hasNUL)
        #expect(FormFields("%00=a").hasNUL)
        #expect(!FormFields("password=%00&a=%2500").hasNUL)
    }

    @Test func connectionSettingsAreReadAndCheckedAtStartUp() throws {
        // setup
        let web = try TestEnvironment.repoDirectory + "/web"
        let base = ["HOSO_DATABASE_URL": "postgres://hoso@127.0.0.1:5432/hoso", "HOSO_WEB_DIR": web]

        // act, verify
        let defaults = try AppConfiguration.fromEnvironment(base)
        #expect(defaults.connections == ConnectionLimits())
        let set = try AppConfiguration.fromEnvironment(base.merging([
            "HOSO_HTTP_HEADER_TIMEOUT_SECONDS": "5", "HOSO_HTTP_IDLE_TIMEOUT_SECONDS": "30",
            "HOSO_HTTP_BODY_TIMEOUT_SECONDS": "120", "HOSO_HTTP_MAX_CONNECTIONS": "64",
        ]) { $1 })
        #expect(set.connections == ConnectionLimits(headerTimeoutSeconds: 5, idleTimeoutSeconds: 30, bodyTimeoutSeconds: 120, maxConnections: 64))
        do {
            _ = try AppConfiguration.fromEnvironment(base.merging([
                "HOSO_HTTP_HEADER_TIMEOUT_SECONDS": "0", "HOSO_HTTP_IDLE_TIMEOUT_SECONDS": "forever",
                "HOSO_HTTP_BODY_TIMEOUT_SECONDS": "-1", "HOSO_HTTP_MAX_CONNECTIONS": "0",
            ]) { $1 })
            Issue.record("bad connection settings were accepted")
        } catch let error as ConfigurationError {
            for name in ["HOSO_HTTP_HEADER_TIMEOUT_SECONDS", "HOSO_HTTP_IDLE_TIMEOUT_SECONDS", "HOSO_HTTP_BODY_TIMEOUT_SECONDS",
                         "HOSO_HTTP_MAX_CONNECTIONS"] {
                #expect(error.problems.contains { $0.hasPrefix(name + "=") }, "\(name): \(error)")
            }
        }
    }
}
