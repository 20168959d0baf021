import HosoCore
import Logging
import PostgresNIO

/// The reads the demo's past (`DemoActs`, `hoso demo story`) picks its people, schools and records
/// with: who plans and who inspects where, the schools with the most told items, a role's holders,
/// and whether an act was already told. The acts themselves go through the app's stores; what this
/// writes is only the past's times (`Backdating`, below), on the database owner's connection.
public struct DemoStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public struct Team: Sendable, Equatable {
        public let unitID: Int64
        public let code: String
        public let plannerID: Int64
        public let inspectorID: Int64
    }

    /// Units where someone may plan an inspection and someone (signed in once) may conduct it, the
    /// deepest first (an office before the department).
    public func teams(tenantID: Int64) async throws -> [Team] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT DISTINCT ON (nlevel(x.path), x.code) x.id, x.code, p.user_id, i.user_id
                FROM units x
                JOIN user_grants p ON p.unit_id = x.id AND p.role IN ('district_officer', 'provincial_officer')
                JOIN user_grants i ON i.unit_id = x.id AND i.role IN ('district_inspector', 'provincial_inspector')
                WHERE x.tenant_id = \(tenantID) AND (x.closes_on IS NULL OR x.closes_on > current_date)
                ORDER BY nlevel(x.path) DESC, x.code, p.user_id, i.user_id
                """, (Int64, String, Int64, Int64).self, logger: logger).map {
                Team(unitID: $0.0, code: $0.1, plannerID: $0.2, inspectorID: $0.3)
            }
        }
    }

    /// The open schools under `unitID` with their items submitted so far, the most first.
    public func schools(tenantID: Int64, under unitID: Int64) async throws -> [(id: Int64, code: String, told: Int)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT s.id, s.code, count(o.id)::int
                FROM units x JOIN units s ON s.path <@ x.path AND cardinality(s.school_levels) > 0
                JOIN obligations o ON o.unit_id = s.id AND o.first_submitted_at IS NOT NULL
                WHERE x.id = \(unitID) AND x.tenant_id = \(tenantID) AND (s.closes_on IS NULL OR s.closes_on > current_date)
                GROUP BY s.id, s.code ORDER BY 3 DESC, s.code
                """, (Int64, String, Int).self, logger: logger).map { (id: $0.0, code: $0.1, told: $0.2) }
        }
    }

    /// Who holds `role` at the unit itself (signed in once: grants come from the directory then).
    public func holders(tenantID: Int64, unitID: Int64, role: Role) async throws -> [(id: Int64, login: String)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT DISTINCT u.id, u.login FROM user_grants g JOIN users u ON u.id = g.user_id
                WHERE g.tenant_id = \(tenantID) AND g.unit_id = \(unitID) AND g.role = \(role.rawValue)
                ORDER BY u.login
                """, (Int64, String).self, logger: logger).map { (id: $0.0, login: $0.1) }
        }
    }

    /// The record type with the most items at a school due between two dates, and their first and last due dates.
    public func commonType(tenantID: Int64, unitID: Int64, from: LocalDate, to: LocalDate) async throws -> String? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT o.record_type FROM obligations o
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(unitID) AND NOT o.withdrawn
                  AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN \(from.iso)::date AND \(to.iso)::date
                GROUP BY o.record_type ORDER BY count(*) DESC, o.record_type LIMIT 1
                """, String.self, logger: logger).first
        }
    }

    /// A school's locked items kept by a person whose last event was before `before`, oldest first:
    /// what a correction asked for at `before` may reopen.
    public func lockedItems(tenantID: Int64, unitID: Int64, before: Int64) async throws
        -> [(id: Int64, ruleSetID: Int64, recordType: String, ownerUserID: Int64)]
    {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT o.id, o.rule_set_id, o.record_type, o.owner_user_id FROM obligations o
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(unitID) AND o.state = 'locked' AND o.owner_user_id IS NOT NULL
                  AND o.last_event_at < to_timestamp(\(before))
                  AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.obligation_id = o.id)
                ORDER BY o.due_at, o.id
                """, (Int64, Int64, String, Int64).self, logger: logger).map {
                (id: $0.0, ruleSetID: $0.1, recordType: $0.2, ownerUserID: $0.3)
            }
        }
    }

    /// Whether an inspection with this title was planned by this unit (the demo's acts are told once).
    public func inspectionExists(tenantID: Int64, issuerUnitID: Int64, title: String) async throws -> Bool {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT EXISTS (SELECT 1 FROM inspections WHERE tenant_id = \(tenantID) AND issuer_unit_id = \(issuerUnitID)
                               AND title = \(title))
                """, Bool.self, logger: logger).first ?? false
        }
    }

    /// Whether a correction was asked for with this reason in the tenant.
    public func correctionExists(tenantID: Int64, reason: String) async throws -> Bool {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT EXISTS (SELECT 1 FROM corrections WHERE tenant_id = \(tenantID) AND reason = \(reason))
                """, Bool.self, logger: logger).first ?? false
        }
    }
}

// MARK: - Backdating

/// The past's times. The stores stamp what they write with the database's `now()`; the demo's acts
/// run today, so after each step these set the plain timestamp columns it wrote to the step's own
/// instant (epoch seconds, the instant its clock was set to). Only plain times: never the audit log
/// (a hash chain) nor what is hashed or signed (the minutes' PDFs and manifests carry the clock's
/// times already). The application may not update most of these rows (findings, minutes, events,
/// witnesses are history to it), so `DemoStore` must be on the database owner's connection here.
extension DemoStore {
    /// An inspection's own times (nil: left as they are); with its conclusion, its minutes' issue and their PDF's blob.
    public func backdateInspection(tenantID: Int64, id: Int64, plannedAt: Int64? = nil, startedAt: Int64? = nil,
                                   concludedAt: Int64? = nil) async throws {
        try await write(tenantID, """
            UPDATE inspections SET planned_at = coalesce(to_timestamp(\(plannedAt)::bigint), planned_at),
                                   started_at = coalesce(to_timestamp(\(startedAt)::bigint), started_at),
                                   concluded_at = coalesce(to_timestamp(\(concludedAt)::bigint), concluded_at)
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        guard let concludedAt else { return }
        try await write(tenantID, """
            UPDATE inspection_minutes SET issued_at = to_timestamp(\(concludedAt)) WHERE tenant_id = \(tenantID) AND inspection_id = \(id)
            """)
        try await write(tenantID, """
            UPDATE blobs b SET created_at = least(b.created_at, to_timestamp(\(concludedAt))) FROM inspection_minutes m
            WHERE b.tenant_id = \(tenantID) AND m.tenant_id = b.tenant_id AND m.inspection_id = \(id) AND b.sha256 = m.sha256
            """)
    }

    /// A line of a checklist marked (and, when it was opened, viewed) at `at`.
    public func backdateMark(tenantID: Int64, itemID: Int64, at: Int64) async throws {
        try await write(tenantID, """
            UPDATE inspection_items SET marked_at = CASE WHEN marked_at IS NULL THEN NULL ELSE to_timestamp(\(at)) END,
                                        viewed_at = CASE WHEN viewed_at IS NULL THEN NULL ELSE to_timestamp(\(at)) END
            WHERE tenant_id = \(tenantID) AND id = \(itemID)
            """)
    }

    public func backdateFinding(tenantID: Int64, id: Int64, at: Int64) async throws {
        try await write(tenantID, """
            UPDATE inspection_findings SET created_at = to_timestamp(\(at)) WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
    }

    /// A follow-up's creation and (when done) its completion (nil: left as it is).
    public func backdateFollowUp(tenantID: Int64, id: Int64, createdAt: Int64? = nil, doneAt: Int64? = nil) async throws {
        try await write(tenantID, """
            UPDATE follow_ups SET created_at = coalesce(to_timestamp(\(createdAt)::bigint), created_at),
                                  done_at = CASE WHEN done_at IS NULL THEN NULL ELSE coalesce(to_timestamp(\(doneAt)::bigint), done_at) END
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
    }

    /// A correction's request and decision (nil: left as it is): the correction's row, the witnesses
    /// the decision named, the record's events of that step and its last event.
    public func backdateCorrection(tenantID: Int64, id: Int64, requestedAt: Int64? = nil, decidedAt: Int64? = nil) async throws {
        try await write(tenantID, """
            UPDATE corrections SET requested_at = coalesce(to_timestamp(\(requestedAt)::bigint), requested_at),
                                   decided_at = CASE WHEN decided_at IS NULL THEN NULL
                                                     ELSE coalesce(to_timestamp(\(decidedAt)::bigint), decided_at) END
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        if let requestedAt { try await backdateRecord(tenantID: tenantID, correctionID: id, at: requestedAt) }
        if let decidedAt {
            try await write(tenantID, """
                UPDATE correction_witnesses SET named_at = to_timestamp(\(decidedAt)) WHERE tenant_id = \(tenantID) AND correction_id = \(id)
                """)
            try await backdateRecord(tenantID: tenantID, correctionID: id, at: decidedAt)
        }
    }

    /// The version a correction brought, submitted at `at`: its upload, the version it superseded,
    /// the record's events and last event and the version's blobs.
    public func backdateCorrectedVersion(tenantID: Int64, correctionID: Int64, at: Int64) async throws {
        try await write(tenantID, """
            UPDATE record_versions v SET superseded_at = to_timestamp(\(at)) FROM corrections c
            WHERE c.tenant_id = \(tenantID) AND c.id = \(correctionID) AND v.id = c.superseded_version_id AND v.superseded_at IS NOT NULL
            """)
        try await write(tenantID, """
            UPDATE blobs b SET created_at = least(b.created_at, to_timestamp(\(at)))
            FROM record_versions v JOIN record_documents d ON d.version_id = v.id
            WHERE v.tenant_id = \(tenantID) AND v.correction_id = \(correctionID) AND b.tenant_id = v.tenant_id AND b.sha256 = d.sha256
            """)
        try await write(tenantID, """
            UPDATE record_versions SET uploaded_at = to_timestamp(\(at)) WHERE tenant_id = \(tenantID) AND correction_id = \(correctionID)
            """)
        try await backdateRecord(tenantID: tenantID, correctionID: correctionID, at: at)
    }

    /// A correction's minutes issued at `at`: their row, their PDF's blob and the record's event.
    public func backdateCorrectionMinutes(tenantID: Int64, correctionID: Int64, at: Int64) async throws {
        try await write(tenantID, """
            UPDATE correction_minutes SET issued_at = to_timestamp(\(at)) WHERE tenant_id = \(tenantID) AND correction_id = \(correctionID)
            """)
        try await write(tenantID, """
            UPDATE blobs b SET created_at = least(b.created_at, to_timestamp(\(at))) FROM correction_minutes m
            WHERE m.tenant_id = \(tenantID) AND m.correction_id = \(correctionID) AND b.tenant_id = m.tenant_id AND b.sha256 = m.sha256
            """)
        try await backdateRecord(tenantID: tenantID, correctionID: correctionID, at: at)
    }

    /// A witness's confirmation of a correction's minutes at `at`, and the record's event.
    public func backdateConfirmation(tenantID: Int64, correctionID: Int64, userID: Int64, at: Int64) async throws {
        try await write(tenantID, """
            UPDATE correction_confirmations SET confirmed_at = to_timestamp(\(at))
            WHERE tenant_id = \(tenantID) AND correction_id = \(correctionID) AND user_id = \(userID)
            """)
        try await backdateRecord(tenantID: tenantID, correctionID: correctionID, at: at)
    }

    /// A report job asked for at `at`: its times move together (how long it ran stays as it was), and its file's blob.
    public func backdateReport(tenantID: Int64, id: Int64, at: Int64) async throws {
        try await write(tenantID, """
            UPDATE report_jobs SET created_at = to_timestamp(\(at)),
                                   started_at = started_at + (to_timestamp(\(at)) - created_at),
                                   heartbeat_at = heartbeat_at + (to_timestamp(\(at)) - created_at),
                                   finished_at = finished_at + (to_timestamp(\(at)) - created_at)
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """)
        try await write(tenantID, """
            UPDATE blobs b SET created_at = least(b.created_at, j.finished_at) FROM report_jobs j
            WHERE j.tenant_id = \(tenantID) AND j.id = \(id) AND b.tenant_id = j.tenant_id AND b.sha256 = j.sha256
            """)
    }

    /// What a step of the correction wrote on its record: its events (those later than `at`, as the
    /// story's own are all earlier: the record was locked before the correction was asked for) and
    /// the record's last event.
    func backdateRecord(tenantID: Int64, correctionID: Int64, at: Int64) async throws {
        try await write(tenantID, """
            UPDATE workflow_events e SET at = to_timestamp(\(at)) FROM corrections c
            WHERE c.tenant_id = \(tenantID) AND c.id = \(correctionID) AND e.obligation_id = c.obligation_id AND e.at > to_timestamp(\(at))
            """)
        try await write(tenantID, """
            UPDATE obligations o SET last_event_at = to_timestamp(\(at)) FROM corrections c
            WHERE c.tenant_id = \(tenantID) AND c.id = \(correctionID) AND o.id = c.obligation_id AND o.last_event_at > to_timestamp(\(at))
            """)
    }

    func write(_ tenantID: Int64, _ query: PostgresQuery) async throws {
        let logger = self.logger
        try await database.withTenant(tenantID) { connection in
            try await connection.run(query, logger: logger)
        }
    }
}
