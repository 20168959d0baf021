import Foundation
import HosoCore
@testable import HosoServer
@testable import HosoStore
import HummingbirdTesting
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

/// Tenants on one directory (issue 13, hole 3): an import refuses a tenant whose directory reaches
/// into another's unless both files declare the sharing and tell their accounts apart.
@Suite struct DirectorySharingImportTests {
    static func demo() throws -> TenantDefinition {
        try TenantFile.load(directory: try TestEnvironment.repoDirectory + "/tenants/demo")
    }

    /// `base` under another id and host, with another directory.
    static func variant(_ base: TenantDefinition, id: String, directory: DirectorySettings?) -> TenantDefinition {
        TenantDefinition(id: id, nameVi: base.nameVi, nameEn: base.nameEn, hosts: ["\(id).hoso.local"], levels: base.levels,
                         units: base.units, directory: directory, groupRules: base.groupRules)
    }

    func tenantCodes(_ database: TestDatabase) async throws -> [String] {
        try await withDatabase(try database.appURL) { pool in
            try await TenantStore(database: pool, logger: TestEnvironment.logger).tenants().map(\.code)
        }
    }

    @Test(arguments: [
        ("ldap://127.0.0.1:3389", "ou=people,dc=demo,dc=hoso,dc=vn"),
        ("LDAP://127.0.0.1:3389/", "OU=People, DC=demo, DC=hoso, DC=vn"),
        ("ldap://127.0.0.1:3389", "dc=hoso,dc=vn"),
    ])
    func aCopyOfTheDemoOnItsDirectoryIsRefused(url: String, users: String) async throws {
        // setup: the demo tenant; a copy whose directory is the demo's, however it is written
        let database = try await TestDatabase.make()
        let demo = try Self.demo()
        var directory = try #require(demo.directory)
        (directory.url, directory.userBase) = (url, users)
        let copy = Self.variant(demo, id: "democopy", directory: directory)
        // act
        var problems: [HosoError] = []
        do {
            try await withDatabase(try database.appURL) { pool in
                let store = TenantStore(database: pool, logger: TestEnvironment.logger)
                _ = try await store.importTenant(demo)
                _ = try await store.importTenant(copy)
            }
        } catch let error as HosoErrors {
            problems = error.errors
        }
        // verify: refused, naming the other tenant; nothing of the copy written
        #expect(problems.map(\.code) == ["tenant.directory_overlap"])
        #expect(problems.first?.parameters["other"] == "demo")
        #expect(try await tenantCodes(database) == ["demo"])
    }

    @Test func sharingDeclaredByTheNewTenantAloneIsRefused() async throws {
        let database = try await TestDatabase.make()
        let demo = try Self.demo()
        var directory = try #require(demo.directory)
        (directory.sharedWith, directory.accountFilter) = (["demo"], "(uid=d1.*)")
        let copy = Self.variant(demo, id: "democopy", directory: directory)
        await #expect(throws: HosoErrors([HosoError("tenant.directory_overlap", [
            "tenant": "democopy", "other": "demo", "server": "127.0.0.1:3389", "base": "ou=people,dc=demo,dc=hoso,dc=vn",
        ])])) {
            try await withDatabase(try database.appURL) { pool in
                let store = TenantStore(database: pool, logger: TestEnvironment.logger)
                _ = try await store.importTenant(demo)
                _ = try await store.importTenant(copy)
            }
        }
    }

    @Test func bigdemoHasNoDirectoryAndTheDemoOfficerIsNobodyThere() async throws {
        // setup: what `make run` and `make bench` import
        let world = try await TestWorld.make(importing: ["demo", "demo2", "bigdemo"])
        let bigdemo = try await withDatabase(try world.database.appURL) { pool in
            try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "bigdemo")
        }
        #expect(bigdemo != nil)
        #expect(bigdemo?.directory == nil)
        // act + verify: demo's provincial officer signs in to demo, not to bigdemo
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, tenant: "demo", "so.officer")
            var stranger = Browser()
            let foreign = try await stranger.send(client, .post, "/api/v1/session",
                                                  json: #"{"tenant":"bigdemo","username":"so.officer","password":"Demo@2026!"}"#)
            #expect(foreign.status == .unauthorized)
            #expect(foreign.errorCode == "signin.invalid_credentials")
        }
    }

    @Test func tenantsThatDeclareTheSharingKeepTheirAccountsApart() async throws {
        // setup: demo and demo-b on the same directory and group rules, each naming the other,
        // demo's accounts those of the department and S01, demo-b's those of office D01
        let world = try await TestWorld.make(importing: [])
        let demo = try Self.demo()
        var mine = try #require(demo.directory), theirs = mine
        (mine.sharedWith, mine.accountFilter) = (["demo-b"], "(|(uid=so.*)(uid=s1.*))")
        (theirs.sharedWith, theirs.accountFilter) = (["demo"], "(uid=d1.*)")
        let (a, b) = (Self.variant(demo, id: "demo", directory: mine), Self.variant(demo, id: "demo-b", directory: theirs))
        try await withDatabase(try world.database.appURL) { pool in
            let store = TenantStore(database: pool, logger: TestEnvironment.logger)
            _ = try await store.importTenant(a)
            _ = try await store.importTenant(b)
        }
        try await world.withApp { client in
            // act: the department's officer at both tenants, the office's officer at demo-b
            var own = Browser(), other = Browser()
            try await own.signIn(client, tenant: "demo", "so.officer")
            let ownRoles = try await Self.roles(client, &own)
            var stranger = Browser()
            let foreign = try await stranger.send(client, .post, "/api/v1/session",
                                                  json: #"{"tenant":"demo-b","username":"so.officer","password":"Demo@2026!"}"#)
            try await other.signIn(client, tenant: "demo-b", "d1.officer")
            let otherRoles = try await Self.roles(client, &other)
            // verify: so.officer has its role at demo and is nobody at demo-b; demo-b's own account works
            #expect(ownRoles == ["provincial_officer@SO"])
            #expect(foreign.status == .unauthorized)
            #expect(foreign.errorCode == "signin.invalid_credentials")
            #expect(otherRoles == ["district_officer@D01"])
        }
    }

    static func roles(_ client: any TestClientProtocol, _ browser: inout Browser) async throws -> [String] {
        let me = try await browser.send(client, .get, "/api/v1/me").json()
        return (me["grants"] as? [[String: Any]] ?? []).compactMap { grant in
            guard let role = grant["role"] as? String else { return nil }
            return "\(role)@\((grant["unit"] as? [String: Any])?["code"] as? String ?? "?")"
        }.sorted()
    }

    @Test func theTenantFileSaysHowADirectoryIsShared() throws {
        // setup: the demo file with the sharing lines added under directory:
        let yaml = try String(contentsOfFile: try TestEnvironment.repoDirectory + "/tenants/demo/tenant.yaml", encoding: .utf8)
        func with(_ lines: String) -> String {
            yaml.replacingOccurrences(of: "  member_attribute: member\n", with: "  member_attribute: member\n" + lines)
        }
        // act + verify
        let shared = try TenantFile.parse(with("  shared_with: [demo-b]\n  account_filter: (departmentNumber=demo)\n"))
        #expect(shared.directory?.sharedWith == ["demo-b"])
        #expect(shared.directory?.accountFilter == "(departmentNumber=demo)")
        func codes(_ text: String) -> [String] {
            do { _ = try TenantFile.parse(text); return [] } catch { return (error as? HosoErrors)?.errors.map(\.code) ?? [] }
        }
        #expect(codes(with("  shared_with: demo-b\n")) == ["tenant.missing_field"], "sharing needs an account filter")
        #expect(codes(with("  shared_with: [demo]\n  account_filter: (o=x)\n")) == ["tenant.bad_value"], "not with itself")
        #expect(codes(with("  account_filter: departmentNumber=demo\n")) == ["tenant.bad_value"], "one LDAP filter")
        let none = try TenantFile.parse(yaml.replacingOccurrences(of: "\ndirectory:\n", with: "\ndirectory: none\nold_directory:\n"))
        #expect(none.directory == nil)
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
