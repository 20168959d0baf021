import Foundation
import HosoCore
import HosoServer
import HosoStore
import HosoSynthetic
import Testing

/// The demo's past (`hoso demo story`, run by `make run`): the demo's own items submitted, approved
/// by people who really hold each step's role, some returned; the dashboards' counts still exact;
/// the audit chain intact; told once.
@Suite struct DemoStoryTests {
    @Test func theDemosPastIsToldOnceWithRealApproversAndExactCounts() async throws {
        // setup: the demo with its 2026-2027 items; S01's people sign in once (their grants come from the directory)
        let world = try await TestWorld.make(importing: ["demo"], records: ["2026-2027"])
        let db = world.database.name
        try await world.withApp { client in
            for login in ["s1.principal", "s1.vice", "s1.head", "s1.admin", "s1.clerk", "s1.teacher"] {
                var browser = Browser()
                _ = try await browser.signIn(client, login)
            }
        }
        let blobs = try BlobStore(root: try TestEnvironment.temporaryDirectory("blobs"))
        let now = Int64(Date().timeIntervalSince1970)

        // act: tell the past twice
        let (first, second) = try await withDatabase(try world.database.ownerURL) { owner in
            let story = DemoStory(database: owner, blobs: blobs, clock: FixedClock(epochSeconds: now), logger: TestEnvironment.logger)
            let first = try await story.tell(tenant: "demo", seed: 2026) { _ in }
            let second = try await story.tell(tenant: "demo", seed: 2026) { _ in }
            return (first, second)
        }

        // verify: most due items submitted, some late, decisions made, and nothing told twice
        #expect(first.items > 100 && first.submitted > first.items / 2, "\(first)")
        #expect(first.late > 0 && first.decisions > 0 && first.waiting > 0, "\(first)")
        #expect(second.submitted == 0 && second.decisions == 0, "told once: \(second)")
        // Nothing submitted after now, and every submitted item has exactly one version and its events.
        #expect(try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM obligations WHERE first_submitted_at > to_timestamp(\(now))", database: db) == "0")
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o WHERE o.first_submitted_at IS NOT NULL
              AND (SELECT count(*) FROM record_versions v WHERE v.obligation_id = o.id) <> 1
            """, database: db) == "0")
        // Every approval is by someone holding that step's role at the school (or heading the owner's group).
        let strangers = try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM workflow_events e JOIN obligations o ON o.id = e.obligation_id JOIN units s ON s.id = o.unit_id
            WHERE e.kind = 'approve' AND NOT (
                EXISTS (SELECT 1 FROM user_grants g JOIN units gu ON gu.id = g.unit_id
                        WHERE g.user_id = e.actor_user_id AND g.role = e.actor_role AND s.path <@ gu.path)
                OR (e.actor_role IN ('subject_group_head', 'office_group_head') AND EXISTS (
                        SELECT 1 FROM group_members h JOIN group_members m ON m.group_id = h.group_id
                        WHERE h.user_id = e.actor_user_id AND h.is_head AND m.user_id = o.owner_user_id)))
            """, database: db)
        #expect(strangers == "0")
        #expect(try await TestEnvironment.ownerValue("SELECT count(*)::text FROM workflow_events WHERE kind = 'approve'", database: db)
            != "0")
        // The dashboards' stored counts equal a recount from scratch.
        let counts = "SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0 ORDER BY 1, 2, 3, 4, 5, 6, basis"
        let before = try await TestEnvironment.ownerRows(counts, database: db)
        try await TestEnvironment.ownerExecute("SELECT hoso_compliance_rebuild(id) FROM tenants", database: db)
        #expect(before == (try await TestEnvironment.ownerRows(counts, database: db)))
        // One audit entry per item told, and the chain verifies.
        let tenantID = try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM tenants WHERE code = 'demo'", database: db)
            .flatMap { Int64($0) })
        #expect(try await TestEnvironment.ownerValue("SELECT count(*)::text FROM audit_log WHERE action = 'demo.story'", database: db)
            == String(first.submitted))
        let verified = try await withDatabase(try world.database.appURL) { pool in
            try await AuditStore(database: pool, logger: TestEnvironment.logger).verify(tenantID: tenantID)
        }
        #expect(verified.firstBroken == nil, "\(verified)")
    }
}
