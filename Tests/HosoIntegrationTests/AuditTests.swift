import Foundation
import HosoCore
import HosoServer
@testable import HosoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import Testing

/// The hash-chained audit trail against the real database.
@Suite struct AuditTests {
    func demoTenant(_ pool: Database) async throws -> TenantRecord {
        try #require(try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
    }

    func appendThree(_ world: TestWorld) async throws -> Int64 {
        try await withDatabase(try world.database.appURL) { pool in
            let tenant = try await demoTenant(pool)
            let audit = AuditStore(database: pool, logger: TestEnvironment.logger)
            for action in ["test.one", "test.two", "test.three"] {
                try await audit.append(tenantID: tenant.id, AuditEvent(actorUserID: nil, actorLogin: "tester", action: action,
                                                                        details: ["ghi chú": "Nguyễn Văn An"]))
            }
            return tenant.id
        }
    }

    func verify(_ world: TestWorld, tenantID: Int64) async throws -> AuditVerification {
        try await withDatabase(try world.database.appURL) { pool in
            try await AuditStore(database: pool, logger: TestEnvironment.logger).verify(tenantID: tenantID)
        }
    }

    @Test func anIntactChainVerifies() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let tenantID = try await appendThree(world)
        #expect(try await verify(world, tenantID: tenantID) == AuditVerification(checked: 3, firstBroken: nil, reason: nil))
    }

    @Test func anEntryEditedByHandIsNamed() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let tenantID = try await appendThree(world)
        try await TestEnvironment.ownerExecute("UPDATE audit_log SET actor_login = 'someone else' WHERE seq = 2", database: world.database.name)
        let result = try await verify(world, tenantID: tenantID)
        #expect(result.firstBroken == 2)
        #expect(result.reason == "hash")
        #expect(result.checked == 1)
    }

    @Test func aDeletedEntryIsNamed() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let tenantID = try await appendThree(world)
        try await TestEnvironment.ownerExecute("DELETE FROM audit_log WHERE seq = 2", database: world.database.name)
        #expect(try await verify(world, tenantID: tenantID) == AuditVerification(checked: 1, firstBroken: 2, reason: "missing"))
    }

    @Test func theApplicationRoleCannotRewriteHistory() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let tenantID = try await appendThree(world)
        for statement in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"] {
            let refusal = try await withDatabase(try world.database.appURL) { pool in
                do {
                    try await pool.withTenant(tenantID) { connection in
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestEnvironment.logger)
                    }
                    return ""
                } catch {
                    return String(reflecting: error)
                }
            }
            #expect(refusal.contains("42501"), "\(statement) is refused: \(refusal)")
        }
        #expect(try await verify(world, tenantID: tenantID).checked == 3)
    }

    @Test func signInsAndInspectorsViewsAreRecorded() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var inspector = Browser(), teacher = Browser()
            try await inspector.signIn(client, "d1.inspector")
            try await teacher.signIn(client, "s1.teacher")
            #expect(try await inspector.send(client, .get, "/api/v1/units/S01").status == .ok)
            #expect(try await teacher.send(client, .get, "/api/v1/units/S01").status == .ok)
        }
        let rows = try await withDatabase(try world.database.ownerURL) { pool in
            try await pool.withTransaction { connection in
                try await connection.fetch("SELECT actor_login, action, coalesce(subject, '') FROM audit_log ORDER BY seq",
                                           (String?, String, String).self, logger: TestEnvironment.logger)
            }
        }
        #expect(rows.map { "\($0.0 ?? "-") \($0.1) \($0.2)".trimmingCharacters(in: .whitespaces) } == [
            "d1.inspector session.sign_in", "s1.teacher session.sign_in", "d1.inspector unit.view S01",
        ])
        let tenantID = try await withDatabase(try world.database.appURL) { pool in try await demoTenant(pool).id }
        #expect(try await verify(world, tenantID: tenantID).firstBroken == nil)
    }
}
