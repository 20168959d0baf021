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
    /// The unit of the finding it follows.
    public let unit: UnitPosition

    /// What `InspectionDecisions.completeFollowUp` needs of it.
    public var ref: FollowUpRef { FollowUpRef(ownerUserID: ownerUserID, state: state, unit: unit) }
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

/// Inspections in PostgreSQL: plans, checklists, findings, follow-ups and minutes. Reading here;
/// the steps (each a snapshot under lock, a HosoCore decision, its outcome) in
/// `InspectionStore+Steps.swift`.
public struct InspectionStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let columns = """
        i.id, i.kind, i.state, i.title, i.issuer_unit_id, i.symbol, i.school_year, i.period_from::text,
            i.period_to::text, i.record_types,
        i.place, i.planned_on::text, coalesce(p.display_name, ''), i.conclusions, i.recommendations,
        extract(epoch FROM i.concluded_at)::bigint, m.number, m.sha256, m.size,
        ARRAY(SELECT iu.unit_id FROM inspection_units iu WHERE iu.inspection_id = i.id ORDER BY iu.unit_id)
        FROM inspections i LEFT JOIN users p ON p.id = i.planned_by LEFT
            JOIN inspection_minutes m ON m.inspection_id = i.id
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [InspectionRow] {
        var result: [InspectionRow] = []
        for try await row in rows {
            let r = try row.decode(
                (
                    Int64, String, String, String, Int64, String, String, String, String, [String], String, String,
                    String,
                    String?, String?, Int64?, String?, String?, Int64?, [Int64]
                ).self)
            guard let kind = InspectionKind(rawValue: r.1), let state = InspectionState(rawValue: r.2),
                let from = LocalDate(iso: r.7), let to = LocalDate(iso: r.8), let planned = LocalDate(iso: r.11)
            else { continue }
            result.append(
                InspectionRow(
                    id: r.0, kind: kind, state: state, title: r.3, issuerUnitID: r.4, symbol: r.5, schoolYear: r.6,
                    periodFrom: from, periodTo: to, recordTypes: r.9, place: r.10, plannedOn: planned, plannedBy: r.12,
                    conclusions: r.13, recommendations: r.14, concludedAt: r.15, minutesNumber: r.16,
                    minutesSHA256: r.17, minutesSize: r.18, scopeUnitIDs: r.19))
        }
        return result
    }

    // MARK: - Reading

    public func inspection(tenantID: Int64, id: Int64) async throws -> InspectionRow? {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(
                try await connection.query("SELECT \(unescaped: Self.columns) WHERE i.id = \(id)", logger: self.logger)
            ).first
        }
    }

    /// Inspections issued by a unit of `unit`'s subtree or covering one (newest first), as `viewer`
    /// may see them (`shownToViewer`).
    public func list(
        tenantID: Int64, under unitID: Int64, schoolYear: String?, viewer: InspectionViewer,
        limit: Int = 200
    ) async throws -> [InspectionRow] {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(
                try await connection.query(
                    """
                    SELECT \(unescaped: Self.columns)
                    CROSS JOIN (SELECT \(viewer.userID)::bigint AS user_id,
                        \(viewer.watchedUnits)::bigint[] AS watched) viewer
                    WHERE (\(schoolYear)::text IS NULL OR i.school_year = \(schoolYear))
                      AND (EXISTS (SELECT 1 FROM units u, units top
                                   WHERE top.id = \(unitID) AND u.id = i.issuer_unit_id AND u.path <@ top.path)
                           OR EXISTS (SELECT 1 FROM inspection_units iu JOIN units u ON u.id = iu.unit_id, units top
                                      WHERE top.id = \(unitID) AND iu.inspection_id = i.id AND (u.path <@ top.path
                                          OR top.path <@ u.path)))
                      AND \(unescaped: Self.shownToViewer)
                    ORDER BY i.id DESC LIMIT \(limit)
                    """, logger: self.logger))
        }
    }

    /// The SQL twin of `InspectionVisibility.counts` (HosoCore), for rows `i` of `inspections`
    /// found through a unit the viewer watches, with a relation `viewer(user_id, watched)` built
    /// from an `InspectionViewer`: a planned surprise is shown to its team and to whoever watches
    /// its issuing unit only. Every list, count and figure of inspections applies it;
    /// `InspectionVisibilityTests` checks that it agrees with the Swift rule.
    static let shownToViewer = """
        (NOT (i.kind = 'surprise' AND i.state = 'planned')
         OR EXISTS (SELECT 1 FROM inspection_members vm WHERE vm.inspection_id = i.id AND vm.user_id = viewer.user_id)
         OR EXISTS (SELECT 1 FROM units vu WHERE vu.id = i.issuer_unit_id
                    AND string_to_array(vu.path::text, '.')::bigint[] && viewer.watched))
        """

    /// Which of `ids` the SQL rule shows to `viewer` (the check that it agrees with HosoCore's).
    public func shown(tenantID: Int64, viewer: InspectionViewer, ids: [Int64]) async throws -> Set<Int64> {
        try await database.withTenant(tenantID) { connection in
            Set(
                try await connection.fetch(
                    """
                    SELECT i.id FROM inspections i
                    CROSS JOIN (SELECT \(viewer.userID)::bigint AS user_id,
                        \(viewer.watchedUnits)::bigint[] AS watched) viewer
                    WHERE i.id = ANY(\(ids)) AND \(unescaped: Self.shownToViewer)
                    """, Int64.self, logger: self.logger))
        }
    }

    /// Ancestry from a unit's path ("1.2.4": root first, the unit itself last).
    static func ancestry(_ path: String) -> [Int64] {
        path.split(separator: ".").compactMap { Int64($0) }
    }

    /// Inspections as their decisions see them (`forUpdate`: under their row locks).
    static func snapshots(
        _ connection: PostgresConnection, ids: [Int64], forUpdate: Bool,
        logger: Logger
    ) async throws -> [InspectionSnapshot] {
        let rows = try await connection.fetch(
            """
            SELECT i.id, i.tenant_id, i.kind, i.state, i.issuer_unit_id, iu.path::text,
                   EXISTS (SELECT 1 FROM inspection_minutes m WHERE m.inspection_id = i.id),
                   ARRAY(SELECT s.id FROM inspection_units x JOIN units s ON s.id = x.unit_id
                         WHERE x.inspection_id = i.id ORDER BY s.id),
                   ARRAY(SELECT coalesce(x.planned_path::text || ' ', '') || s.path::text
                         FROM inspection_units x JOIN units s ON s.id = x.unit_id
                         WHERE x.inspection_id = i.id ORDER BY s.id),
                   ARRAY(SELECT m.user_id FROM inspection_members m WHERE m.inspection_id = i.id ORDER BY m.user_id),
                   ARRAY(SELECT m.user_id FROM inspection_members m WHERE m.inspection_id = i.id AND m.leader)
            FROM inspections i JOIN units iu ON iu.id = i.issuer_unit_id
            WHERE i.id = ANY(\(ids)) ORDER BY i.id \(unescaped: forUpdate ? "FOR UPDATE OF i" : "")
            """, (Int64, Int64, String, String, Int64, String, Bool, [Int64], [String], [Int64], [Int64]).self,
            logger: logger)
        return rows.compactMap { r in
            guard let kind = InspectionKind(rawValue: r.2), let state = InspectionState(rawValue: r.3) else {
                return nil
            }
            // A unit in scope keeps the ancestors it had when the inspection was planned next to
            // today's: an inspection of a school that moves continues under its issuer.
            let scope = zip(r.7, r.8).map { unit, paths in
                let ancestries = paths.split(separator: " ").map { ancestry(String($0)) }
                var joined: [Int64] = []
                for id in ancestries.joined() where id != unit && !joined.contains(id) { joined.append(id) }
                return UnitPosition(tenantID: r.1, unitID: unit, ancestry: joined + [unit])
            }
            return InspectionSnapshot(
                id: r.0, kind: kind, state: state,
                issuer: UnitPosition(tenantID: r.1, unitID: r.4, ancestry: ancestry(r.5)),
                scope: scope, team: r.9.map { InspectionSnapshot.TeamMember(userID: $0, leader: r.10.contains($0)) },
                hasMinutes: r.6
            )
        }
    }

    /// Inspections as their decisions see them, read without a lock (what a page offers).
    public func snapshots(tenantID: Int64, ids: [Int64]) async throws -> [Int64: InspectionSnapshot] {
        guard !ids.isEmpty else { return [:] }
        return try await database.withTenant(tenantID) { connection in
            Dictionary(
                try await Self.snapshots(connection, ids: ids, forUpdate: false, logger: self.logger).map {
                    ($0.id, $0)
                }
            ) { a, _ in a }
        }
    }

    /// The inspections someone is named to, open ones first.
    public func assigned(tenantID: Int64, userID: Int64) async throws -> [InspectionRow] {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(
                try await connection.query(
                    """
                    SELECT \(unescaped: Self.columns)
                    WHERE EXISTS (SELECT 1 FROM inspection_members im WHERE im.inspection_id = i.id
                        AND im.user_id = \(userID))
                    ORDER BY (i.state IN ('planned', 'in_progress')) DESC, i.id DESC LIMIT 200
                    """, logger: self.logger))
        }
    }

    public func members(tenantID: Int64, id: Int64) async throws -> [InspectionMember] {
        try await database.withTenant(tenantID) { connection in
            try await connection.fetch(
                """
                SELECT u.id, u.login, u.display_name, m.leader,
                       ARRAY(SELECT DISTINCT g.role FROM user_grants g WHERE g.user_id = u.id ORDER BY g.role)
                FROM inspection_members m JOIN users u ON u.id = m.user_id
                WHERE m.inspection_id = \(id) ORDER BY m.leader DESC, u.display_name
                """, (Int64, String, String, Bool, [String]).self, logger: self.logger
            ).map {
                InspectionMember(
                    userID: $0.0, login: $0.1, displayName: $0.2, leader: $0.3,
                    roles: $0.4.compactMap(Role.init(rawValue:)))
            }
        }
    }

    public func checklist(
        tenantID: Int64, id: Int64, unitID: Int64? = nil, verdict: Verdict? = nil, limit: Int = 5_000
    ) async throws -> [ChecklistItem] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.checklist(connection, id: id, unitID: unitID, verdict: verdict, limit: limit, logger: logger)
        }
    }

    static func checklist(
        _ connection: PostgresConnection, id: Int64, unitID: Int64? = nil, verdict: Verdict? = nil, limit: Int,
        logger: Logger
    ) async throws -> [ChecklistItem] {
        var result: [ChecklistItem] = []
        let rows = try await connection.query(
            """
            SELECT it.id, it.obligation_id, it.unit_id, o.record_type, o.period_kind, o.period_number,
                ow.display_name,
                   extract(epoch FROM o.due_at)::bigint, o.status, it.verdict, it.note, it.viewed_version_id,
                   extract(epoch FROM it.viewed_at)::bigint, mb.display_name,
                   (SELECT count(*) FROM inspection_attachments a WHERE a.item_id = it.id)::int
            FROM inspection_items it JOIN obligations o ON o.id = it.obligation_id
            LEFT JOIN users ow ON ow.id = o.owner_user_id LEFT JOIN users mb ON mb.id = it.marked_by
            WHERE it.inspection_id = \(id) AND (\(unitID)::bigint IS NULL OR it.unit_id = \(unitID))
              AND (\(verdict?.rawValue)::text IS NULL OR it.verdict = \(verdict?.rawValue))
            ORDER BY it.unit_id, o.record_type, o.period_number, o.due_at, it.id LIMIT \(limit)
            """, logger: logger)
        for try await r in rows.decode(
            (
                Int64, Int64, Int64, String, String, Int, String?, Int64, String, String, String?, Int64?,
                Int64?, String?, Int
            ).self)
        {
            result.append(
                ChecklistItem(
                    id: r.0, obligationID: r.1, unitID: r.2, recordType: r.3, periodKind: r.4, periodNumber: r.5,
                    ownerName: r.6, dueAt: r.7, status: ObligationStatus(rawValue: r.8) ?? .pending,
                    verdict: Verdict(rawValue: r.9) ?? .pending, note: r.10, viewedVersionID: r.11, viewedAt: r.12,
                    markedBy: r.13, attachments: r.14))
        }
        return result
    }

    public func findings(tenantID: Int64, id: Int64) async throws -> [FindingRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.findings(connection, id: id, logger: logger)
        }
    }

    static func findings(_ connection: PostgresConnection, id: Int64, logger: Logger) async throws -> [FindingRow] {
        return try await connection.fetch(
            """
            SELECT f.id, f.item_id, it.obligation_id, it.unit_id, o.record_type, f.severity, f.text, u.display_name
            FROM inspection_findings f JOIN inspection_items it ON it.id = f.item_id
                JOIN obligations o ON o.id = it.obligation_id
            JOIN users u ON u.id = f.created_by
            WHERE f.inspection_id = \(id) ORDER BY f.id
            """, (Int64, Int64, Int64, Int64, String, String, String, String).self, logger: logger
        ).map {
            FindingRow(
                id: $0.0, itemID: $0.1, obligationID: $0.2, unitID: $0.3, recordType: $0.4,
                severity: FindingSeverity(rawValue: $0.5) ?? .observation, text: $0.6, createdBy: $0.7)
        }
    }

    public func followUps(
        tenantID: Int64, inspectionID: Int64? = nil, ownerUserID: Int64? = nil
    ) async throws -> [FollowUpRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.followUps(
                connection, tenantID: tenantID, inspectionID: inspectionID, ownerUserID: ownerUserID, logger: logger)
        }
    }

    static func followUps(
        _ connection: PostgresConnection, tenantID: Int64, inspectionID: Int64?, ownerUserID: Int64?, logger: Logger
    ) async throws -> [FollowUpRow] {
        return try await connection.fetch(
            """
            SELECT f.id, f.inspection_id, f.finding_id, f.action, f.owner_user_id, u.display_name, f.due_on::text,
                f.state,
                   extract(epoch FROM f.done_at)::bigint, f.done_note, it.unit_id, iu.path::text
            FROM follow_ups f JOIN users u ON u.id = f.owner_user_id
            JOIN inspection_findings fi ON fi.id = f.finding_id JOIN inspection_items it ON it.id = fi.item_id
            JOIN units iu ON iu.id = it.unit_id
            WHERE (\(inspectionID)::bigint IS NULL OR f.inspection_id = \(inspectionID))
              AND (\(ownerUserID)::bigint IS NULL OR f.owner_user_id = \(ownerUserID))
            ORDER BY f.state, f.due_on, f.id LIMIT 1000
            """, (Int64, Int64, Int64, String, Int64, String, String, String, Int64?, String?, Int64, String).self,
            logger: logger
        ).map {
            FollowUpRow(
                id: $0.0, inspectionID: $0.1, findingID: $0.2, action: $0.3, ownerUserID: $0.4, ownerName: $0.5,
                dueOn: LocalDate(iso: $0.6) ?? LocalDate(dayNumber: 0),
                state: FollowUpState(rawValue: $0.7) ?? .open,
                doneAt: $0.8, doneNote: $0.9,
                unit: UnitPosition(tenantID: tenantID, unitID: $0.10, ancestry: Self.ancestry($0.11)))
        }
    }

    /// People by login with their grants (to name inspectors and owners).
    public func people(tenantID: Int64, logins: [String]) async throws -> [PersonGrants] {
        guard !logins.isEmpty else { return [] }
        return try await database.withTenant(tenantID) { connection in
            let rows = try await connection.fetch(
                """
                SELECT u.id, u.login, u.display_name, g.role, g.unit_id, gu.code
                FROM users u LEFT JOIN user_grants g ON g.user_id = u.id LEFT JOIN units gu ON gu.id = g.unit_id
                WHERE u.login = ANY(\(logins)) ORDER BY u.id
                """, (Int64, String, String, String?, Int64?, String?).self, logger: self.logger)
            var people: [Int64: PersonGrants] = [:]
            var order: [Int64] = []
            for row in rows {
                var grants = people[row.0]?.grants ?? []
                if people[row.0] == nil { order.append(row.0) }
                if let role = row.3.flatMap(Role.init(rawValue:)), let unit = row.4 {
                    grants.append(Grant(role: role, unitID: unit, unitCode: row.5 ?? ""))
                }
                people[row.0] = PersonGrants(userID: row.0, login: row.1, displayName: row.2, grants: grants)
            }
            return order.compactMap { people[$0] }
        }
    }

    /// People who hold any of `roles` over some unit of `unit`'s ancestry or subtree (candidates
    /// for an inspection team or a follow-up), by name.
    public func candidates(tenantID: Int64, around unitID: Int64, roles: [Role]) async throws -> [PersonGrants] {
        let logins = try await database.withTenant(tenantID) { connection in
            try await connection.fetch(
                """
                SELECT DISTINCT u.login, u.display_name FROM users u JOIN user_grants g ON g.user_id = u.id
                    JOIN units gu ON gu.id = g.unit_id,
                       units top
                WHERE top.id = \(unitID) AND g.role = ANY(\(roles.map(\.rawValue))) AND (gu.path <@ top.path
                    OR top.path <@ gu.path)
                ORDER BY u.display_name LIMIT 500
                """, (String, String).self, logger: self.logger
            ).map(\.0)
        }
        return try await people(tenantID: tenantID, logins: logins)
    }

    /// The signed manifest of an inspection's minutes, when its leader signed them.
    public func minutesManifest(tenantID: Int64, inspectionID: Int64) async throws -> String? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch(
                """
                SELECT manifest_xml FROM inspection_minutes WHERE tenant_id = \(tenantID)
                    AND inspection_id = \(inspectionID)
                ORDER BY sequence DESC LIMIT 1
                """, String?.self, logger: logger
            ).first ?? nil
        }
    }
}
