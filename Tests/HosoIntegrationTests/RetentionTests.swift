import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import HosoStore

/// Issue 14, part 8 (retention): a record is kept for its retention period and no one can delete it:
/// no route deletes a record, a version, an obligation or their history, and the application's
/// database role has no DELETE (or TRUNCATE) on the tables that hold them. The record page shows the
/// type's retention in Vietnamese and English.
@Suite struct RetentionTests {
    static let year = RecordTests.year

    /// A lesson plan of s1.teacher with one uploaded version; returns (obligation, version).
    func recordWithVersion(_ world: TestWorld, _ client: any TestClientProtocol) async throws -> (Int64, Int64) {
        let id = try await RecordTests().obligation(world, owner: "s1.teacher")
        var teacher = Browser()
        let csrf = try await teacher.signIn(client, "s1.teacher")
        let response = try await RecordTests().upload(
            client, &teacher, csrf: csrf, id, filename: "giao-an.pdf", Array(RecordTests.pdf().utf8))
        #expect(response.status == .created, "\(response.text)")
        let version = try #require(
            try await TestEnvironment.ownerValue(
                "SELECT id::text FROM record_versions WHERE obligation_id = \(id)", database: world.database.name
            ).flatMap { Int64($0) })
        return (id, version)
    }

    @Test func noRouteDeletesARecordAVersionOrAnObligation() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await world.withApp { client -> Int64 in
            let (id, version) = try await recordWithVersion(world, client)
            for login in ["s1.teacher", "s1.principal", "s1.admin"] {
                var browser = Browser()
                let csrf = try await browser.signIn(client, login)
                let token: HTTPFields = [HTTPField.Name("X-CSRF-Token")!: csrf]
                let attempts: [(HTTPRequest.Method, String)] = [
                    (.delete, "/api/v1/obligations/\(id)"), (.delete, "/api/v1/obligations/\(id)/versions"),
                    (.delete, "/api/v1/obligations/\(id)/corrections"),
                    (.delete, "/api/v1/obligations/\(id)/signatures"),
                    (.delete, "/api/v1/obligations/\(id)/manifest"), (.delete, "/api/v1/versions/\(version)/content"),
                    (.delete, "/api/v1/versions/\(version)"), (.delete, "/records/\(id)"),
                    (.delete, "/versions/\(version)/download"),
                    (.post, "/records/\(id)/delete"), (.post, "/api/v1/obligations/\(id)/delete"),
                ]
                for (method, path) in attempts {
                    let response = try await browser.send(client, method, path, headers: token)
                    #expect(
                        [.notFound, .methodNotAllowed].contains(response.status),
                        "\(login) \(method) \(path): \(response.status)")
                }
            }
            // Everything is still there and readable.
            var teacher = Browser()
            _ = try await teacher.signIn(client, "s1.teacher")
            #expect(try await teacher.send(client, .get, "/api/v1/versions/\(version)/content").status == .ok)
            return id
        }
        let left = try await TestEnvironment.ownerRows(
            """
            SELECT (SELECT count(*) FROM obligations WHERE id = \(id) AND state = 'awaiting')::text,
                   (SELECT count(*) FROM record_versions)::text, (SELECT count(*) FROM blobs)::text
            """, database: world.database.name)
        #expect(left.first == ["1", "1", "1"])
    }

    @Test func theApplicationRoleCannotDeleteRecordsOrTheirHistory() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in _ = try await recordWithVersion(world, client) }
        let tenantID = try #require(
            try await TestEnvironment.ownerValue(
                "SELECT id::text FROM tenants WHERE code = 'demo'", database: world.database.name
            ).flatMap { Int64($0) })
        let tables = [
            "record_versions", "obligations", "record_signatures", "record_manifests", "workflow_events", "corrections",
            "blobs", "audit_log",
        ]
        for table in tables {
            for statement in ["DELETE FROM \(table)", "TRUNCATE \(table)"] {
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
                #expect(refusal.contains("42501"), "\(statement) is refused (permission denied): \(refusal)")
            }
        }
        // A version's content and hash cannot be rewritten either (only superseded_at may be set).
        let rewrite = try await withDatabase(try world.database.appURL) { pool in
            do {
                try await pool.withTenant(tenantID) { connection in
                    _ = try await connection.query(
                        PostgresQuery(unsafeSQL: "UPDATE record_versions SET sha256 = 'x'"),
                        logger: TestEnvironment.logger)
                }
                return ""
            } catch { return String(reflecting: error) }
        }
        #expect(rewrite.contains("42501"))
        #expect(
            try await TestEnvironment.ownerValue(
                "SELECT count(*)::text FROM record_versions", database: world.database.name) == "1")
    }

    @Test func theRecordPageShowsTheRetentionInBothLanguages() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let lesson = try await RecordTests().obligation(world, owner: "s1.teacher")
        let register = try #require(
            try await TestEnvironment.ownerValue(
                """
                SELECT o.id::text FROM obligations o JOIN units u ON u.id = o.unit_id
                WHERE u.code = 'S01' AND o.record_type = 'student_register' AND o.school_year = '\(Self.year)'
                """, database: world.database.name
            ).flatMap { Int64($0) })
        try await world.withApp { client in
            var principal = Browser()
            try await principal.signIn(client, "s1.principal")
            let vi = try await principal.send(client, .get, "/records/\(lesson)")
            #expect(vi.status == .ok)
            #expect(vi.text.contains("Thời hạn lưu trữ: 5 năm"), "lesson plans: 5 years (unverified)")
            #expect(vi.text.contains("không thể bị xóa"))
            let permanent = try await principal.send(client, .get, "/records/\(register)")
            #expect(permanent.text.contains("Thời hạn lưu trữ: Vĩnh viễn"))
            _ = try await principal.send(client, .get, "/lang/en?next=%2F")
            let en = try await principal.send(client, .get, "/records/\(lesson)")
            #expect(en.text.contains("Retention period: 5 years"))
            #expect(
                try await principal.send(client, .get, "/records/\(register)").text.contains(
                    "Retention period: Permanent"))
        }
    }
}
