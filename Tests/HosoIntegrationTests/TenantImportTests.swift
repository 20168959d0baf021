import Foundation
import HosoCore
@testable import HosoServer
@testable import HosoStore
import Testing

@Suite struct TenantImportTests {
    static let demoYAML: String = {
        let repo = ProcessInfo.processInfo.environment["HOSO_REPO_DIR"] ?? "."
        return (try? String(contentsOfFile: repo + "/tenants/demo/tenant.yaml", encoding: .utf8)) ?? ""
    }()

    func units(_ pool: Database, tenant: String) async throws -> [String: StoredUnit] {
        guard let record = try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: tenant) else { return [:] }
        return try await pool.withTenant(record.id) { connection in
            try await TenantStore.allUnits(connection, tenantID: record.id, logger: TestEnvironment.logger)
        }
    }

    @Test func importIsIdempotent() async throws {
        let database = try await TestDatabase.make()
        let definition = try TenantFile.parse(Self.demoYAML)
        let (first, second) = try await withDatabase(try database.appURL) { pool in
            let store = TenantStore(database: pool, logger: TestEnvironment.logger)
            return (try await store.importTenant(definition), try await store.importTenant(definition))
        }
        #expect(first.tenantCreated && first.created.count == 11)
        #expect(second == ImportSummary())
    }

    @Test func removedUnitsCloseAndMovedUnitsKeepTheirHistory() async throws {
        // setup: the demo tree
        let database = try await TestDatabase.make()
        let original = try TenantFile.parse(Self.demoYAML)
        // act: S04 disappears from the file; school S01 moves from office D01 to office D02
        let units = original.units.filter { $0.code != "S04" }.map { unit in
            unit.code == "S01" ? UnitDefinition(code: "S01", nameVi: unit.nameVi, nameEn: unit.nameEn, kind: unit.kind,
                                                 schoolLevels: unit.schoolLevels, parentCode: "D02", opensOn: unit.opensOn) : unit
        }
        let changed = TenantDefinition(id: original.id, nameVi: original.nameVi, nameEn: original.nameEn, hosts: original.hosts,
                                       levels: original.levels, units: units, directory: original.directory, groupRules: original.groupRules)
        let (summary, before, after, history) = try await withDatabase(try database.appURL) { pool in
            let store = TenantStore(database: pool, logger: TestEnvironment.logger)
            _ = try await store.importTenant(original)
            let before = try await self.units(pool, tenant: "demo")
            let summary = try await store.importTenant(changed)
            let after = try await self.units(pool, tenant: "demo")
            let tenantID = before["SO"]?.tenantID ?? 0
            let history = try await pool.withTenant(tenantID) { connection in
                try await connection.fetch("""
                    SELECT p.code, h.valid_to IS NULL FROM unit_parent_history h JOIN units u ON u.id = h.unit_id
                    LEFT JOIN units p ON p.id = h.parent_id WHERE u.code = 'S01' ORDER BY h.valid_from, h.valid_to NULLS LAST
                    """, (String?, Bool).self, logger: TestEnvironment.logger)
            }
            return (summary, before, after, history)
        }
        // verify
        #expect(summary.closed == ["S04"])
        #expect(summary.moved == ["S01"])
        #expect(after["S04"]?.closesOn != nil, "closed, not deleted")
        #expect(after["S01"]?.id == before["S01"]?.id, "same unit, same id")
        #expect(after["S01"]?.ancestry == [before["SO"]?.id, before["D02"]?.id, before["S01"]?.id].compactMap { $0 })
        #expect(history.map(\.0) == ["D01", "D02"])
        #expect(history.map(\.1) == [false, true])
    }

    @Test(arguments: [
        ("cycle", "tenant.cycle"), ("duplicate", "tenant.duplicate_code"), ("orphan", "tenant.unknown_parent"),
    ])
    func aBadFileImportsNothing(kind: String, expected: String) async throws {
        let database = try await TestDatabase.make()
        let yaml: String
        switch kind {
        case "cycle": yaml = Self.demoYAML.replacingOccurrences(of: "    kind: office\n    parent: SO\n    name_vi: Phòng Văn hóa – Xã hội phường Hồng Bàng",
                                                                 with: "    kind: office\n    parent: D02\n    name_vi: Phòng Văn hóa – Xã hội phường Hồng Bàng")
                                    .replacingOccurrences(of: "    kind: office\n    parent: SO\n    name_vi: Phòng Văn hóa – Xã hội xã Thủy Nguyên",
                                                          with: "    kind: office\n    parent: D01\n    name_vi: Phòng Văn hóa – Xã hội xã Thủy Nguyên")
        case "duplicate": yaml = Self.demoYAML.replacingOccurrences(of: "  - code: S05\n", with: "  - code: S02\n")
        default: yaml = Self.demoYAML.replacingOccurrences(of: "    parent: D02\n    name_vi: Trường Tiểu học Thủy Sơn", with: "    parent: D99\n    name_vi: Trường Tiểu học Thủy Sơn")
        }
        #expect(yaml != Self.demoYAML, "the fixture edit applied")
        var problems: [HosoError] = []
        do {
            let definition = try TenantFile.parse(yaml)
            _ = try await withDatabase(try database.appURL) { pool in
                try await TenantStore(database: pool, logger: TestEnvironment.logger).importTenant(definition)
            }
            Issue.record("the import should have been refused")
        } catch let error as HosoErrors {
            problems = error.errors
        }
        let problem = try #require(problems.first { $0.code == expected })
        #expect(Int(problem.parameters["line"] ?? "0") ?? 0 > 40, "names the line in the file")
        let count = try await withDatabase(try database.appURL) { pool in
            try await pool.withTransaction { connection in
                try await connection.fetch("SELECT count(*) FROM tenants", Int64.self, logger: TestEnvironment.logger)[0]
            }
        }
        #expect(count == 0)
    }

    @Test func rowLevelSecurityKeepsTenantsApart() async throws {
        let world = try await TestWorld.make()
        let (withoutTenant, demoSees, foreign) = try await withDatabase(try world.database.appURL) { pool in
            let tenants = TenantStore(database: pool, logger: TestEnvironment.logger)
            let demo = try #require(try await tenants.tenant(code: "demo"))
            let demo2 = try #require(try await tenants.tenant(code: "demo2"))
            let none = try await pool.withTransaction { connection in
                try await connection.fetch("SELECT count(*) FROM units", Int64.self, logger: TestEnvironment.logger)[0]
            }
            // Even a query that forgets its tenant predicate sees only the transaction's tenant.
            let seen = try await pool.withTenant(demo.id) { connection in
                try await connection.fetch("SELECT DISTINCT tenant_id FROM units", Int64.self, logger: TestEnvironment.logger)
            }
            // And cannot write into another tenant.
            var refused = ""
            do {
                try await pool.withTenant(demo.id) { connection in
                    _ = try await connection.query("""
                        INSERT INTO units (tenant_id, code, path, kind, name_vi, name_en) VALUES (\(demo2.id), 'X', '1', 'school', 'x', 'x')
                        """, logger: TestEnvironment.logger)
                }
            } catch {
                refused = String(reflecting: error)
            }
            return (none, seen, refused)
        }
        #expect(withoutTenant == 0)
        #expect(demoSees.count == 1)
        #expect(foreign.contains("42501"), "refused by the row-level security policy: \(foreign)")
    }
}

@Suite struct StoreErrorTests {
    @Test func domainErrorsThrownInsideATransactionComeOutAsThemselves() async throws {
        // setup: s1.teacher has signed in through the directory
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "s1.teacher")
        }
        // act + verify: a local administrator cannot take a directory person's login
        try await withDatabase(try world.database.appURL) { pool in
            let tenant = try #require(try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
            await #expect(throws: HosoError("admin.login_taken", ["login": "s1.teacher"])) {
                try await UserStore(database: pool, logger: TestEnvironment.logger).upsertLocalAdministrator(
                    tenantID: tenant.id, login: "s1.teacher", displayName: "x", passwordHash: "$2b$04$abcdefghijklmnopqrstuv"
                )
            }
        }
    }

    @Test func theServerRefusesARoleThatBypassesRowLevelSecurity() async throws {
        let world = try await TestWorld.make()
        try await withDatabase(try world.database.ownerURL) { pool in
            await #expect(throws: HosoError("config.privileged_database_role", ["role": "hoso_owner"])) {
                try await pool.checkApplicationRole()
            }
        }
        let fine = try await withDatabase(try world.database.appURL) { pool in try await pool.checkApplicationRole() }
        #expect(fine)
    }
}
