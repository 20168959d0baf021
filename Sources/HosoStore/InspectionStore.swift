import Foundation
import HosoCore
import Logging
import PostgresNIO

public struct InspectionRow: Sendable, Equatable {
    public let id: Int64
    public let kind: InspectionKind
    public let state: InspectionState
    public let title: String
    public let issuerUnitID: Int64
    public let symbol: String
    public let schoolYear: String
    public let periodFrom: LocalDate
    public let periodTo: LocalDate
    public let recordTypes: [String]
    public let place: String
    public let plannedOn: LocalDate
    public let plannedBy: String
    public let conclusions: String?
    public let recommendations: String?
    public let concludedAt: Int64?
    public let minutesNumber: String?
    public let minutesSHA256: String?
    public let minutesSize: Int64?
    public let scopeUnitIDs: [Int64]
}

public struct InspectionMember: Sendable, Equatable {
    public let userID: Int64
    public let login: String
    public let displayName: String
    public let leader: Bool
    public let roles: [Role]
}

public struct ChecklistItem: Sendable, Equatable {
    public let id: Int64
    public let obligationID: Int64
    public let unitID: Int64
    public let recordType: String
    public let periodKind: String
    public let periodNumber: Int
    public let ownerName: String?
    public let dueAt: Int64
    public let status: ObligationStatus
    public let verdict: Verdict
    public let note: String?
    public let viewedVersionID: Int64?
    public let viewedAt: Int64?
    public let markedBy: String?
    public let attachments: Int
}

public struct FindingRow: Sendable, Equatable {
    public let id: Int64
    public let itemID: Int64
    public let obligationID: Int64
    public let unitID: Int64
    public let recordType: String
    public let severity: FindingSeverity
    public let text: String
    public let createdBy: String
}

public struct FollowUpRow: Sendable, Equatable {
    public let id: Int64
    public let inspectionID: Int64
    public let findingID: Int64
    public let action: String
    public let ownerUserID: Int64
    public let ownerName: String
    public let dueOn: LocalDate
    public let state: FollowUpState
    public let doneAt: Int64?
    public let doneNote: String?
}

/// A person who might be named to an inspection or own a follow-up, with their grants.
public struct PersonGrants: Sendable, Equatable {
    public let userID: Int64
    public let login: String
    public let displayName: String
    public let grants: [Grant]
}

/// Planned versus done per unit for a school year: schools under the unit, schools that a
/// (not cancelled) inspection covers, and schools whose inspection has been concluded.
public struct CoverageLine: Sendable, Equatable {
    public let unitID: Int64
    public let schools: Int
    public let planned: Int
    public let done: Int
    public let inspections: Int
}

/// An inspection as a periodic report lists it.
public struct InspectionSummary: Sendable, Equatable {
    public let id: Int64
    public let kind: InspectionKind
    public let state: InspectionState
    public let title: String
    public let minutesNumber: String?
    public let concludedOn: String?
    public let items: Int
    public let nonCompliant: Int
    public let observations: Int
    public let shortcomings: Int
    public let violations: Int
    public let followUpsOpen: Int
    public let followUpsOverdue: Int
    public let followUpsDone: Int
}

/// Inspections in PostgreSQL: plans, checklists, findings, follow-ups and minutes. Every change
/// checks the inspection's state and the actor's place in it inside the transaction that makes
/// it, and leaves an audit entry.
public struct InspectionStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let columns = """
        i.id, i.kind, i.state, i.title, i.issuer_unit_id, i.symbol, i.school_year, i.period_from::text, i.period_to::text, i.record_types,
        i.place, i.planned_on::text, coalesce(p.display_name, ''), i.conclusions, i.recommendations,
        extract(epoch FROM i.concluded_at)::bigint, m.number, m.sha256, m.size,
        ARRAY(SELECT iu.unit_id FROM inspection_units iu WHERE iu.inspection_id = i.id ORDER BY iu.unit_id)
        FROM inspections i LEFT JOIN users p ON p.id = i.planned_by LEFT JOIN inspection_minutes m ON m.inspection_id = i.id
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [InspectionRow] {
        var result: [InspectionRow] = []
        for try await row in rows {
            let r = try row.decode((Int64, String, String, String, Int64, String, String, String, String, [String], String, String, String,
                                    String?, String?, Int64?, String?, String?, Int64?, [Int64]).self)
            guard let kind = InspectionKind(rawValue: r.1), let state = InspectionState(rawValue: r.2),
                  let from = LocalDate(iso: r.7), let to = LocalDate(iso: r.8), let planned = LocalDate(iso: r.11) else { continue }
            result.append(InspectionRow(id: r.0, kind: kind, state: state, title: r.3, issuerUnitID: r.4, symbol: r.5, schoolYear: r.6,
                                        periodFrom: from, periodTo: to, recordTypes: r.9, place: r.10, plannedOn: planned, plannedBy: r.12,
                                        conclusions: r.13, recommendations: r.14, concludedAt: r.15, minutesNumber: r.16,
                                        minutesSHA256: r.17, minutesSize: r.18, scopeUnitIDs: r.19))
        }
        return result
    }

    // MARK: - Reading

    public func inspection(tenantID: Int64, id: Int64) async throws -> InspectionRow? {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("SELECT \(unescaped: Self.columns) WHERE i.id = \(id)", logger: self.logger)).first
        }
    }

    /// Inspections issued by a unit of `unit`'s subtree or covering one (newest first).
    public func list(tenantID: Int64, under unitID: Int64, schoolYear: String?, limit: Int = 200) async throws -> [InspectionRow] {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns)
                WHERE (\(schoolYear)::text IS NULL OR i.school_year = \(schoolYear))
                  AND (EXISTS (SELECT 1 FROM units u, units top WHERE top.id = \(unitID) AND u.id = i.issuer_unit_id AND u.path <@ top.path)
                       OR EXISTS (SELECT 1 FROM inspection_units iu JOIN units u ON u.id = iu.unit_id, units top
                                  WHERE top.id = \(unitID) AND iu.inspection_id = i.id AND (u.path <@ top.path OR top.path <@ u.path)))
                ORDER BY i.id DESC LIMIT \(limit)
                """, logger: self.logger))
        }
    }

    /// The inspections someone is named to, open ones first.
    public func assigned(tenantID: Int64, userID: Int64) async throws -> [InspectionRow] {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns)
                WHERE EXISTS (SELECT 1 FROM inspection_members im WHERE im.inspection_id = i.id AND im.user_id = \(userID))
                ORDER BY (i.state IN ('planned', 'in_progress')) DESC, i.id DESC LIMIT 200
                """, logger: self.logger))
        }
    }

    public func members(tenantID: Int64, id: Int64) async throws -> [InspectionMember] {
        try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT u.id, u.login, u.display_name, m.leader,
                       ARRAY(SELECT DISTINCT g.role FROM user_grants g WHERE g.user_id = u.id ORDER BY g.role)
                FROM inspection_members m JOIN users u ON u.id = m.user_id
                WHERE m.inspection_id = \(id) ORDER BY m.leader DESC, u.display_name
                """, (Int64, String, String, Bool, [String]).self, logger: self.logger).map {
                InspectionMember(userID: $0.0, login: $0.1, displayName: $0.2, leader: $0.3, roles: $0.4.compactMap(Role.init(rawValue:)))
            }
        }
    }

    public func checklist(tenantID: Int64, id: Int64, unitID: Int64? = nil, verdict: Verdict? = nil, limit: Int = 5_000) async throws -> [ChecklistItem] {
        try await database.withTenant(tenantID) { connection in
            var result: [ChecklistItem] = []
            let rows = try await connection.query("""
                SELECT it.id, it.obligation_id, it.unit_id, o.record_type, o.period_kind, o.period_number, ow.display_name,
                       extract(epoch FROM o.due_at)::bigint, o.status, it.verdict, it.note, it.viewed_version_id,
                       extract(epoch FROM it.viewed_at)::bigint, mb.display_name,
                       (SELECT count(*) FROM inspection_attachments a WHERE a.item_id = it.id)::int
                FROM inspection_items it JOIN obligations o ON o.id = it.obligation_id
                LEFT JOIN users ow ON ow.id = o.owner_user_id LEFT JOIN users mb ON mb.id = it.marked_by
                WHERE it.inspection_id = \(id) AND (\(unitID)::bigint IS NULL OR it.unit_id = \(unitID))
                  AND (\(verdict?.rawValue)::text IS NULL OR it.verdict = \(verdict?.rawValue))
                ORDER BY it.unit_id, o.record_type, o.period_number, o.due_at, it.id LIMIT \(limit)
                """, logger: self.logger)
            for try await r in rows.decode((Int64, Int64, Int64, String, String, Int, String?, Int64, String, String, String?, Int64?,
                                            Int64?, String?, Int).self) {
                result.append(ChecklistItem(id: r.0, obligationID: r.1, unitID: r.2, recordType: r.3, periodKind: r.4, periodNumber: r.5,
                                            ownerName: r.6, dueAt: r.7, status: ObligationStatus(rawValue: r.8) ?? .pending,
                                            verdict: Verdict(rawValue: r.9) ?? .pending, note: r.10, viewedVersionID: r.11, viewedAt: r.12,
                                            markedBy: r.13, attachments: r.14))
            }
            return result
        }
    }

    public func findings(tenantID: Int64, id: Int64) async throws -> [FindingRow] {
        try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT f.id, f.item_id, it.obligation_id, it.unit_id, o.record_type, f.severity, f.text, u.display_name
                FROM inspection_findings f JOIN inspection_items it ON it.id = f.item_id JOIN obligations o ON o.id = it.obligation_id
                JOIN users u ON u.id = f.created_by
                WHERE f.inspection_id = \(id) ORDER BY f.id
                """, (Int64, Int64, Int64, Int64, String, String, String, String).self, logger: self.logger).map {
                FindingRow(id: $0.0, itemID: $0.1, obligationID: $0.2, unitID: $0.3, recordType: $0.4,
                           severity: FindingSeverity(rawValue: $0.5) ?? .observation, text: $0.6, createdBy: $0.7)
            }
        }
    }

    public func followUps(tenantID: Int64, inspectionID: Int64? = nil, ownerUserID: Int64? = nil) async throws -> [FollowUpRow] {
        try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT f.id, f.inspection_id, f.finding_id, f.action, f.owner_user_id, u.display_name, f.due_on::text, f.state,
                       extract(epoch FROM f.done_at)::bigint, f.done_note
                FROM follow_ups f JOIN users u ON u.id = f.owner_user_id
                WHERE (\(inspectionID)::bigint IS NULL OR f.inspection_id = \(inspectionID))
                  AND (\(ownerUserID)::bigint IS NULL OR f.owner_user_id = \(ownerUserID))
                ORDER BY f.state, f.due_on, f.id LIMIT 1000
                """, (Int64, Int64, Int64, String, Int64, String, String, String, Int64?, String?).self, logger: self.logger).map {
                FollowUpRow(id: $0.0, inspectionID: $0.1, findingID: $0.2, action: $0.3, ownerUserID: $0.4, ownerName: $0.5,
                            dueOn: LocalDate(iso: $0.6) ?? LocalDate(dayNumber: 0), state: FollowUpState(rawValue: $0.7) ?? .open,
                            doneAt: $0.8, doneNote: $0.9)
            }
        }
    }

    /// People by login with their grants (to name inspectors and owners).
    public func people(tenantID: Int64, logins: [String]) async throws -> [PersonGrants] {
        guard !logins.isEmpty else { return [] }
        return try await database.withTenant(tenantID) { connection in
            let rows = try await connection.fetch("""
                SELECT u.id, u.login, u.display_name, g.role, g.unit_id, gu.code
                FROM users u LEFT JOIN user_grants g ON g.user_id = u.id LEFT JOIN units gu ON gu.id = g.unit_id
                WHERE u.login = ANY(\(logins)) ORDER BY u.id
                """, (Int64, String, String, String?, Int64?, String?).self, logger: self.logger)
            var people: [Int64: PersonGrants] = [:], order: [Int64] = []
            for row in rows {
                var grants = people[row.0]?.grants ?? []
                if people[row.0] == nil { order.append(row.0) }
                if let role = row.3.flatMap(Role.init(rawValue:)), let unit = row.4 { grants.append(Grant(role: role, unitID: unit, unitCode: row.5 ?? "")) }
                people[row.0] = PersonGrants(userID: row.0, login: row.1, displayName: row.2, grants: grants)
            }
            return order.compactMap { people[$0] }
        }
    }

    /// People who hold any of `roles` over some unit of `unit`'s ancestry or subtree (candidates
    /// for an inspection team or a follow-up), by name.
    public func candidates(tenantID: Int64, around unitID: Int64, roles: [Role]) async throws -> [PersonGrants] {
        let logins = try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT DISTINCT u.login, u.display_name FROM users u JOIN user_grants g ON g.user_id = u.id JOIN units gu ON gu.id = g.unit_id,
                       units top
                WHERE top.id = \(unitID) AND g.role = ANY(\(roles.map(\.rawValue))) AND (gu.path <@ top.path OR top.path <@ gu.path)
                ORDER BY u.display_name LIMIT 500
                """, (String, String).self, logger: self.logger).map(\.0)
        }
        return try await people(tenantID: tenantID, logins: logins)
    }

    // MARK: - Lifecycle

    /// Stores a plan checked by `InspectionRules` (content, the planner's right, the team's roles).
    public func create(_ actor: Actor, _ plan: InspectionPlan, schoolYear: String, plannedOn: LocalDate) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            guard let id = try await connection.fetch("""
                INSERT INTO inspections (tenant_id, kind, title, issuer_unit_id, symbol, school_year, period_from, period_to, record_types,
                                         place, planned_on, planned_by)
                VALUES (\(actor.tenantID), \(plan.kind.rawValue), \(Text.trimmed(plan.title)), \(plan.issuerUnitID), \(Text.trimmed(plan.symbol)),
                        \(schoolYear), \(plan.periodFrom.iso)::date, \(plan.periodTo.iso)::date, \(plan.recordTypes), \(Text.trimmed(plan.place)),
                        \(plannedOn.iso)::date, \(actor.userID))
                RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            try await connection.run("""
                INSERT INTO inspection_units (tenant_id, inspection_id, unit_id) SELECT \(actor.tenantID), \(id), unnest(\(plan.scopeUnitIDs))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.run("""
                INSERT INTO inspection_members (tenant_id, inspection_id, user_id, leader)
                SELECT \(actor.tenantID), \(id), u, u = \(plan.leaderUserID) FROM unnest(\(plan.inspectorUserIDs)) AS u ON CONFLICT DO NOTHING
                """, logger: logger)
            try await AuditStore.append(tenantID: actor.tenantID, AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: "inspection.plan", unitID: plan.issuerUnitID,
                subject: "inspection:\(id)", details: ["kind": plan.kind.rawValue, "title": Text.trimmed(plan.title),
                                                      "from": plan.periodFrom.iso, "to": plan.periodTo.iso]
            ), on: connection, logger: logger)
            return id
        }
    }

    struct Locked {
        let state: InspectionState
        let issuerUnitID: Int64
        let member: Bool
        let leader: Bool
    }

    static func lock(_ connection: PostgresConnection, _ actor: Actor, _ id: Int64, logger: Logger) async throws -> Locked {
        guard let row = try await connection.fetch("""
            SELECT i.state, i.issuer_unit_id, m.user_id IS NOT NULL, coalesce(m.leader, false)
            FROM inspections i LEFT JOIN inspection_members m ON m.inspection_id = i.id AND m.user_id = \(actor.userID)
            WHERE i.id = \(id) FOR UPDATE OF i
            """, (String, Int64, Bool, Bool).self, logger: logger).first, let state = InspectionState(rawValue: row.0) else {
            throw HosoError("inspection.not_found")
        }
        return Locked(state: state, issuerUnitID: row.1, member: row.2, leader: row.3)
    }

    static func audit(_ connection: PostgresConnection, _ actor: Actor, _ id: Int64, _ action: String, unitID: Int64?,
                      details: [String: String] = [:], logger: Logger) async throws {
        try await AuditStore.append(tenantID: actor.tenantID, AuditEvent(
            actorUserID: actor.userID, actorLogin: actor.login, action: action, unitID: unitID, subject: "inspection:\(id)", details: details
        ), on: connection, logger: logger)
    }

    /// Starts the inspection: the checklist is drawn from the obligations in scope (units, record
    /// types, items due in the period) as they stand now. Only a named inspector starts it.
    public func start(_ actor: Actor, id: Int64) async throws -> Int {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, id, logger: logger)
            guard locked.member else { throw HosoError("inspection.not_inspector") }
            let next = try InspectionRules.apply(.start, to: locked.state)
            // The obligations in scope: under a scope unit, due in the period, of the types (none: all).
            let count = try await connection.fetch("""
                SELECT count(DISTINCT o.id)::int
                FROM inspections i JOIN inspection_units iu ON iu.inspection_id = i.id JOIN units su ON su.id = iu.unit_id
                JOIN units u ON u.path <@ su.path JOIN obligations o ON o.unit_id = u.id
                WHERE i.id = \(id) AND NOT o.withdrawn
                  AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN i.period_from AND i.period_to
                  AND (cardinality(i.record_types) = 0 OR o.record_type = ANY(i.record_types))
                """, Int.self, logger: logger).first ?? 0
            guard count > 0 else { throw HosoError("inspection.empty_checklist") }
            guard count <= InspectionRules.maxChecklist else {
                throw HosoError("inspection.checklist_too_long", ["count": String(count), "max": String(InspectionRules.maxChecklist)])
            }
            try await connection.run("""
                INSERT INTO inspection_items (tenant_id, inspection_id, obligation_id, unit_id)
                SELECT DISTINCT \(actor.tenantID)::bigint, i.id, o.id, o.unit_id
                FROM inspections i JOIN inspection_units iu ON iu.inspection_id = i.id JOIN units su ON su.id = iu.unit_id
                JOIN units u ON u.path <@ su.path JOIN obligations o ON o.unit_id = u.id
                WHERE i.id = \(id) AND NOT o.withdrawn
                  AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN i.period_from AND i.period_to
                  AND (cardinality(i.record_types) = 0 OR o.record_type = ANY(i.record_types))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.run("UPDATE inspections SET state = \(next.rawValue), started_at = now() WHERE id = \(id)", logger: logger)
            try await Self.audit(connection, actor, id, "inspection.start", unitID: locked.issuerUnitID, details: ["items": String(count)], logger: logger)
            return count
        }
    }

    /// Cancels a plan that has not started; the planner's unit's officers decide that.
    public func cancel(_ actor: Actor, id: Int64, mayPlan: @Sendable @escaping (Int64) -> Bool) async throws {
        let logger = self.logger
        try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, id, logger: logger)
            guard mayPlan(locked.issuerUnitID) else { throw HosoError("scope.forbidden") }
            let next = try InspectionRules.apply(.cancel, to: locked.state)
            try await connection.run("UPDATE inspections SET state = \(next.rawValue), cancelled_at = now() WHERE id = \(id)", logger: logger)
            try await Self.audit(connection, actor, id, "inspection.cancel", unitID: locked.issuerUnitID, logger: logger)
        }
    }

    /// The item's inspection, while it is in progress and the actor is on its team.
    static func lockItem(_ connection: PostgresConnection, _ actor: Actor, inspectionID: Int64, itemID: Int64,
                         logger: Logger) async throws -> (Locked, Int64, Int64) {
        let locked = try await lock(connection, actor, inspectionID, logger: logger)
        guard locked.member else { throw HosoError("inspection.not_inspector") }
        guard locked.state == .inProgress else { throw HosoError("inspection.not_in_progress", ["state": locked.state.rawValue]) }
        guard let item = try await connection.fetch("""
            SELECT unit_id, obligation_id FROM inspection_items WHERE id = \(itemID) AND inspection_id = \(inspectionID)
            """, (Int64, Int64).self, logger: logger).first else { throw HosoError("inspection.item_not_found") }
        return (locked, item.0, item.1)
    }

    public func mark(_ actor: Actor, inspectionID: Int64, itemID: Int64, verdict: Verdict, note: String?) async throws {
        let note = note.map(Text.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        if let note, note.count > InspectionRules.maxText { throw HosoError("inspection.text_too_long", ["max": String(InspectionRules.maxText)]) }
        let logger = self.logger
        try await database.withTenant(actor.tenantID) { connection in
            let (_, unitID, obligationID) = try await Self.lockItem(connection, actor, inspectionID: inspectionID, itemID: itemID, logger: logger)
            try await connection.run("""
                UPDATE inspection_items SET verdict = \(verdict.rawValue), note = \(note), marked_by = \(actor.userID), marked_at = now()
                WHERE id = \(itemID)
                """, logger: logger)
            try await Self.audit(connection, actor, inspectionID, "inspection.mark", unitID: unitID,
                                 details: ["item": String(itemID), "obligation": String(obligationID), "verdict": verdict.rawValue], logger: logger)
        }
    }

    /// Notes that a member of an inspection in progress opened an item in scope (the version shown
    /// is the evidence) and logs the view with the inspection; false when the view is not part of it.
    public func recordView(_ actor: Actor, inspectionID: Int64, obligationID: Int64, versionID: Int64?) async throws -> Bool {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            guard let item = try await connection.fetch("""
                SELECT it.id, it.unit_id FROM inspection_items it JOIN inspections i ON i.id = it.inspection_id
                JOIN inspection_members m ON m.inspection_id = i.id AND m.user_id = \(actor.userID)
                WHERE it.inspection_id = \(inspectionID) AND it.obligation_id = \(obligationID) AND i.state = 'in_progress'
                """, (Int64, Int64).self, logger: logger).first else { return false }
            try await connection.run("""
                UPDATE inspection_items SET viewed_version_id = coalesce(\(versionID), viewed_version_id), viewed_at = now() WHERE id = \(item.0)
                """, logger: logger)
            try await AuditStore.append(tenantID: actor.tenantID, AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: "record.view", unitID: item.1, subject: "obligation:\(obligationID)",
                details: ["inspection": String(inspectionID), "version": versionID.map(String.init) ?? ""]
            ), on: connection, logger: logger)
            return true
        }
    }

    public func attach(_ actor: Actor, inspectionID: Int64, itemID: Int64, blob: StagedBlob, mediaType: String, filename: String) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let (_, unitID, _) = try await Self.lockItem(connection, actor, inspectionID: inspectionID, itemID: itemID, logger: logger)
            try await connection.run("""
                INSERT INTO blobs (tenant_id, sha256, size, media_type) VALUES (\(actor.tenantID), \(blob.sha256), \(blob.size), \(mediaType))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            guard let id = try await connection.fetch("""
                INSERT INTO inspection_attachments (tenant_id, item_id, sha256, size, media_type, filename, uploaded_by)
                VALUES (\(actor.tenantID), \(itemID), \(blob.sha256), \(blob.size), \(mediaType), \(filename), \(actor.userID)) RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            try await Self.audit(connection, actor, inspectionID, "inspection.attach", unitID: unitID,
                                 details: ["item": String(itemID), "sha256": blob.sha256, "filename": filename], logger: logger)
            return id
        }
    }

    public func addFinding(_ actor: Actor, inspectionID: Int64, itemID: Int64, severity: FindingSeverity, text: String) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let (_, unitID, _) = try await Self.lockItem(connection, actor, inspectionID: inspectionID, itemID: itemID, logger: logger)
            guard let id = try await connection.fetch("""
                INSERT INTO inspection_findings (tenant_id, inspection_id, item_id, severity, text, created_by)
                VALUES (\(actor.tenantID), \(inspectionID), \(itemID), \(severity.rawValue), \(text), \(actor.userID)) RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            try await Self.audit(connection, actor, inspectionID, "inspection.finding", unitID: unitID,
                                 details: ["finding": String(id), "item": String(itemID), "severity": severity.rawValue], logger: logger)
            return id
        }
    }

    /// A follow-up action on a finding, owned by someone who works in (or above) the finding's unit.
    public func addFollowUp(_ actor: Actor, inspectionID: Int64, findingID: Int64, ownerUserID: Int64, dueOn: LocalDate,
                            action: String) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            guard let finding = try await connection.fetch("""
                SELECT f.inspection_id, it.unit_id FROM inspection_findings f JOIN inspection_items it ON it.id = f.item_id
                WHERE f.id = \(findingID) AND f.inspection_id = \(inspectionID)
                """, (Int64, Int64).self, logger: logger).first else { throw HosoError("inspection.finding_not_found") }
            let locked = try await Self.lock(connection, actor, finding.0, logger: logger)
            guard locked.member else { throw HosoError("inspection.not_inspector") }
            guard locked.state == .inProgress || locked.state == .concluded else {
                throw HosoError("inspection.not_in_progress", ["state": locked.state.rawValue])
            }
            let ownerWorksThere = try await connection.fetch("""
                SELECT EXISTS (SELECT 1 FROM user_grants g JOIN units gu ON gu.id = g.unit_id, units fu
                               WHERE fu.id = \(finding.1) AND g.user_id = \(ownerUserID) AND fu.path <@ gu.path)
                """, Bool.self, logger: logger).first ?? false
            guard ownerWorksThere else { throw HosoError("inspection.owner_out_of_scope") }
            guard let id = try await connection.fetch("""
                INSERT INTO follow_ups (tenant_id, inspection_id, finding_id, action, owner_user_id, due_on, created_by)
                VALUES (\(actor.tenantID), \(finding.0), \(findingID), \(action), \(ownerUserID), \(dueOn.iso)::date, \(actor.userID)) RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            try await Self.audit(connection, actor, finding.0, "inspection.follow_up", unitID: finding.1,
                                 details: ["follow_up": String(id), "owner": String(ownerUserID), "due": dueOn.iso], logger: logger)
            return id
        }
    }

    /// Marks a follow-up done: its owner, or a member of the inspection team.
    /// The inspection a follow-up belongs to.
    public func followUpInspection(tenantID: Int64, id: Int64) async throws -> Int64? {
        try await database.withTenant(tenantID) { connection in
            try await connection.fetch("SELECT inspection_id FROM follow_ups WHERE id = \(id)", Int64.self, logger: self.logger).first
        }
    }

    /// `asTeam`: the actor is on the team and still holds an inspecting role over its scope.
    public func completeFollowUp(_ actor: Actor, id: Int64, note: String, asTeam: Bool) async throws {
        let note = Text.trimmed(note)
        guard !note.isEmpty else { throw HosoError("inspection.follow_up_note_required") }
        guard note.count <= InspectionRules.maxText else { throw HosoError("inspection.text_too_long", ["max": String(InspectionRules.maxText)]) }
        let logger = self.logger
        try await database.withTenant(actor.tenantID) { connection in
            guard let row = try await connection.fetch("""
                SELECT f.inspection_id, f.owner_user_id, f.state, it.unit_id FROM follow_ups f JOIN inspection_findings fi ON fi.id = f.finding_id
                JOIN inspection_items it ON it.id = fi.item_id WHERE f.id = \(id) FOR UPDATE OF f
                """, (Int64, Int64, String, Int64).self, logger: logger).first else { throw HosoError("inspection.follow_up_not_found") }
            let locked = try await Self.lock(connection, actor, row.0, logger: logger)
            guard row.1 == actor.userID || (locked.member && asTeam) else { throw HosoError("inspection.follow_up_not_yours") }
            guard row.2 == FollowUpState.open.rawValue else { throw HosoError("inspection.follow_up_done_already") }
            guard locked.state == .inProgress || locked.state == .concluded else {
                throw HosoError("inspection.not_in_progress", ["state": locked.state.rawValue])
            }
            try await connection.run("""
                UPDATE follow_ups SET state = 'done', done_by = \(actor.userID), done_at = now(), done_note = \(note) WHERE id = \(id)
                """, logger: logger)
            try await Self.audit(connection, actor, row.0, "inspection.follow_up_done", unitID: row.3, details: ["follow_up": String(id)], logger: logger)
        }
    }

    /// Concludes the inspection with its minutes. Under the inspection's lock (which every mark,
    /// finding and follow-up also takes, so nothing changes meanwhile) and the issuer's numbering
    /// lock, it takes the issuer's next number of the year and calls `draw` with it; `draw` reads
    /// the facts, renders the PDF and puts it in the blob store (synced). The minutes row, the
    /// conclusions and the new state then commit together, or nothing does.
    /// `sign`, when the leader signs digitally: the signed manifest of the drawn minutes, kept with them.
    public func conclude(_ actor: Actor, id: Int64, conclusions: String, recommendations: String?, year: Int, asTeam: Bool,
                         sign: (@Sendable (_ number: String, _ minutes: StagedBlob) async throws -> String)? = nil,
                         draw: @Sendable @escaping (_ number: String) async throws -> StagedBlob) async throws -> String {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, id, logger: logger)
            guard locked.leader, asTeam else { throw HosoError("inspection.leader_only") }
            let next = try InspectionRules.apply(.conclude, to: locked.state)
            let pending = try await connection.fetch("""
                SELECT count(*)::int FROM inspection_items WHERE inspection_id = \(id) AND verdict = 'pending'
                """, Int.self, logger: logger).first ?? 0
            try InspectionRules.checkConclusion(pending: pending, conclusions: conclusions)
            let numbering = "minutes:\(actor.tenantID):\(locked.issuerUnitID):\(year)"
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext(\(numbering)))", logger: logger)
            let symbol = try await connection.fetch("SELECT symbol FROM inspections WHERE id = \(id)", String.self, logger: logger).first ?? ""
            let sequence = (try await connection.fetch("""
                SELECT coalesce(max(sequence), 0)::int FROM inspection_minutes WHERE issuer_unit_id = \(locked.issuerUnitID) AND issued_year = \(year)
                """, Int.self, logger: logger).first ?? 0) + 1
            let number = InspectionRules.minutesNumber(sequence: sequence, symbol: symbol)
            let minutes = try await draw(number)
            let manifest = try await sign?(number, minutes)
            try await connection.run("""
                INSERT INTO blobs (tenant_id, sha256, size, media_type) VALUES (\(actor.tenantID), \(minutes.sha256), \(minutes.size), 'application/pdf')
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.run("""
                INSERT INTO inspection_minutes (tenant_id, inspection_id, issuer_unit_id, issued_year, sequence, number, sha256, size, issued_by, manifest_xml)
                VALUES (\(actor.tenantID), \(id), \(locked.issuerUnitID), \(year), \(sequence), \(number), \(minutes.sha256), \(minutes.size), \(actor.userID),
                        \(manifest))
                """, logger: logger)
            try await connection.run("""
                UPDATE inspections SET state = \(next.rawValue), concluded_at = now(), conclusions = \(Text.trimmed(conclusions)),
                       recommendations = \(recommendations.map(Text.trimmed)) WHERE id = \(id)
                """, logger: logger)
            try await Self.audit(connection, actor, id, "inspection.conclude", unitID: locked.issuerUnitID,
                                 details: ["number": number, "sha256": minutes.sha256, "size": String(minutes.size)], logger: logger)
            return number
        }
    }

    /// The signed manifest of an inspection's minutes, when its leader signed them.
    public func minutesManifest(tenantID: Int64, inspectionID: Int64) async throws -> String? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT manifest_xml FROM inspection_minutes WHERE tenant_id = \(tenantID) AND inspection_id = \(inspectionID)
                ORDER BY sequence DESC LIMIT 1
                """, String?.self, logger: logger).first ?? nil
        }
    }

    /// Closes a concluded inspection once every follow-up is done (its leader or its planners).
    public func close(_ actor: Actor, id: Int64, asTeam: Bool, mayPlan: @Sendable @escaping (Int64) -> Bool) async throws {
        let logger = self.logger
        try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, id, logger: logger)
            guard (locked.leader && asTeam) || mayPlan(locked.issuerUnitID) else { throw HosoError("inspection.leader_only") }
            let next = try InspectionRules.apply(.close, to: locked.state)
            let open = try await connection.fetch("""
                SELECT count(*)::int FROM follow_ups WHERE inspection_id = \(id) AND state = 'open'
                """, Int.self, logger: logger).first ?? 0
            try InspectionRules.checkClosure(openFollowUps: open)
            try await connection.run("UPDATE inspections SET state = \(next.rawValue), closed_at = now() WHERE id = \(id)", logger: logger)
            try await Self.audit(connection, actor, id, "inspection.close", unitID: locked.issuerUnitID, logger: logger)
        }
    }

    // MARK: - Figures

    /// Planned versus done per unit of `unitIDs` for a school year; nothing when the year has no
    /// inspection (the common case costs one probe). Schools are found through their ancestry
    /// (ids in their path) rather than `<@` on each unit: under row-level security the planner
    /// cannot use the path index for a non-leakproof operator, and a province's dashboard would
    /// scan the units once per child (1.5 s measured on 3,500 schools; this form, 30 ms).
    public func coverage(tenantID: Int64, unitIDs: [Int64], schoolYear: String) async throws -> [CoverageLine] {
        guard !unitIDs.isEmpty else { return [] }
        return try await database.withTenant(tenantID) { connection in
            let any = try await connection.fetch("""
                SELECT EXISTS (SELECT 1 FROM inspections WHERE school_year = \(schoolYear) AND state <> 'cancelled')
                """, Bool.self, logger: self.logger).first ?? false
            guard any else { return [] }
            return try await connection.fetch("""
                WITH schools AS (
                    SELECT s.id, string_to_array(s.path::text, '.')::bigint[] AS up FROM units s WHERE cardinality(s.school_levels) > 0
                ),
                covered AS (
                    SELECT DISTINCT sc.id AS school_id, i.id AS inspection_id, i.state
                    FROM inspections i JOIN inspection_units iu ON iu.inspection_id = i.id JOIN schools sc ON iu.unit_id = ANY(sc.up)
                    WHERE i.school_year = \(schoolYear) AND i.state <> 'cancelled'
                ),
                pairs AS (
                    SELECT a.unit_id, sc.id AS school_id FROM schools sc CROSS JOIN LATERAL unnest(sc.up) AS a(unit_id)
                    JOIN (SELECT unnest(\(unitIDs)::bigint[]) AS id) wanted ON wanted.id = a.unit_id
                )
                SELECT p.unit_id, count(DISTINCT p.school_id)::int, count(DISTINCT cv.school_id)::int,
                       count(DISTINCT cv.school_id) FILTER (WHERE cv.state IN ('concluded', 'closed'))::int,
                       count(DISTINCT cv.inspection_id)::int
                FROM pairs p LEFT JOIN covered cv ON cv.school_id = p.school_id
                GROUP BY p.unit_id
                """, (Int64, Int, Int, Int, Int).self, logger: self.logger).map {
                CoverageLine(unitID: $0.0, schools: $0.1, planned: $0.2, done: $0.3, inspections: $0.4)
            }
        }
    }

    /// The inspections touching `unitID`'s subtree whose period overlaps `from…to`, with their
    /// results and follow-up status as of `today`, counted over the subtree's units only (a
    /// school's report does not carry the other schools of a district inspection).
    public func summaries(tenantID: Int64, under unitID: Int64, from: LocalDate, to: LocalDate, today: LocalDate) async throws -> [InspectionSummary] {
        try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                WITH sub AS (SELECT u.id FROM units u, units top WHERE top.id = \(unitID) AND u.path <@ top.path),
                     items AS (SELECT it.* FROM inspection_items it WHERE it.unit_id IN (SELECT id FROM sub)),
                     findings AS (SELECT f.* FROM inspection_findings f JOIN items it ON it.id = f.item_id),
                     actions AS (SELECT a.* FROM follow_ups a JOIN findings f ON f.id = a.finding_id)
                SELECT i.id, i.kind, i.state, i.title, m.number, (m.issued_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date::text,
                       (SELECT count(*) FROM items it WHERE it.inspection_id = i.id)::int,
                       (SELECT count(*) FROM items it WHERE it.inspection_id = i.id AND it.verdict = 'non_compliant')::int,
                       (SELECT count(*) FROM findings f WHERE f.inspection_id = i.id AND f.severity = 'observation')::int,
                       (SELECT count(*) FROM findings f WHERE f.inspection_id = i.id AND f.severity = 'shortcoming')::int,
                       (SELECT count(*) FROM findings f WHERE f.inspection_id = i.id AND f.severity = 'violation')::int,
                       (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.state = 'open')::int,
                       (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.state = 'open' AND a.due_on < \(today.iso)::date)::int,
                       (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.state = 'done')::int
                FROM inspections i LEFT JOIN inspection_minutes m ON m.inspection_id = i.id
                WHERE i.state <> 'cancelled' AND i.period_from <= \(to.iso)::date AND i.period_to >= \(from.iso)::date
                  AND NOT (i.kind = 'surprise' AND i.state = 'planned')
                  AND EXISTS (SELECT 1 FROM inspection_units iu JOIN units u ON u.id = iu.unit_id, units top
                              WHERE top.id = \(unitID) AND iu.inspection_id = i.id AND (u.path <@ top.path OR top.path <@ u.path))
                ORDER BY i.period_from, i.id LIMIT 2000
                """, (Int64, String, String, String, String?, String?, Int, Int, Int, Int, Int, Int, Int, Int).self, logger: self.logger).map {
                InspectionSummary(id: $0.0, kind: InspectionKind(rawValue: $0.1) ?? .periodic, state: InspectionState(rawValue: $0.2) ?? .planned,
                                  title: $0.3, minutesNumber: $0.4, concludedOn: $0.5, items: $0.6, nonCompliant: $0.7, observations: $0.8,
                                  shortcomings: $0.9, violations: $0.10, followUpsOpen: $0.11, followUpsOverdue: $0.12, followUpsDone: $0.13)
            }
        }
    }
}
