import Foundation
import HosoCore
import Logging
import PostgresNIO

/// What a merger moved (or, in a dry run, would move).
public struct TenantMergeReport: Sendable {
    /// Rows of the source per tenant-owned table, sorted by table name.
    public var rows: [(table: String, count: Int64)] = []
    /// What happens to each table's rows (`moved`, `kept`: stays with the frozen source, `dropped`, `recounted`).
    public var fate: [String: String] = [:]
    public var plan: TenantMerge.Plan?
    /// Every reason the merger may not happen (a dry run lists them; a real run throws them).
    public var refusals: [HosoError] = []
    public var dryRun = false
    /// The hash of the source's closing `tenant.merged` entry, hex (nil in a dry run).
    public var sourceHead: String?
    public var seconds = 0.0
}

/// A province merger, persisted: every tenant-owned row of the source moves into the target in one
/// transaction, under one lock, so an interrupted merger leaves nothing moved and a second run does it.
/// Runs as the database owner (rows change tenant, which row-level security forbids the application).
public struct TenantMergeStore: Sendable {
    let database: Database
    let logger: Logger
    let clock: any WallClock

    public init(owner database: Database, clock: any WallClock, logger: Logger) {
        self.database = database
        self.clock = clock
        self.logger = logger
    }

    /// Stay with the frozen source. audit_log: each entry's hash covers the tenant id, so moving a row
    /// would break the chain; the target reads it through a policy (migration 0012). school_calendars
    /// and tenant_xml_schemas: one per year / the newest per record type applies, so the source's would
    /// replace the target's; the moved items keep their due weeks, computed when they were planned.
    static let kept: Set<String> = ["audit_log", "school_calendars", "tenant_xml_schemas"]
    /// The source's sessions and sign-in attempts end: its people sign in to the target now.
    /// Its kept counts and derived paths go: the target's are recomputed from the moved rows and
    /// the history (`hoso_tree_rebuild`).
    static let dropped: Set<String> = [
        "sessions", "sign_in_attempts", "compliance_counts", "signature_counts", "owner_counts", "unit_paths", "digest_runs",
    ]

    /// `on`: the merger's date (`yyyy-MM-dd`), from which the source's department hangs under the target's root.
    public func merge(from sourceCode: String, into targetCode: String, on date: String, map: [String: String],
                      dryRun: Bool) async throws -> TenantMergeReport {
        let logger = self.logger
        let clock = self.clock
        let started = Date()
        var report = try await database.withTransaction { connection in
            if dryRun { try await connection.run("SET TRANSACTION READ ONLY", logger: logger) }
            // One merger at a time, and no tenant import meanwhile: a second merger waits here, then finds
            // its source frozen (or goes on, when the first failed and left nothing).
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext('hoso.tenant_merge'))", logger: logger)
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext('hoso.tenant_import'))", logger: logger)
            let source = try await Self.side(sourceCode, lock: !dryRun, connection, logger: logger)
            let target = try await Self.side(targetCode, lock: !dryRun, connection, logger: logger)

            var report = TenantMergeReport()
            report.dryRun = dryRun
            let tables = try await Self.tenantTables(connection, logger: logger)
            for table in tables {
                let count = try await connection.fetch(
                    "SELECT count(*) FROM \(unescaped: table) WHERE tenant_id = \(source.id)", Int64.self, logger: logger)[0]
                report.rows.append((table, count))
                report.fate[table] = Self.kept.contains(table) ? "kept" : Self.dropped.contains(table) ? "dropped" : "moved"
            }
            var refusals: [HosoError] = []
            let plan: TenantMerge.Plan?
            switch TenantMerge.plan(source: source.side, target: target.side, map: map) {
            case .success(let made): plan = made
            case .failure(let errors): plan = nil; refusals = errors.errors
            }
            // A signing key registered in both: its one registry entry cannot belong to two places.
            let sharedKeys = try await connection.fetch("""
                SELECT s.fingerprint FROM signing_keys s JOIN signing_keys t ON t.fingerprint = s.fingerprint
                WHERE s.tenant_id = \(source.id) AND t.tenant_id = \(target.id) ORDER BY 1
                """, String.self, logger: logger)
            refusals += sharedKeys.map { HosoError("tenant.merge_key_clash", ["fingerprint": $0, "tenant": targetCode]) }
            report.plan = plan
            report.refusals = refusals
            if dryRun { return report }
            guard let plan, refusals.isEmpty else { throw HosoErrors(refusals) }

            try await Self.move(source: source, target: target, plan: plan, date: date, tables: tables, connection, logger: logger)

            // The source's chain is closed; the target's records where it ended.
            let moved = report.rows.filter { report.fate[$0.table] == "moved" }.reduce(0) { $0 + $1.count }
            try await connection.run("SELECT set_config('hoso.tenant_id', \(String(source.id)), true)", logger: logger)
            try await AuditStore.append(tenantID: source.id, AuditEvent(
                actorUserID: nil, actorLogin: "cli", action: "tenant.merged", subject: "tenant:\(targetCode)",
                details: ["into": targetCode, "target_tenant_id": String(target.id), "on": date, "rows": String(moved)]
            ), on: connection, clock: clock, logger: logger)
            let (entries, head) = try await connection.fetch("""
                SELECT count(*), (SELECT encode(hash, 'hex') FROM audit_log WHERE tenant_id = \(source.id) ORDER BY seq DESC LIMIT 1)
                FROM audit_log WHERE tenant_id = \(source.id)
                """, (Int64, String).self, logger: logger)[0]
            try await connection.run("SELECT set_config('hoso.tenant_id', \(String(target.id)), true)", logger: logger)
            try await AuditStore.append(tenantID: target.id, AuditEvent(
                actorUserID: nil, actorLogin: "cli", action: "tenant.merged_in", subject: "tenant:\(sourceCode)",
                details: ["from": sourceCode, "source_tenant_id": String(source.id), "on": date, "source_head": head,
                          "source_entries": String(entries), "rows": String(moved)]
            ), on: connection, clock: clock, logger: logger)
            report.sourceHead = head
            return report
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    struct Loaded {
        let id: Int64
        let side: TenantMerge.Side
    }

    /// `lock`: hold the tenant's row to the end (a read-only dry run cannot, and needs not).
    static func side(_ code: String, lock: Bool, _ connection: PostgresConnection, logger: Logger) async throws -> Loaded {
        guard let (id, directoryJSON, rulesJSON, extrasJSON, frozen) = try await connection.fetch("""
            SELECT id, directory::text, group_rules::text, directories::text, frozen_at IS NOT NULL
            FROM tenants WHERE code = \(code) \(unescaped: lock ? "FOR UPDATE" : "")
            """, (Int64, String, String, String, Bool).self, logger: logger).first else {
            throw HosoError("tenant.merge_unknown_tenant", ["tenant": code])
        }
        let decoder = JSONDecoder()
        let directory = try decoder.decode(DirectorySettings?.self, from: Data(directoryJSON.utf8))
        let rules = try decoder.decode([GroupRule].self, from: Data(rulesJSON.utf8))
        let extras = try decoder.decode([ExtraDirectory].self, from: Data(extrasJSON.utf8))
        let codes = try await connection.fetch("SELECT code FROM units WHERE tenant_id = \(id)", String.self, logger: logger)
        // People of its own directory (and local administrators) get the login domain; others have theirs already.
        let logins = try await connection.fetch(
            "SELECT login FROM users WHERE tenant_id = \(id) AND directory IS NULL", String.self, logger: logger)
        let audit = try await AuditStore.verify(tenantID: id, on: connection, logger: logger)
        return Loaded(id: id, side: TenantMerge.Side(code: code, frozen: frozen, directory: directory, unitCodes: codes,
                                                     logins: logins, auditBrokenAt: audit.firstBroken, groupRules: rules,
                                                     extras: extras))
    }

    /// Every table with a tenant_id, from the catalog: a table added later moves without a change here.
    static func tenantTables(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        let names = try await connection.fetch("""
            SELECT c.table_name::text FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
            ORDER BY 1
            """, String.self, logger: logger)
        // They are spliced into SQL as identifiers: only plain snake_case names are accepted.
        for name in names where !name.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }) {
            throw HosoError("tenant.merge_bad_table", ["table": name])
        }
        return names
    }

    static func move(source: Loaded, target: Loaded, plan: TenantMerge.Plan, date: String, tables: [String],
                     _ connection: PostgresConnection, logger: Logger) async throws {
        let s = source.id, t = target.id
        // The count trigger stands aside (the owner's bulk-load switch): the target is recounted at the end.
        try await connection.run("SELECT set_config('hoso.bulk_load', 'on', true)", logger: logger)
        guard let (targetRoot, targetPath) = try await connection.fetch("""
            SELECT id, path::text FROM units WHERE tenant_id = \(t) AND parent_id IS NULL ORDER BY closes_on IS NOT NULL, id LIMIT 1
            """, (Int64, String).self, logger: logger).first,
            let sourceRoot = try await connection.fetch("""
            SELECT id FROM units WHERE tenant_id = \(s) AND parent_id IS NULL ORDER BY closes_on IS NOT NULL, id LIMIT 1
            """, Int64.self, logger: logger).first else {
            throw HosoError("tenant.no_root")
        }

        // Blobs are named by (tenant, hash): the target gets its own row of each before anything names it.
        try await connection.run("""
            INSERT INTO blobs (tenant_id, sha256, size, media_type, created_at)
            SELECT \(t), sha256, size, media_type, created_at FROM blobs WHERE tenant_id = \(s)
            ON CONFLICT (tenant_id, sha256) DO NOTHING
            """, logger: logger)

        // Signatures name their key's owner as they were: the keys keep that name through the re-coding.
        try await connection.run("""
            UPDATE signing_keys k SET owner_as = coalesce(k.owner_as, u.login, un.code)
            FROM signing_keys x LEFT JOIN users u ON u.id = x.owner_user_id LEFT JOIN units un ON un.id = x.owner_unit_id
            WHERE x.id = k.id AND k.tenant_id = \(s)
            """, logger: logger)

        // The tree: every source unit under the target's root (paths gain its path), codes re-coded.
        let olds = plan.recodes.map(\.from), news = plan.recodes.map(\.to)
        try await connection.run("""
            UPDATE units u SET tenant_id = \(t), merged_from = \(s), path = \(targetPath)::ltree || u.path, updated_at = now(),
                code = coalesce((SELECT m.new_code FROM unnest(\(olds)::text[], \(news)::text[]) AS m (old_code, new_code) WHERE m.old_code = u.code), u.code)
            WHERE u.tenant_id = \(s)
            """, logger: logger)
        // The source's department: a closed unit of the target, under its root from the merger's date.
        try await connection.run("""
            UPDATE units SET parent_id = \(targetRoot), closes_on = coalesce(closes_on, \(date)::date)
            WHERE id = \(sourceRoot)
            """, logger: logger)
        try await connection.run("UPDATE unit_parent_history SET tenant_id = \(t) WHERE tenant_id = \(s)", logger: logger)
        try await connection.run("""
            UPDATE unit_parent_history SET valid_to = \(date)::date WHERE unit_id = \(sourceRoot) AND valid_to IS NULL
            """, logger: logger)
        try await connection.run("""
            INSERT INTO unit_parent_history (tenant_id, unit_id, parent_id, valid_from)
            VALUES (\(t), \(sourceRoot), \(targetRoot), \(date)::date)
            """, logger: logger)

        // People keep their directory: their login in the target is `login@<source code>`.
        try await connection.run("""
            UPDATE users SET tenant_id = \(t), directory = coalesce(directory, \(plan.loginDomain)),
                login = CASE WHEN directory IS NULL THEN login || '@' || \(plan.loginDomain) ELSE login END
            WHERE tenant_id = \(s)
            """, logger: logger)
        // The merged tenant keeps the source's directory, with its group rules, beside its own.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let directories = String(decoding: try encoder.encode(plan.directories), as: UTF8.self)
        try await connection.run("""
            UPDATE tenants SET directories = \(directories)::jsonb, updated_at = now() WHERE id = \(t)
            """, logger: logger)

        // History, never the target's current rule-set.
        try await connection.run("UPDATE rule_sets SET tenant_id = \(t), merged_from = \(s) WHERE tenant_id = \(s)", logger: logger)

        // A root both trust is trusted once; nothing refers to a root's row.
        try await connection.run("""
            DELETE FROM trust_roots r WHERE r.tenant_id = \(s)
              AND EXISTS (SELECT 1 FROM trust_roots o WHERE o.tenant_id = \(t) AND o.fingerprint = r.fingerprint)
            """, logger: logger)

        let handled: Set<String> = ["blobs", "units", "unit_parent_history", "users", "rule_sets"]
        for table in tables where Self.dropped.contains(table) {
            try await connection.run("DELETE FROM \(unescaped: table) WHERE tenant_id = \(s)", logger: logger)
        }
        for table in tables where !handled.contains(table) && !Self.kept.contains(table) && !Self.dropped.contains(table) {
            try await connection.run("UPDATE \(unescaped: table) SET tenant_id = \(t) WHERE tenant_id = \(s)", logger: logger)
        }
        // Nothing of the source names its blobs any more.
        try await connection.run("DELETE FROM blobs WHERE tenant_id = \(s)", logger: logger)

        // Frozen, kept for retention; its host names now redirect to the target.
        try await connection.run("""
            UPDATE tenants SET frozen_at = now(), merged_into = \(t), updated_at = now() WHERE id = \(s)
            """, logger: logger)

        // The target's dated paths (the source's department under its root from the merger's date),
        // today's tree and every kept count, both bases, recomputed whole from the rows: figures of
        // the source's past periods stand as they stood, under its department.
        try await connection.run(
            "SELECT hoso_tree_rebuild(\(t), (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)", logger: logger)
    }
}
