import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import HosoStore

/// Paper copies end to end (seed 003 §4–5, seed 004 §2; the demo tenant is Hải Phòng): the
/// student register of S01 requires a printed, hand-signed and stamped copy; the school office
/// files its scan (PDF only); the chain cannot be completed before it; the page, the list, the
/// download and the dashboard show it; scans are history the application cannot rewrite.
@Suite struct PaperCopyTests {
    static let year = "2026-2027"
    static let pdf = Array(RecordTests.pdf("bản in sổ đăng bộ, đã ký tay và đóng dấu").utf8)

    func raw(
        _ client: any TestClientProtocol, _ browser: Browser, _ path: String, _ body: [UInt8],
        contentType: String = "application/pdf"
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        headers[HTTPField.Name("X-CSRF-Token")!] = browser.csrf
        headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    func multipart(_ csrf: String, file: [UInt8]) -> (String, [UInt8]) {
        let boundary = "hoso-paper-\(UUID().uuidString)"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(csrf)\r\n".utf8)
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ban-quet.pdf\"\r\n\r\n".utf8)
        body += file + Array("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    func value(_ world: TestWorld, _ sql: String) async throws -> String? {
        try await TestEnvironment.ownerValue(sql, database: world.database.name)
    }

    @Test func theOfficeFilesTheScanBeforeTheChainCompletesAndItIsShownAndCounted() async throws {
        // setup: the demo tenant's 2026-2027 items; the school administrator submits the register.
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try #require(
            try await value(
                world,
                """
                SELECT o.id::text FROM obligations o JOIN units u ON u.id = o.unit_id
                WHERE u.code = 'S01' AND o.record_type = 'student_register' AND o.school_year = '\(Self.year)'
                """
            ).flatMap { Int64($0) })
        let files = "/api/v1/obligations/\(id)/paper-copies"
        try await world.withApp { client in
            var admin = Browser()
            var vice = Browser()
            var principal = Browser()
            var clerk = Browser()
            var teacher = Browser()
            var other = Browser()
            admin.csrf = try await admin.signIn(client, "s1.admin")
            vice.csrf = try await vice.signIn(client, "s1.vice")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            clerk.csrf = try await clerk.signIn(client, "s1.clerk")
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            other.csrf = try await other.signIn(client, "s2.principal")

            // Nothing to print before a version exists.
            let early = try await raw(client, clerk, files + "?filename=ban-quet.pdf", Self.pdf)
            #expect(early.status == .conflict && early.errorCode == "paper_copy.no_version", "\(early.text)")
            let submitted = try await raw(
                client, admin, "/api/v1/obligations/\(id)/versions?filename=so-dang-bo.pdf", Self.pdf)
            #expect(submitted.status == .created, "\(submitted.text)")
            let first = try await vice.send(
                client, .post, "/api/v1/obligations/\(id)/approve", json: #"{"step":1}"#,
                headers: [HTTPField.Name("X-CSRF-Token")!: vice.csrf])
            #expect(first.status == .ok, "\(first.text)")

            // act: the principal's (signed) approval would complete the chain: refused before any signing.
            let refused = try await principal.send(
                client, .post, "/api/v1/obligations/\(id)/approve", json: #"{"step":2,"sign":true}"#,
                headers: [HTTPField.Name("X-CSRF-Token")!: principal.csrf])
            #expect(refused.status == .conflict && refused.errorCode == "paper_copy.required", "\(refused.text)")
            #expect(
                try await value(world, "SELECT state || ':' || step FROM obligations WHERE id = \(id)") == "awaiting:1")

            // Bad input: not a PDF, empty, someone who may see but not file (403), someone who may not see (404).
            let xlsx: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0, count: 60)
            let notPDF = try await raw(
                client, clerk, files + "?filename=ban-quet.xlsx", xlsx, contentType: "application/octet-stream")
            #expect(notPDF.status == .badRequest && notPDF.errorCode == "paper_copy.not_pdf", "\(notPDF.text)")
            let text = try await raw(
                client, clerk, files + "?filename=ban-quet.txt", Array("chỉ là chữ".utf8), contentType: "text/plain")
            #expect(text.status == .badRequest && text.errorCode == "paper_copy.not_pdf", "\(text.text)")
            let empty = try await raw(client, clerk, files + "?filename=ban-quet.pdf", [])
            #expect(empty.status == .badRequest && empty.errorCode == "paper_copy.empty", "\(empty.text)")
            let forbidden = try await raw(client, vice, files + "?filename=ban-quet.pdf", Self.pdf)
            #expect(forbidden.status == .forbidden && forbidden.errorCode == "scope.forbidden", "\(forbidden.text)")
            for stranger in [teacher, other] {
                let hidden = try await raw(client, stranger, files + "?filename=ban-quet.pdf", Self.pdf)
                #expect(hidden.status == .notFound && hidden.errorCode == "record.not_found", "\(hidden.text)")
            }
            #expect(
                try await value(world, "SELECT count(*)::text FROM paper_copies") == "0", "nothing written by a refusal"
            )

            // The clerk files the scan (API), then the administrator files a newer one (the page's form).
            let filed = try await raw(client, clerk, files + "?filename=ban-quet.pdf", Self.pdf)
            #expect(filed.status == .created, "\(filed.text)")
            #expect(try filed.json()["filedRole"] as? String == "clerk")
            let (contentType, body) = multipart(admin.csrf, file: Self.pdf + Array("% lần 2\n".utf8))
            var formHeaders: HTTPFields = [.contentType: contentType]
            formHeaders[.cookie] = admin.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let form = try await client.execute(
                uri: "/records/\(id)/paper-copies", method: .post, headers: formHeaders,
                body: ByteBuffer(bytes: body))
            #expect(form.status == .seeOther || form.status == .found, "\(form.text)")

            // verify: two rows, both kept; the newer supersedes; events and audit entries written.
            let list = try await principal.send(client, .get, files)
            let json = try list.json()
            #expect(json["rule"] as? String == "required" && json["filed"] as? Bool == true, "\(list.text)")
            let copies = try #require(json["copies"] as? [[String: Any]])
            #expect(copies.count == 2)
            #expect(copies.map { $0["superseded"] as? Bool } == [false, true])
            #expect(copies.map { $0["filedRole"] as? String } == ["school_administrator", "clerk"])
            #expect(
                try await value(world, "SELECT count(*)::text FROM workflow_events WHERE kind = 'paper_copy'") == "2")
            #expect(
                try await value(world, "SELECT count(*)::text FROM audit_log WHERE action = 'record.paper_copy'") == "2"
            )

            // The download is the scan, and is on the record's audit trail.
            let url = try #require(copies.last?["url"] as? String)
            let download = try await principal.send(client, .get, url)
            #expect(download.status == .ok && Array(buffer: download.body) == Self.pdf)
            #expect(download.headers[.contentType]?.hasPrefix("application/pdf") == true)
            let stranger = try await other.send(client, .get, url)
            #expect(stranger.status == .notFound)

            // The record page shows who filed it, when, with a download link; the form for those who may file.
            let page = try await admin.send(client, .get, "/records/\(id)")
            #expect(
                page.text.contains("id=\"paper-copy\"") && page.text.contains("Dương Văn Phúc")
                    && page.text.contains(url))
            #expect(page.text.contains("/records/\(id)/paper-copies"))
            let vicePage = try await vice.send(client, .get, "/records/\(id)")
            #expect(
                vicePage.text.contains("id=\"paper-copy\"") && !vicePage.text.contains("/records/\(id)/paper-copies\""))

            // The dashboard: filed k of n required, n computed independently here.
            let required = try #require(
                try await value(
                    world,
                    """
                    SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id
                    WHERE u.code = 'S01' AND o.school_year = '\(Self.year)' AND NOT o.withdrawn AND o.exempt_reason IS NULL
                      AND o.record_type IN ('student_register', 'class_assessment_book', 'student_transcript', 'class_assessment_summary')
                    """))
            let dashboard = try await principal.send(client, .get, "/units/S01/dashboard?year=\(Self.year)")
            #expect(dashboard.text.contains("đóng dấu 1/\(required) hồ sơ bắt buộc"), "filed 1 of \(required)")

            // The principal's approval now passes the paper-copy check (it then needs a signing key this world lacks).
            let again = try await principal.send(
                client, .post, "/api/v1/obligations/\(id)/approve", json: #"{"step":2,"sign":true}"#,
                headers: [HTTPField.Name("X-CSRF-Token")!: principal.csrf])
            #expect(again.errorCode != "paper_copy.required", "\(again.text)")
        }

        // Scans are history: the application role can neither rewrite nor delete them.
        let tenantID = try #require(
            try await value(world, "SELECT id::text FROM tenants WHERE code = 'demo'").flatMap { Int64($0) })
        for statement in [
            "UPDATE paper_copies SET size = 1", "DELETE FROM paper_copies",
            "UPDATE record_form_choices SET form = 'paper'",
        ] {
            let refusal = try await withDatabase(try world.database.appURL) { pool in
                do {
                    try await pool.withTenant(tenantID) { connection in
                        _ = try await connection.query(
                            PostgresQuery(unsafeSQL: statement), logger: TestEnvironment.logger)
                    }
                    return ""
                } catch {
                    return String(reflecting: error)
                }
            }
            #expect(refusal.contains("42501"), "\(statement) is refused: \(refusal)")
        }
    }

    @Test func theDashboardCountMatchesTheObligationsOfTheProvince() async throws {
        // setup
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let (tenantID, provinceID) = try #require(
            try await TestEnvironment.ownerRows(
                "SELECT t.id::text, u.id::text FROM tenants t JOIN units u ON u.tenant_id = t.id AND u.code = 'SO' WHERE t.code = 'demo'",
                database: world.database.name
            ).first.map { (Int64($0[0] ?? "") ?? 0, Int64($0[1] ?? "") ?? 0) })
        // act
        let count = try await withDatabase(try world.database.appURL) { pool in
            try await PaperCopyStore(database: pool, logger: TestEnvironment.logger)
                .count(tenantID: tenantID, unitID: provinceID, schoolYear: Self.year)
        }
        // verify: every item of the four books tenants/demo/rules/2026-2027.yaml marks required, across the province.
        let expected = try await value(
            world,
            """
            SELECT count(*)::text FROM obligations o
            WHERE o.school_year = '\(Self.year)' AND NOT o.withdrawn AND o.exempt_reason IS NULL
              AND o.record_type IN ('student_register', 'class_assessment_book', 'student_transcript', 'class_assessment_summary')
            """)
        #expect(count.required > 0 && String(count.required) == expected && count.filed == 0)
    }
}
