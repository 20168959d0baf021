import Foundation
import HosoCore
import HosoServer
import HosoStore
import Hummingbird
import HummingbirdTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A province merger (`hoso tenant merge`): demo (with a signed, sealed, locked record and an audit
/// trail) moves whole into demo2; figures, signatures and both audit chains still check.
@Suite struct TenantMergeTests {
    static func merge(_ world: TestWorld, from: String = "demo", into: String = "demo2", map: [String: String] = [:],
                      dryRun: Bool = false) async throws -> TenantMergeReport {
        try await withDatabase(try world.database.ownerURL) { owner in
            try await TenantMergeStore(owner: owner, clock: SystemClock(), logger: TestEnvironment.logger)
                .merge(from: from, into: into, on: "2025-07-01", map: map, dryRun: dryRun)
        }
    }

    static func value(_ world: TestWorld, _ sql: String) async throws -> String? {
        try await TestEnvironment.ownerValue(sql, database: world.database.name)
    }

    /// Every kept figure of a tenant's units, by unit id (ids survive the merger), tenant left out.
    static func figures(_ world: TestWorld, _ table: String, tenant: String, units: String) async throws -> [[String?]] {
        try await TestEnvironment.ownerRows("""
            SELECT unit_id::text, (to_jsonb(c) - 'tenant_id')::text FROM \(table) c
            WHERE c.tenant_id = (SELECT id FROM tenants WHERE code = '\(tenant)') AND c.unit_id IN (\(units))
            ORDER BY 1, 2
            """, database: world.database.name)
    }

    static func hoso(_ world: TestWorld, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try Tool.run(try TestEnvironment.repoDirectory + "/.build/debug/hoso", arguments, environment: try environment(world))
    }

    @Test func aProvinceMovesWholeAndItsFiguresSignaturesAndAuditStillCheck() async throws {
        // setup: demo with a record signed by the vice principal, the principal and the school's seal; demo2 beside it
        let signatures = SignatureTests()
        let setup = try await signatures.setup()
        let (world, id) = (setup.world, setup.obligation)
        let repo = try TestEnvironment.repoDirectory
        try await withDatabase(try world.database.appURL) { pool in
            _ = try await TenantStore(database: pool, logger: TestEnvironment.logger)
                .importTenant(try TenantFile.load(directory: "\(repo)/tenants/demo2"))
        }
        let files = try TestEnvironment.temporaryDirectory("merge")
        let documentSHA = try await world.withApp { client in
            var admin = Browser(), vice = Browser(), principal = Browser()
            admin.csrf = try await admin.signIn(client, "s1.admin")
            vice.csrf = try await vice.signIn(client, "s1.vice")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            try await signatures.submit(client, &admin, id, "sổ đăng bộ", paperCopy: true)
            #expect(try await signatures.post(client, &vice, "/api/v1/obligations/\(id)/approve", #"{"step":1,"sign":true}"#).status == .ok)
            #expect(try await signatures.post(client, &principal, "/api/v1/obligations/\(id)/approve", #"{"step":2,"sign":true}"#).status == .ok)
            #expect(try await signatures.post(client, &principal, "/api/v1/obligations/\(id)/lock", "{}").status == .ok)
            let manifest = try await principal.send(client, .get, "/api/v1/obligations/\(id)/manifest")
            try Data(buffer: manifest.body).write(to: URL(fileURLWithPath: files + "/manifest.xml"))
            let verification = try await principal.send(client, .get, "/api/v1/obligations/\(id)/verification").json()
            #expect(verification["state"] as? String == "signed")
            return try #require(verification["documentSHA256"] as? String)
        }
        let document = world.configuration.blobDirectory + "/objects/\(documentSHA.prefix(2))/\(documentSHA)"
        let demoUnits = try #require(try await Self.value(world, """
            SELECT string_agg(id::text, ',') FROM units WHERE tenant_id = (SELECT id FROM tenants WHERE code = 'demo')
            """))
        let complianceBefore = try await Self.figures(world, "compliance_counts", tenant: "demo", units: demoUnits)
        let signaturesBefore = try await Self.figures(world, "signature_counts", tenant: "demo", units: demoUnits)
        #expect(!complianceBefore.isEmpty && !signaturesBefore.isEmpty)
        let demoRoot = try #require(try await Self.value(world, "SELECT code FROM units WHERE parent_id IS NULL AND tenant_id = (SELECT id FROM tenants WHERE code = 'demo')"))
        let demo2Root = try #require(try await Self.value(world, "SELECT code FROM units WHERE parent_id IS NULL AND tenant_id = (SELECT id FROM tenants WHERE code = 'demo2')"))
        let demoEntries = try #require(try await Self.value(world, "SELECT count(*)::text FROM audit_log WHERE tenant_id = (SELECT id FROM tenants WHERE code = 'demo')").flatMap { Int($0) })
        #expect(demoEntries > 0)

        // act 1: a dry run lists what would move and writes nothing
        let dry = try await Self.merge(world, dryRun: true)
        #expect(dry.refusals.isEmpty, "\(dry.refusals)")
        #expect((dry.rows.first { $0.table == "obligations" }?.count ?? 0) > 0)
        #expect(dry.rows.first { $0.table == "record_signatures" }?.count == 3)
        #expect(dry.fate["audit_log"] == "kept" && dry.fate["sessions"] == "dropped" && dry.fate["units"] == "moved")
        if demoRoot == demo2Root { #expect(dry.plan?.recodes.contains { $0.from == demoRoot && $0.to == "demo-\(demoRoot)" } == true) }
        #expect(try await Self.value(world, "SELECT count(*)::text FROM tenants WHERE frozen_at IS NOT NULL") == "0")
        #expect(try await Self.value(world, "SELECT count(*)::text FROM units WHERE merged_from IS NOT NULL") == "0")

        // act 2: the merger
        let report = try await Self.merge(world)

        // verify: nothing of demo's is left but its kept tables; everything moved counts as before
        for (table, _) in report.rows where report.fate[table] != "kept" {
            let left = try await Self.value(world, "SELECT count(*)::text FROM \(table) WHERE tenant_id = (SELECT id FROM tenants WHERE code = 'demo')")
            #expect(left == "0", "\(table) still has rows in demo")
        }
        for (table, count) in report.rows where report.fate[table] == "moved" && table != "blobs" && table != "trust_roots" {
            let moved = try await Self.value(world, """
                SELECT count(*)::text FROM \(table) WHERE tenant_id = (SELECT id FROM tenants WHERE code = 'demo2')
                """).flatMap { Int64($0) } ?? 0
            #expect(moved >= count, "\(table): \(count) rows moved")
        }
        #expect(try await Self.figures(world, "compliance_counts", tenant: "demo2", units: demoUnits) == complianceBefore,
                "every figure of the moved units is what it was")
        #expect(try await Self.figures(world, "signature_counts", tenant: "demo2", units: demoUnits) == signaturesBefore)
        // The demo2 root counts the moved province too (recounted from the rows).
        #expect(try await Self.value(world, """
            SELECT sum(expected)::text FROM compliance_counts c JOIN units u ON u.id = c.unit_id
            WHERE u.parent_id IS NULL AND u.tenant_id = (SELECT id FROM tenants WHERE code = 'demo2') AND c.due_week = -1
            """) == Self.value(world, "SELECT count(*)::text FROM obligations WHERE NOT withdrawn AND exempt_reason IS NULL"))
        // The source's department hangs, closed, under demo2's root from the merger's date.
        #expect(try await Self.value(world, """
            SELECT p.code || ' ' || u.closes_on::text || ' ' || (SELECT count(*) FROM unit_parent_history h
                   WHERE h.unit_id = u.id AND h.parent_id = p.id AND h.valid_to IS NULL)
            FROM units u JOIN units p ON p.id = u.parent_id WHERE u.merged_from IS NOT NULL AND u.id = (
                SELECT min(id) FROM units WHERE merged_from IS NOT NULL AND nlevel(path) = 2)
            """) == "\(demo2Root) 2025-07-01 1")
        #expect(try await Self.value(world, "SELECT login || ' ' || directory FROM users WHERE login LIKE 's1.principal%'")
                == "s1.principal@demo demo")
        #expect(try await Self.value(world, "SELECT (frozen_at IS NOT NULL)::text || ' ' || (SELECT code FROM tenants m WHERE m.id = t.merged_into) FROM tenants t WHERE code = 'demo'")
                == "true demo2")

        // Both audit chains verify; demo's ends with `tenant.merged`, whose hash demo2's `tenant.merged_in` holds.
        try await withDatabase(try world.database.appURL) { pool in
            let audit = AuditStore(database: pool, logger: TestEnvironment.logger)
            let tenants = TenantStore(database: pool, logger: TestEnvironment.logger)
            let demo = try #require(try await tenants.tenant(code: "demo")).id
            let demo2 = try #require(try await tenants.tenant(code: "demo2")).id
            let source = try await audit.verify(tenantID: demo)
            let target = try await audit.verify(tenantID: demo2)
            #expect(source.firstBroken == nil && source.checked == demoEntries + 1)
            #expect(target.firstBroken == nil, "\(target)")
            // demo2's officers read demo's trail of the records they now hold.
            let trail = try await audit.entries(tenantID: demo2, subject: "obligation:\(id)")
            #expect(trail.count >= 3, "\(trail.map(\.action))")
            let all = try await audit.entries(tenantID: demo2, limit: 10_000)
            #expect(all.contains { $0.action == "tenant.merged" } && all.contains { $0.action == "tenant.merged_in" })
        }
        #expect(try await Self.value(world, """
            SELECT ((SELECT encode(hash, 'hex') FROM audit_log WHERE tenant_id = s.id ORDER BY seq DESC LIMIT 1)
                 = (SELECT details::jsonb ->> 'source_head' FROM audit_log WHERE tenant_id = s.merged_into AND action = 'tenant.merged_in'))::text
            FROM tenants s WHERE code = 'demo'
            """) == "true")
        let verified = try Self.hoso(world, ["audit", "verify"])
        #expect(verified.status == 0 && verified.output.contains("tenant demo: \(demoEntries + 1) entries, chain intact"), "\(verified.output)")

        // Every signature still verifies, with the roots that travelled into demo2.
        let checked = try Self.hoso(world, ["verify", "--tenant", "demo2", files + "/manifest.xml", document])
        #expect(checked.status == 0 && checked.output.contains("Result: signed"), "\(checked.output)")
        #expect(!checked.output.contains("INVALID"))

        // A second merger finds the source frozen; an import of its file is refused the same way.
        await #expect(throws: HosoErrors.self) { _ = try await Self.merge(world) }
        await #expect(throws: HosoError("tenant.frozen", ["tenant": "demo", "into": "demo2"])) {
            try await withDatabase(try world.database.appURL) { pool in
                _ = try await TenantStore(database: pool, logger: TestEnvironment.logger)
                    .importTenant(try TenantFile.load(directory: "\(repo)/tenants/demo"))
            }
        }
        // demo2's own file imported again leaves the merged units as they are.
        try await withDatabase(try world.database.appURL) { pool in
            let summary = try await TenantStore(database: pool, logger: TestEnvironment.logger)
                .importTenant(try TenantFile.load(directory: "\(repo)/tenants/demo2"))
            #expect(summary.closed.isEmpty, "\(summary.closed)")
        }

        // An entry appended to demo's trail after it was sealed is found by demo2's verification.
        try await withDatabase(try world.database.ownerURL) { owner in
            try await AuditStore(database: owner, logger: TestEnvironment.logger).append(
                tenantID: try #require(try await TenantStore(database: owner, logger: TestEnvironment.logger).tenant(code: "demo")).id,
                AuditEvent(actorUserID: nil, actorLogin: "intruder", action: "unit.view"))
        }
        let broken = try Self.hoso(world, ["audit", "verify", "--tenant", "demo2"])
        #expect(broken.status != 0 && broken.output.contains("BROKEN") && broken.output.contains("merger"), "\(broken.output)")
    }

    @Test func badMergersAreRefusedWithTheirCodesAndWriteNothing() async throws {
        // setup
        let world = try await TestWorld.make(importing: ["demo", "demo2"])
        // act, verify
        await #expect(throws: HosoError("tenant.merge_unknown_tenant", ["tenant": "nowhere"])) {
            _ = try await Self.merge(world, from: "nowhere")
        }
        do {
            _ = try await Self.merge(world, from: "demo", into: "demo")
            Issue.record("a merger into itself went through")
        } catch let error as HosoErrors {
            #expect(error.errors.map(\.code) == ["tenant.merge_into_itself"])
        }
        do {
            _ = try await Self.merge(world, map: ["S01": "X1", "S02": "X1", "NOPE": "Y"])
            Issue.record("a bad map went through")
        } catch let error as HosoErrors {
            #expect(Set(error.errors.map(\.code)) == ["tenant.merge_map_duplicate", "tenant.merge_map_unknown_code"])
        }
        // A chain broken behind the application's back: refused until it verifies.
        try await TestEnvironment.ownerExecute("""
            INSERT INTO audit_log (tenant_id, seq, at_us, action, details, previous_hash, hash)
            SELECT id, 1, 0, 'forged', '{}', '\\x00'::bytea, '\\x00'::bytea FROM tenants WHERE code = 'demo'
            """, database: world.database.name)
        do {
            _ = try await Self.merge(world)
            Issue.record("a broken chain was merged")
        } catch let error as HosoErrors {
            #expect(error.errors.map(\.code) == ["tenant.merge_audit_broken"])
        }
        #expect(try await Self.value(world, "SELECT count(*)::text FROM units WHERE merged_from IS NOT NULL") == "0")
        #expect(try await Self.value(world, "SELECT count(*)::text FROM tenants WHERE frozen_at IS NOT NULL") == "0")
    }

    @Test func theMergedTenantIsReadOnlyAndItsHostRedirectsToTheTenantItJoined() async throws {
        // setup
        let world = try await TestWorld.make(importing: ["demo", "demo2"])
        _ = try await Self.merge(world)
        // act, verify
        try await world.withApp(.live) { client in
            let port = try #require(client.port)
            let moved = try await RawHTTP.request(port: port, "GET", "/units/S01/dashboard?year=2026-2027", host: "demo.hoso.local:\(port)")
            #expect(moved.status == 308)
            #expect(moved.headers.first { $0.0 == "location" }?.1 == "http://demo2.hoso.local:\(port)/units/demo-S01/dashboard?year=2026-2027",
                    "a unit's page follows its new code")
            let kept = try await RawHTTP.request(port: port, "GET", "/units/S02/dashboard", host: "demo.hoso.local")
            #expect(kept.headers.first { $0.0 == "location" }?.1 == "http://demo2.hoso.local/units/S02/dashboard")
            let own = try await RawHTTP.get(port: port, path: "/signin", host: "demo2.hoso.local")
            #expect(own.status == 200)
            let signIn = try await RawHTTP.request(port: port, "POST", "/api/v1/session", headers: [("Content-Type", "application/json")],
                                             body: Array(#"{"tenant":"demo","username":"s1.teacher","password":"Demo@2026!"}"#.utf8))
            #expect(signIn.status == 409 && signIn.body.contains(#""code":"tenant.frozen""#), "\(signIn.body)")
            // demo's people sign in to demo2 as login@demo, through demo's directory and group rules,
            // with their school re-coded (demo2 has an S01 of its own).
            for (login, status) in [("s1.principal@demo", 201), ("s1.principal", 401), ("p2.officer", 201)] {
                let answer = try await RawHTTP.request(port: port, "POST", "/api/v1/session", headers: [("Content-Type", "application/json")],
                                                 body: Array(#"{"tenant":"demo2","username":"\#(login)","password":"Demo@2026!"}"#.utf8))
                #expect(answer.status == status, "\(login): \(answer.body)")
            }
        }
        #expect(try await Self.value(world, """
            SELECT u.login || ' ' || u.directory || ' ' || g.role || ' ' || un.code FROM users u
            JOIN user_grants g ON g.user_id = u.id JOIN units un ON un.id = g.unit_id WHERE u.login = 's1.principal@demo'
            """) == "s1.principal@demo demo principal demo-S01")
        // Row-level security refuses any write the application would make to it, its sealed audit chain included.
        await #expect(throws: HosoError("tenant.frozen")) {
            try await withDatabase(try world.database.appURL) { pool in
                let demo = try #require(try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
                #expect(demo.mergedInto == "demo2" && demo.mergedIntoHosts == ["demo2.hoso.local"])
                try await AuditStore(database: pool, logger: TestEnvironment.logger).append(
                    tenantID: demo.id, AuditEvent(actorUserID: nil, actorLogin: "x", action: "unit.view"))
            }
        }
    }

    /// `hoso tenant merge` killed with SIGKILL at random moments: never half moved, and a rerun completes.
    @Test func aMergerKilledAtAnyMomentLeavesNothingHalfDoneAndARerunCompletes() async throws {
        let world = try await TestWorld.make(importing: ["demo", "demo2"], records: [RecordTests.year])
        func state() async throws -> String? {
            try await Self.value(world, """
                SELECT (SELECT count(*) FROM obligations o WHERE o.tenant_id = t.id)::text || '/'
                    || (SELECT count(*) FROM units u WHERE u.tenant_id = t.id)::text || '/'
                    || (SELECT count(*) FROM users u WHERE u.tenant_id = t.id)::text || '/'
                    || (t.merged_into IS NOT NULL)::text
                FROM tenants t WHERE code = 'demo'
                """)
        }
        let before = try #require(try await state())
        let binary = try TestEnvironment.repoDirectory + "/.build/debug/hoso"
        let environment = try Self.environment(world)
        var outcomes: [String] = []
        for attempt in 0..<4 {
            guard try await state() == before else { break }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["tenant", "merge", "--from", "demo", "--into", "demo2", "--on", "2025-07-01"]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            // Started, killed and waited for on one thread, without an `await` in between: Foundation
            // tells of the exit through the run loop of the thread that started the process, so a
            // wait on another thread (after a suspension) would never see it and spin forever.
            try process.run()
            usleep(useconds_t(Int.random(in: 50...(150 + attempt * 150)) * 1000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let now = try #require(try await state())
            #expect(now == before || now.hasPrefix("0/0/0/true"), "either nothing moved or everything did: \(now)")
            outcomes.append(now == before ? "nothing" : "all")
        }
        // A rerun (or the first that was not killed in time) completes.
        if try await state() == before {
            let rerun = try Self.hoso(world, ["tenant", "merge", "--from", "demo", "--into", "demo2", "--on", "2025-07-01"])
            #expect(rerun.status == 0, "\(rerun.output)")
        }
        #expect(try await state() == "0/0/0/true", "\(outcomes)")
        #expect(try Self.hoso(world, ["audit", "verify"]).status == 0)
    }

    static func environment(_ world: TestWorld) throws -> [String: String] {
        func url(_ url: DatabaseURL) -> String {
            let password = (url.password ?? "").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return "postgres://\(url.username):\(password)@\(url.host):\(url.port)/\(url.database)"
        }
        return ["HOSO_DATABASE_URL": url(try world.database.appURL), "HOSO_MIGRATION_DATABASE_URL": url(try world.database.ownerURL),
                "HOSO_WEB_DIR": world.configuration.webDirectory, "HOSO_LOG_LEVEL": "error"]
    }
}
