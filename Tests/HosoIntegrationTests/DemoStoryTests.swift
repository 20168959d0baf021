import Foundation
import HosoCore
import HosoServer
import HosoSigning
import HosoStore
import HosoSynthetic
import Testing

/// The demo's past (`hoso demo story`, run by `make run`): the demo's own items submitted, approved
/// by people who really hold each step's role, some returned; the dashboards' counts still exact;
/// the audit chain intact; told once.
@Suite struct DemoStoryTests {
    @Test func theDemosPastIsToldOnceWithRealApproversAndExactCounts() async throws {
        // setup: the demo with its 2026-2027 items and the key store (keys valid since before the year,
        // as make run issues them); the story's people sign in once (their grants come from the directory)
        let keys = try TestEnvironment.temporaryDirectory("keys")
        let world = try await TestWorld.make(importing: ["demo"], records: ["2026-2027"]) { configuration in
            configuration.keysDirectory = keys
            configuration.environment["HOSO_KEYS_SECRET"] = Self.secret
            configuration.databaseMaxConnections = 8
        }
        let db = world.database.name
        try await Self.loadKeys(world, keys: keys)
        try await world.withApp { client in
            for login in ["s1.principal", "s1.vice", "s1.head", "s1.admin", "s1.clerk", "s1.teacher", "s1.teacher2",
                          "so.officer", "so.inspector", "d1.officer", "d1.inspector", "s2.principal"] {
                var browser = Browser()
                _ = try await browser.signIn(client, login)
            }
        }
        let blobs = try BlobStore(root: world.configuration.blobDirectory)
        let now = Int64(Date().timeIntervalSince1970)
        let tables = ["record_versions", "workflow_events", "record_signatures", "record_manifests", "inspections", "inspection_items",
                      "inspection_findings", "follow_ups", "inspection_minutes", "corrections", "correction_minutes",
                      "correction_confirmations", "report_jobs", "audit_log"]
        // Each table's rows, counted and digested whole (their times included).
        @Sendable func rows() async throws -> [String] {
            var counts: [String] = []
            for table in tables {
                counts.append(table + " " + (try await TestEnvironment.ownerValue(
                    "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table) t", database: db) ?? ""))
            }
            return counts
        }

        // act: tell the past twice (its items, then the acts), as hoso demo story does
        let clock = DemoClock(epochSeconds: now)
        let services = try await makeServices(configuration: world.configuration, clock: clock, logger: TestEnvironment.logger)
        let signingService = services.signing
        let (first, second, firstActs, secondActs, afterFirst) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await services.database.run() }
            defer { group.cancelAll() }
            return try await withDatabase(try world.database.ownerURL) { owner in
                let story = DemoStory(database: owner, blobs: blobs, clock: FixedClock(epochSeconds: now), logger: TestEnvironment.logger,
                                      signing: { signingService.hosoSigning(tenantID: $0) })
                let acts = DemoActs(services: services, clock: clock, owner: owner, now: now)
                let first = try await story.tell(tenant: "demo", seed: 2026) { _ in }
                let firstActs = try await acts.tell(tenant: "demo", seed: 2026)
                let afterFirst = try await rows()
                let second = try await story.tell(tenant: "demo", seed: 2026) { _ in }
                let secondActs = try await acts.tell(tenant: "demo", seed: 2026)
                return (first, second, firstActs, secondActs, afterFirst)
            }
        }

        // verify: most due items submitted, some late, decisions made, and nothing told twice
        #expect(first.items > 100 && first.submitted > first.items / 2, "\(first)")
        #expect(first.late > 0 && first.decisions > 0 && first.waiting > 0, "\(first)")
        #expect(second.submitted == 0 && second.decisions == 0 && second.signatures == 0, "told once: \(second)")
        // The second run added or changed no row anywhere (the audit log included: nothing was even tried again).
        #expect(try await rows() == afterFirst, "\(secondActs)")
        #expect(secondActs.concluded == 0 && secondActs.inProgress == 0 && secondActs.corrections == 0 && secondActs.reports == 0)
        // Nothing submitted after now, and every submitted item has exactly one version (the corrected one two).
        #expect(try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM obligations WHERE first_submitted_at > to_timestamp(\(now))", database: db) == "0")
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o WHERE o.first_submitted_at IS NOT NULL
              AND (SELECT count(*) FROM record_versions v WHERE v.obligation_id = o.id)
                  <> 1 + (SELECT count(*) FROM corrections c WHERE c.obligation_id = o.id)
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

        // Signatures and seals on the signed books: every locked book whose chain asks for them has
        // them, made with the approvers' and the school's keys at the approvals' times, and verifies.
        #expect(first.signatures > 0, "\(first)")
        #expect(try await TestEnvironment.ownerValue("SELECT count(*)::text FROM record_signatures", database: db) == String(first.signatures))
        // A locked book that was signed is sealed too (the seal comes with its chain's last step), and
        // every signed approval has its signature.
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o JOIN record_manifests m ON m.version_id = o.current_version_id
            WHERE o.state = 'locked' AND NOT (m.sealed AND m.signature_state = 'signed')
            """, database: db) == "0")
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o JOIN record_manifests m ON m.version_id = o.current_version_id
            WHERE o.state = 'locked' AND m.sealed
            """, database: db) != "0")
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM workflow_events e WHERE e.kind = 'approve' AND e.signed
              AND NOT EXISTS (SELECT 1 FROM record_signatures s WHERE s.version_id = e.version_id AND s.step = e.step + 1)
            """, database: db) == "0")
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM record_signatures s JOIN workflow_events e ON e.version_id = s.version_id AND e.kind = 'approve'
              AND e.step + 1 = s.step AND e.signed
            WHERE s.kind = 'approval' AND s.signed_at <> e.at
            """, database: db) == "0")
        let locked = try #require(try await TestEnvironment.ownerValue("""
            SELECT o.id::text FROM obligations o JOIN record_manifests m ON m.version_id = o.current_version_id
            WHERE o.state = 'locked' AND m.sealed ORDER BY o.id LIMIT 1
            """, database: db).flatMap { Int64($0) })
        let version = try #require(try await TestEnvironment.ownerValue(
            "SELECT current_version_id::text FROM obligations WHERE id = \(locked)", database: db).flatMap { Int64($0) })
        let checked = try await withDatabase(try world.database.appURL) { pool in
            let store = SignatureStore(database: pool, logger: TestEnvironment.logger)
            let signing = try SigningService(schema: signingService.schema, store: store, blobs: blobs, keysDirectory: keys,
                                             secret: Self.secret)
            return try await signing.verify(tenantID: tenantID, row: try #require(try await store.manifest(tenantID: tenantID, versionID: version)))
        }
        #expect(checked.review.state == .signed && checked.review.complete(checked.manifest), "\(checked.review)")

        // One inspection concluded with its minutes (signed by its leader), findings and follow-ups,
        // one done; one in progress; a correction with minutes every witness confirmed; a report done.
        #expect(firstActs.concluded == 1 && firstActs.inProgress == 1 && firstActs.corrections == 1 && firstActs.reports == 1,
                "\(firstActs)")
        #expect(firstActs.findings > 0 && firstActs.followUps >= 2 && firstActs.followUpsDone == 1 && firstActs.minutesSigned == 1)
        #expect(try await TestEnvironment.ownerValue("""
            SELECT string_agg(i.state || ':' || (SELECT count(*) FROM inspection_minutes m WHERE m.inspection_id = i.id), ',' ORDER BY i.state)
            FROM inspections i
            """, database: db) == "concluded:1,in_progress:0")
        #expect(try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM inspection_items i JOIN inspections p ON p.id = i.inspection_id WHERE p.state = 'concluded' AND i.verdict = 'pending'",
            database: db) == "0")
        #expect(try await TestEnvironment.ownerValue(
            "SELECT string_agg(state, ',' ORDER BY state) FROM follow_ups", database: db)?.hasPrefix("done,open") == true)
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM corrections c JOIN correction_minutes m ON m.correction_id = c.id
            WHERE c.state IN ('consented', 'completed')
              AND (SELECT count(*) FROM correction_confirmations f WHERE f.correction_id = c.id)
                  = (SELECT count(*) FROM correction_witnesses w WHERE w.correction_id = c.id)
            """, database: db) == "1")
        #expect(try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM report_jobs WHERE state = 'done' AND sha256 IS NOT NULL", database: db) == "1")

        // The acts' times are their past instants, not today's: no time they wrote is within the last day
        // (the concluded inspection weeks ago, the one in progress started two days ago, the correction
        // last week, the report asked for yesterday), and each act's times follow its steps.
        let cutoff = "to_timestamp(\(now - 86_400))"
        let corrected = "(SELECT obligation_id FROM corrections)"
        let recent = try await TestEnvironment.ownerValue("""
            SELECT string_agg(name, ',' ORDER BY name) FROM (
                SELECT 'inspections' AS name FROM inspections WHERE greatest(planned_at, started_at, concluded_at, closed_at, cancelled_at) >= \(cutoff)
                UNION ALL SELECT 'inspection_items' FROM inspection_items WHERE greatest(viewed_at, marked_at) >= \(cutoff)
                UNION ALL SELECT 'inspection_findings' FROM inspection_findings WHERE created_at >= \(cutoff)
                UNION ALL SELECT 'follow_ups' FROM follow_ups WHERE greatest(created_at, done_at) >= \(cutoff)
                UNION ALL SELECT 'inspection_minutes' FROM inspection_minutes WHERE issued_at >= \(cutoff)
                UNION ALL SELECT 'corrections' FROM corrections WHERE greatest(requested_at, decided_at) >= \(cutoff)
                UNION ALL SELECT 'correction_witnesses' FROM correction_witnesses WHERE named_at >= \(cutoff)
                UNION ALL SELECT 'correction_confirmations' FROM correction_confirmations WHERE confirmed_at >= \(cutoff)
                UNION ALL SELECT 'correction_minutes' FROM correction_minutes WHERE issued_at >= \(cutoff)
                UNION ALL SELECT 'record_versions' FROM record_versions
                    WHERE obligation_id IN \(corrected) AND greatest(uploaded_at, superseded_at) >= \(cutoff)
                UNION ALL SELECT 'workflow_events' FROM workflow_events WHERE obligation_id IN \(corrected) AND at >= \(cutoff)
                UNION ALL SELECT 'obligations' FROM obligations WHERE id IN \(corrected) AND last_event_at >= \(cutoff)
                UNION ALL SELECT 'report_jobs' FROM report_jobs WHERE greatest(created_at, started_at, heartbeat_at, finished_at) >= \(cutoff)
                UNION ALL SELECT 'blobs' FROM blobs WHERE created_at >= \(cutoff) AND sha256 IN (
                    SELECT sha256 FROM inspection_minutes UNION SELECT sha256 FROM correction_minutes UNION SELECT sha256 FROM report_jobs
                    UNION SELECT sha256 FROM record_versions WHERE correction_id IS NOT NULL)
            ) x
            """, database: db)
        #expect(recent == nil, "rows stamped within the last day: \(recent ?? "")")
        // Planned, started, every line marked, each finding then its actions, concluded with the minutes,
        // an action done since (each condition apart, so that a failure names it).
        let concludedOrder = try await TestEnvironment.ownerValue("""
            SELECT concat_ws(',', i.planned_at < i.started_at,
                i.started_at < (SELECT min(marked_at) FROM inspection_items WHERE inspection_id = i.id),
                (SELECT max(marked_at) FROM inspection_items WHERE inspection_id = i.id)
                    < (SELECT min(created_at) FROM inspection_findings WHERE inspection_id = i.id),
                NOT EXISTS (SELECT 1 FROM follow_ups f JOIN inspection_findings g ON g.id = f.finding_id
                            WHERE f.inspection_id = i.id AND f.created_at <= g.created_at),
                (SELECT max(created_at) FROM follow_ups WHERE inspection_id = i.id) < i.concluded_at,
                i.concluded_at = (SELECT issued_at FROM inspection_minutes WHERE inspection_id = i.id),
                i.concluded_at < (SELECT done_at FROM follow_ups WHERE inspection_id = i.id AND state = 'done'))
            FROM inspections i WHERE i.state = 'concluded'
            """, database: db)
        #expect(concludedOrder == "t,t,t,t,t,t,t", "\(concludedOrder ?? "")")
        let inProgressOrder = try await TestEnvironment.ownerValue("""
            SELECT concat_ws(',', i.planned_at < i.started_at,
                i.started_at < (SELECT min(marked_at) FROM inspection_items WHERE inspection_id = i.id), i.concluded_at IS NULL)
            FROM inspections i WHERE i.state = 'in_progress'
            """, database: db)
        #expect(inProgressOrder == "t,t,t", "\(inProgressOrder ?? "")")
        // Asked for, decided with the witnesses named, the corrected version submitted (the old one superseded then),
        // the minutes issued, then confirmed; the record's last event is the submission.
        #expect(try await TestEnvironment.ownerValue("""
            SELECT bool_and(c.requested_at < c.decided_at
                AND c.decided_at = ALL (SELECT named_at FROM correction_witnesses WHERE correction_id = c.id)
                AND c.decided_at < v.uploaded_at AND v.uploaded_at = (SELECT superseded_at FROM record_versions WHERE id = c.superseded_version_id)
                AND v.uploaded_at < m.issued_at AND m.issued_at < (SELECT min(confirmed_at) FROM correction_confirmations WHERE correction_id = c.id)
                AND (SELECT last_event_at FROM obligations WHERE id = c.obligation_id) = v.uploaded_at
                AND (SELECT at FROM workflow_events WHERE version_id = v.id AND kind = 'submit') = v.uploaded_at)::text
            FROM corrections c JOIN record_versions v ON v.correction_id = c.id JOIN correction_minutes m ON m.correction_id = c.id
            """, database: db) == "true")
        #expect(try await TestEnvironment.ownerValue(
            "SELECT bool_and(created_at <= started_at AND started_at <= finished_at AND heartbeat_at <= finished_at)::text FROM report_jobs",
            database: db) == "true")
        let verified = try await withDatabase(try world.database.appURL) { pool in
            try await AuditStore(database: pool, logger: TestEnvironment.logger).verify(tenantID: tenantID)
        }
        #expect(verified.firstBroken == nil, "\(verified)")
    }

    static let secret = "demo-key-store-secret"
    static let password = "demo-p12-password"

    /// What make run sets up: a demo CA trusted by the tenant, keys of the approvers and the schools'
    /// seals, valid since before the school year (scripts/pki.sh), imported as `hoso keys import` does.
    static func loadKeys(_ world: TestWorld, keys: String) async throws {
        let pki = try TestEnvironment.temporaryDirectory("pki")
        let script = try TestEnvironment.repoDirectory + "/scripts/pki.sh"
        let (start, end) = ("20250801000000Z", "20300101000000Z")
        let holders: [(String, SignatureStore.Owner, String)] = [
            ("s1.principal", .person(login: "s1.principal"), "rsa"), ("s1.vice", .person(login: "s1.vice"), "ec"),
            ("d1.inspector", .person(login: "d1.inspector"), "ec"), ("S01", .unit(code: "S01"), "rsa"),
        ]
        var arguments = [["ca", pki, "root", "/CN=Hoso Demo Test CA", start, end]]
        for (name, _, kind) in holders { arguments.append(["issue", pki, "root", name, "/CN=\(name)", kind, start, end]) }
        for argument in arguments {
            let result = try Tool.run(script, argument, environment: ["HOSO_PKI_PASSWORD": password])
            guard result.status == 0 else { throw HosoError("test.pki", ["output": result.output]) }
        }
        let schema = try SigningService.loadSchema(webDirectory: try TestEnvironment.repoDirectory + "/web")
        let store = try PKCS12KeyStore(directory: keys, secret: secret, schema: schema)
        try await withDatabase(try world.database.appURL) { pool in
            let signatures = SignatureStore(database: pool, logger: TestEnvironment.logger)
            let tenant = try #require(try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
            let root = [UInt8](try Data(contentsOf: URL(fileURLWithPath: pki + "/root.pem")))
            _ = try await signatures.addRoots(tenantID: tenant.id, [(try Certificates.read(pem: root)[0], String(decoding: root, as: UTF8.self))],
                                              source: "test", actorLogin: "test")
            for (name, owner, _) in holders {
                let imported = try store.importKey([UInt8](try Data(contentsOf: URL(fileURLWithPath: pki + "/\(name).p12"))),
                                                   password: password, tenant: "demo")
                _ = try await signatures.register(tenantID: tenant.id, owner: owner, certificate: imported.certificate, pem: imported.pem,
                                                  keyReference: imported.reference, actorLogin: "test")
            }
        }
    }
}
