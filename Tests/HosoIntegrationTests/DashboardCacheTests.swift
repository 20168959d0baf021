import Foundation
import HosoCore
@testable import HosoServer
@testable import HosoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// The dashboards' cache (issue 17): figures are kept in memory under each unit's change counter
/// (migration 0013) and stay exact, read through the cache after every kind of change; a browser's
/// tag answers 304 until the counter moves; a cached view never reaches a viewer of another office
/// or another tenant.
@Suite struct DashboardCacheTests {
    static let year = "2026-2027"
    let dashboards = DashboardTests()

    /// The figures the API shows for a unit, its tag, and a revalidation with that tag.
    func read(_ client: any TestClientProtocol, _ browser: inout Browser, _ code: String,
              year: String = Self.year) async throws -> (total: ComplianceCounts, weeks: ClosedRange<Int>, tag: String) {
        let path = "/api/v1/units/\(code)/compliance?year=\(year)"
        let response = try await browser.send(client, .get, path)
        #expect(response.status == .ok, "\(code): \(response.text.prefix(200))")
        let json = try response.json()
        let filter = try #require(json["filter"] as? [String: Any])
        let weeks = (filter["fromWeek"] as? Int ?? -1)...(filter["toWeek"] as? Int ?? -1)
        let tag = try #require(response.headers[.eTag])
        // The same request again: the same tag, and a revalidation with it is answered 304.
        let again = try await browser.send(client, .get, path)
        let repeated = dashboards.figures(try again.json()["total"])
        #expect(again.headers[.eTag] == tag && repeated == dashboards.figures(json["total"]))
        let revalidated = try await browser.send(client, .get, path, headers: [.ifNoneMatch: tag])
        #expect(revalidated.status == .notModified && revalidated.body.readableBytes == 0)
        return (dashboards.figures(json["total"]), weeks, tag)
    }

    func counter(_ world: TestWorld, _ code: String) async throws -> Int64 {
        try #require(try await TestEnvironment.ownerValue("""
            SELECT c.counter::text FROM unit_changes c JOIN units u ON u.id = c.unit_id WHERE u.code = '\(code)'
            """, database: world.database.name).flatMap { Int64($0) })
    }

    @Test func theFiguresStayExactThroughTheCacheAfterEveryChange() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let units = [("SO", try await dashboards.unitID(world, "SO")), ("D01", try await dashboards.unitID(world, "D01")),
                     ("D02", try await dashboards.unitID(world, "D02")), ("S01", try await dashboards.unitID(world, "S01"))]
        let db = world.database.name
        let item = try #require(try await TestEnvironment.ownerValue("""
            SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = 's1.teacher' AND o.state = 'open' AND o.first_submitted_at IS NULL AND o.due_at > now()
              AND NOT o.withdrawn AND o.exempt_reason IS NULL
            ORDER BY o.due_at LIMIT 1
            """, database: db).flatMap { Int64($0) })
        // Each change is made as it happens in the field (or as the owner's hand would), then every
        // unit's figures are read through the server's cache and compared with counting the rows.
        // (What moves: everything above a counted change; only the school for its people and approval steps.)
        let changes: [(String, Set<String>, @Sendable () async throws -> Void)] = [
            ("random states", ["SO"], { try await dashboards.scramble(world, seed: 17, percent: 4, moveWeeks: false) }),
            ("random weeks", ["SO"], { try await dashboards.scramble(world, seed: 18, percent: 4, moveWeeks: true) }),
            ("rows deleted", ["SO"], { try await TestEnvironment.ownerExecute("DELETE FROM obligations WHERE id % 41 = 0", database: db) }),
            ("the minute sweep", ["SO"], {
                try await TestEnvironment.ownerExecute("UPDATE obligations SET status = 'missing' WHERE status = 'pending' AND due_at < now()",
                                                       database: db)
            }),
            ("items handed to another person", ["S01"], {
                try await TestEnvironment.ownerExecute("""
                    UPDATE obligations SET owner_user_id = (SELECT id FROM users WHERE login = 's1.teacher2')
                    WHERE id IN (SELECT o.id FROM obligations o JOIN users u ON u.id = o.owner_user_id
                                 WHERE u.login = 's1.teacher' AND NOT o.withdrawn ORDER BY o.id LIMIT 5)
                    """, database: db)
            }),
            ("an approval step", ["S01"], {
                try await TestEnvironment.ownerExecute("""
                    UPDATE obligations SET step = coalesce(step, 0) + 1 WHERE id = (
                        SELECT min(o.id) FROM obligations o JOIN units u ON u.id = o.unit_id WHERE u.code = 'S01' AND o.state = 'awaiting')
                    """, database: db)
            }),
        ]
        try await world.withApp { client in
            var officer = Browser(), teacher = Browser()
            _ = try await officer.signIn(client, "so.officer")
            let csrf = try await teacher.signIn(client, "s1.teacher")
            var tags: [String: String] = [:]
            var counters: [String: Int64] = [:]
            func check(_ round: String, moved: Set<String>) async throws {
                let expected = try await dashboards.counted(world)
                for (code, id) in units {
                    let seen = try await read(client, &officer, code)
                    let counted = (expected[id] ?? [:]).values.flatMap { $0.filter { seen.weeks.contains($0.key) }.values }
                        .reduce(ComplianceCounts(), +)
                    #expect(seen.total == counted, "\(round): \(code)")
                    let now = try await counter(world, code)
                    if let before = counters[code] {
                        // The tag moves exactly when the unit's counter does.
                        #expect((tags[code] != seen.tag) == (now != before), "\(round): \(code) tag and counter")
                        if moved.contains(code) { #expect(now > before, "\(round): \(code) counter moved") }
                    }
                    tags[code] = seen.tag
                    counters[code] = now
                }
            }
            try await check("before", moved: [])
            for (name, moved, change) in changes {
                try await change()
                try await check(name, moved: moved)
            }
            // A submission through the server: the school and everything above it move, the other office does not.
            let pdf = Array("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".utf8)
            var headers: HTTPFields = [.contentType: "application/pdf", HTTPField.Name("X-CSRF-Token")!: csrf]
            headers[.cookie] = teacher.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let uploaded = try await client.execute(uri: "/api/v1/obligations/\(item)/versions?filename=giao-an.pdf", method: .post,
                                                    headers: headers, body: ByteBuffer(bytes: pdf))
            #expect(uploaded.status == .created, "\(uploaded.text.prefix(200))")
            let d2 = try #require(counters["D02"])
            try await check("a submission", moved: ["SO", "D01", "S01"])
            #expect(counters["D02"] == d2, "another office's counter stays")
        }
        // The people's kept figures equal a recount from the rows, row for row.
        let query = "SELECT * FROM owner_counts WHERE expected <> 0 OR exempt <> 0 ORDER BY 1, 2, 3, 4, 5, 6"
        let kept = try await TestEnvironment.ownerRows(query, database: db)
        #expect(kept.count > 50)
        try await TestEnvironment.ownerExecute("SELECT hoso_compliance_rebuild(id) FROM tenants", database: db)
        #expect(try await TestEnvironment.ownerRows(query, database: db) == kept)
    }

    @Test func aCachedViewNeverReachesAnotherOfficeOrAnotherTenant() async throws {
        let year = "2025-2026"
        let world = try await TestWorld.make(importing: ["demo", "demo2"], records: [year])
        try await world.withApp { client in
            var own = Browser(), other = Browser(), stranger = Browser()
            try await own.signIn(client, "d1.officer")
            try await other.signIn(client, "d2.officer")
            try await stranger.signIn(client, tenant: "demo2", "p2.d1officer")
            let mine = try await read(client, &own, "D01", year: year)
            let page = try await own.send(client, .get, "/units/D01/dashboard?year=\(year)")
            #expect(page.status == .ok && page.headers[.eTag] != nil)
            #expect(page.headers[.cacheControl] == "no-store", "a page is never stored by the browser")
            // Another office's officer: the unit does not exist for them, cached or not.
            for path in ["/api/v1/units/D01/compliance?year=\(year)", "/units/D01/dashboard?year=\(year)"] {
                let refused = try await other.send(client, .get, path)
                #expect(refused.status == .notFound, "\(path)")
                let tagged = try await other.send(client, .get, path, headers: [.ifNoneMatch: mine.tag])
                #expect(tagged.status == .notFound, "\(path) with the other office's tag")
            }
            // Another tenant's office with the same code: its own unit and figures.
            let theirs = try await stranger.send(client, .get, "/api/v1/units/D01/compliance?year=\(year)")
            #expect(theirs.status == .ok)
            let json = try theirs.json()
            #expect(((json["unit"] as? [String: Any])?["name"] as? String)?.contains("Xuân Hương") == true)
            let counted = try #require(try await TestEnvironment.ownerValue("""
                SELECT count(*) FILTER (WHERE o.exempt_reason IS NULL)::text FROM obligations o
                JOIN units s ON s.id = o.unit_id JOIN tenants t ON t.id = o.tenant_id
                WHERE t.code = 'demo2' AND o.school_year = '\(year)' AND NOT o.withdrawn
                  AND s.path <@ (SELECT u.path FROM units u JOIN tenants x ON x.id = u.tenant_id WHERE x.code = 'demo2' AND u.code = 'D01')
                """, database: world.database.name).flatMap { Int($0) })
            #expect(dashboards.figures(json["total"]).expected == counted)
            #expect(theirs.headers[.eTag] != mine.tag)
            // A tag of one tenant never earns a 304 in the other.
            let crossed = try await stranger.send(client, .get, "/api/v1/units/D01/compliance?year=\(year)", headers: [.ifNoneMatch: mine.tag])
            #expect(crossed.status == .ok)
        }
    }
}
