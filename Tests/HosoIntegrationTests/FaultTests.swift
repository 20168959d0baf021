import Foundation
import HosoCore
@testable import HosoServer
@testable import HosoStore
import Hummingbird
import HummingbirdBcrypt
import HTTPTypes
import HummingbirdTesting
import Testing

/// Dependencies going down and coming back while the server runs. Each test owns the service it
/// stops, so the rest of the suite is not disturbed; they run one at a time.
@Suite(.serialized) struct FaultTests {
    @Test func slapdStoppedDuringSignInGives503AndAClearMessage() async throws {
        // setup: a slapd of our own, seeded like the demo directory
        let slapd = try OwnService.make(.directory, port: 3491)
        defer { slapd.remove() }
        try slapd.start()
        let password = try slapd.secret("HOSO_DEMO_DIRECTORY_PASSWORD")
        let world = try await TestWorld.make {
            $0.directoryURLOverride = "ldap://127.0.0.1:3491"
            $0.environment["HOSO_DEMO_DIRECTORY_PASSWORD"] = password
        }
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "s1.teacher")
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)

            // act: the directory goes away
            try slapd.stop()
            var next = Browser()
            let refused = try await next.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"s1.principal","password":"Demo@2026!"}"#)

            // verify
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.errorCode == "service.directory_unavailable")
            #expect(refused.errorMessage?.contains("LDAP") == true)
            #expect(next.cookies["hoso_session"] == nil)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect(String(buffer: health.body).contains(#""demo":"down""#))
            // Sessions made before the outage keep working: they do not need the directory.
            #expect(try await browser.send(client, .get, "/api/v1/me").status == .ok)
            // A failed directory is not a failed password: no attempt stays counted.
            let counted = try await withDatabase(try world.database.ownerURL) { pool in
                try await pool.withTransaction { connection in
                    try await connection.fetch("SELECT count(*) FROM sign_in_attempts", Int64.self, logger: TestEnvironment.logger)[0]
                }
            }
            #expect(counted == 0)
            try slapd.start()
            try await next.signIn(client, "s1.principal")
        }
    }

    @Test func aLocalAdministratorSignsInWhileTheDirectoryIsDown() async throws {
        let world = try await TestWorld.make { $0.directoryURLOverride = "ldap://127.0.0.1:1" }
        try await withDatabase(try world.database.appURL) { pool in
            let tenant = try #require(try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
            try await UserStore(database: pool, logger: TestEnvironment.logger).upsertLocalAdministrator(
                tenantID: tenant.id, login: "quantri", displayName: "Quản trị", passwordHash: Bcrypt.hash("correct horse battery staple", cost: 4)
            )
        }
        try await world.withApp { client in
            var directoryUser = Browser()
            let refused = try await directoryUser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"s1.teacher","password":"Demo@2026!"}"#)
            #expect(refused.errorCode == "service.directory_unavailable")
            var admin = Browser()
            let wrong = try await admin.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"quantri","password":"nope"}"#)
            #expect(wrong.errorCode == "signin.invalid_credentials")
            try await admin.signIn(client, "quantri", password: "correct horse battery staple")
            let me = try await admin.send(client, .get, "/api/v1/me").json()
            #expect(((me["grants"] as? [[String: Any]])?.first?["role"] as? String) == "tenant_administrator")
            #expect(try await admin.send(client, .get, "/api/v1/units/T02").status == .ok)
        }
    }

    @Test func postgresStoppedAndRestartedWhileTheServerRuns() async throws {
        // setup: a PostgreSQL cluster of our own, migrated and loaded like `make run` does
        let postgres = try OwnService.make(.postgres, port: 55491)
        defer { postgres.remove() }
        try postgres.start()
        let owner = DatabaseURL(host: "127.0.0.1", port: 55491, username: "hoso_owner",
                                password: try postgres.secret("HOSO_PG_OWNER_PASSWORD"), database: "hoso")
        let app = DatabaseURL(host: "127.0.0.1", port: 55491, username: "hoso_app",
                              password: try postgres.secret("HOSO_PG_APP_PASSWORD"), database: "hoso")
        try await Migrator(migrations: try Migration.bundled(), logger: TestEnvironment.logger).migrate(owner)
        let definition = try TenantFile.load(directory: try TestEnvironment.repoDirectory + "/tenants/demo")
        let repo = try TestEnvironment.repoDirectory
        _ = try await withDatabase(app) { pool in
            _ = try await TenantStore(database: pool, logger: TestEnvironment.logger).importTenant(definition)
            // Calendars and rule-sets, so that the dashboards have a year to show.
            _ = try await RecordsSetup(database: pool, logger: TestEnvironment.logger, tenantsDirectory: "\(repo)/tenants")
                .importRules(tenant: "demo")
        }
        var world = try await TestWorld.make(importing: [])
        world.configuration.database = app
        // Down must be noticed quickly here; other tests wait longer for a connection on a busy machine.
        world.configuration.databaseTimeoutSeconds = 3

        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "so.officer")
            #expect(try await browser.send(client, .get, "/api/v1/units/S01").status == .ok)
            // A dashboard read twice: its figures are in the server's cache.
            let dashboard = "/api/v1/units/SO/compliance?year=2026-2027"
            let warm = try await browser.send(client, .get, dashboard)
            #expect(warm.status == .ok, "\(warm.text.prefix(200))")
            #expect(try await browser.send(client, .get, dashboard).headers[.eTag] == warm.headers[.eTag])

            // act: the database goes down
            try postgres.stop()
            let down = try await browser.send(client, .get, "/api/v1/units/S01")
            #expect(down.status == .serviceUnavailable)
            #expect(down.errorCode == "service.database_unavailable")
            // The cache could answer, but cached figures are never shown as live: the counter is not readable.
            for path in [dashboard, "/units/SO/dashboard?year=2026-2027"] {
                let cached = try await browser.send(client, .get, path)
                #expect(cached.status == .serviceUnavailable, "\(path)")
                let revalidated = try await browser.send(client, .get, path, headers: [.ifNoneMatch: warm.headers[.eTag] ?? ""])
                #expect(revalidated.status == .serviceUnavailable, "\(path) revalidated")
            }
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            #expect(String(buffer: health.body).contains(#""database":"down""#))

            // … and comes back: the same server recovers by itself.
            try postgres.start()
            var recovered = false
            for _ in 0..<40 where !recovered {
                recovered = try await browser.send(client, .get, "/api/v1/units/S01").status == .ok
                if !recovered { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(recovered, "the server answers again without a restart")
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }
}
