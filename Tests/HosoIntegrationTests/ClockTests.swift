import Foundation
import HosoCore
import HosoStore
import Hummingbird
import HummingbirdTesting
import Testing

/// Time rules of the running server, tested at chosen instants through the injected clock: a
/// session's idle limit, and an item turning missing the second after its deadline.
@Suite struct ClockTests {
    @Test func aSessionEndsAfterThirtyIdleMinutesOnTheInjectedClock() async throws {
        // setup: a session started at t0 (the default idle limit is 30 minutes).
        let world = try await TestWorld.make(importing: ["demo"])
        let t0 = SystemClock().now()
        let cookies = try await world.withApp(clock: FixedClock(epochSeconds: t0)) { client in
            var browser = Browser()
            _ = try await browser.signIn(client, "s1.teacher")
            return browser.cookies
        }
        func me(at instant: Int64) async throws -> TestResponse {
            try await world.withApp(clock: FixedClock(epochSeconds: instant)) { client in
                var browser = Browser()
                browser.cookies = cookies
                return try await browser.send(client, .get, "/api/v1/me")
            }
        }
        // act, verify: used 29 minutes later (which marks it used), alive; 30 idle minutes after that, over.
        #expect(try await me(at: t0 + 29 * 60).status == .ok)
        #expect(try await me(at: t0 + 29 * 60 + 29 * 60).status == .ok)
        let expired = try await me(at: t0 + 29 * 60 + 29 * 60 + 30 * 60 + 1)
        #expect(expired.status == .unauthorized && expired.errorCode == "auth.expired", "\(expired.text)")
    }

    @Test func anItemIsMissingFromTheSecondAfterItsDeadline() async throws {
        // setup: one pending item of the demo, its due time read back.
        let world = try await TestWorld.make(importing: ["demo"], records: [RecordTests.year])
        let row = try #require(try await TestEnvironment.ownerRows("""
            SELECT id::text, extract(epoch FROM due_at)::bigint::text FROM obligations
            WHERE status = 'pending' ORDER BY due_at DESC LIMIT 1
            """, database: world.database.name).first)
        let id = try #require(row[0]), due = try #require(row[1].flatMap { Int64($0) })
        try await withDatabase(try world.database.appURL) { pool in
            let store = ObligationStore(database: pool, logger: TestEnvironment.logger)
            let tenant = try #require(try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
            // act, verify: at its deadline it is still pending; a second later it is missing.
            _ = try await store.sweepMissing(tenantID: tenant.id, now: due)
            #expect(try await TestEnvironment.ownerValue("SELECT status FROM obligations WHERE id = \(id)", database: world.database.name)
                    == "pending")
            _ = try await store.sweepMissing(tenantID: tenant.id, now: due + 1)
            #expect(try await TestEnvironment.ownerValue("SELECT status FROM obligations WHERE id = \(id)", database: world.database.name)
                    == "missing")
        }
    }
}
