import Foundation
import HosoCore
import Logging
import PostgresNIO

/// The steps of an inspection. Each one, in one transaction on one connection: load the
/// inspection's snapshot under its row lock (which every step takes, so nothing changes
/// meanwhile), ask `InspectionDecisions`, persist what it returns, and leave an audit entry.
/// Nothing here decides who may do what.
extension InspectionStore {
    /// Stores a plan once `InspectionDecisions.plan` accepts it (the planner's right, the team's
    /// roles, the plan's content).
    public func create(
        _ actor: Actor, _ plan: InspectionPlan, issuer: UnitPosition, scope: [UnitPosition], team: [TeamCandidate],
        unknownLogins: [String], knownRecordTypes: Set<String>, schoolYear: String,
        plannedOn: LocalDate
    ) async throws -> Int64 {
        try InspectionDecisions.plan(
            actor, plan, issuer: issuer, scope: scope, team: team, unknownLogins: unknownLogins,
            knownRecordTypes: knownRecordTypes)
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            guard
                let id = try await connection.fetch(
                    """
                    INSERT INTO inspections (tenant_id, kind, title, issuer_unit_id, symbol, school_year, period_from,
                        period_to,
                                             record_types, place, planned_on, planned_by)
                    VALUES (\(actor.tenantID), \(plan.kind.rawValue), \(Text.trimmed(plan.title)), \(plan.issuerUnitID),
                            \(Text.trimmed(plan.symbol)), \(schoolYear), \(plan.periodFrom.iso)::date,
                                \(plan.periodTo.iso)::date,
                            \(plan.recordTypes), \(Text.trimmed(plan.place)), \(plannedOn.iso)::date, \(actor.userID))
                    RETURNING id
                    """, Int64.self, logger: logger
                ).first
            else { throw HosoError("store.insert_failed") }
            try await connection.run(
                """
                INSERT INTO inspection_units (tenant_id, inspection_id, unit_id)
                SELECT \(actor.tenantID), \(id), unnest(\(plan.scopeUnitIDs))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.run(
                """
                INSERT INTO inspection_members (tenant_id, inspection_id, user_id, leader)
                SELECT \(actor.tenantID), \(id), u, u = \(plan.leaderUserID) FROM unnest(\(plan.inspectorUserIDs)) AS u
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await AuditStore.append(
                tenantID: actor.tenantID,
                AuditEvent(
                    actorUserID: actor.userID, actorLogin: actor.login, action: "inspection.plan",
                    unitID: plan.issuerUnitID,
                    subject: "inspection:\(id)",
                    details: [
                        "kind": plan.kind.rawValue, "title": Text.trimmed(plan.title),
                        "from": plan.periodFrom.iso, "to": plan.periodTo.iso,
                    ]
                ), on: connection, logger: logger)
            return id
        }
    }

    /// The inspection's snapshot under its row lock; "not found" when there is none.
    static func lock(_ connection: PostgresConnection, _ id: Int64, logger: Logger) async throws -> InspectionSnapshot {
        guard let snapshot = try await snapshots(connection, ids: [id], forUpdate: true, logger: logger).first else {
            throw HosoError("inspection.not_found")
        }
        return snapshot
    }

    static func audit(
        _ connection: PostgresConnection, _ actor: Actor, _ id: Int64, _ action: String, unitID: Int64?,
        details: [String: String] = [:], logger: Logger
    ) async throws {
        try await AuditStore.append(
            tenantID: actor.tenantID,
            AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: action, unitID: unitID,
                subject: "inspection:\(id)",
                details: details
            ), on: connection, logger: logger)
    }

    /// The obligations an inspection draws its checklist from: under a scope unit, due in the
    /// period, of its record types (none: all).
    static let obligationsInScope = """
        FROM inspections i JOIN inspection_units iu ON iu.inspection_id = i.id JOIN units su ON su.id = iu.unit_id
        JOIN units u ON u.path <@ su.path JOIN obligations o ON o.unit_id = u.id
        WHERE NOT o.withdrawn
          AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN i.period_from AND i.period_to
          AND (cardinality(i.record_types) = 0 OR o.record_type = ANY(i.record_types))
        """

    /// Starts the inspection: the checklist is drawn from the obligations in scope as they stand now.
    public func start(_ actor: Actor, id: Int64) async throws -> Int {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let inspection = try await Self.lock(connection, id, logger: logger)
            let next = try InspectionDecisions.start(actor, inspection)
            let count =
                try await connection.fetch(
                    """
                    SELECT count(DISTINCT o.id)::int \(unescaped: Self.obligationsInScope) AND i.id = \(id)
                    """, Int.self, logger: logger
                ).first ?? 0
            try InspectionDecisions.checklist(count: count)
            try await connection.run(
                """
                INSERT INTO inspection_items (tenant_id, inspection_id, obligation_id, unit_id)
                SELECT DISTINCT \(actor.tenantID)::bigint, i.id, o.id, o.unit_id \(unescaped: Self.obligationsInScope)
                    AND i.id = \(id)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.run(
                """
                UPDATE inspections SET state = \(next.rawValue), started_at = now() WHERE id = \(id)
                """, logger: logger)
            try await Self.audit(
                connection, actor, id, "inspection.start", unitID: inspection.issuer.unitID,
                details: ["items": String(count)], logger: logger)
            return count
        }
    }

    /// Cancels a plan that has not started.
    public func cancel(_ actor: Actor, id: Int64) async throws {
        let logger = self.logger
        try await database.withTenant(actor.tenantID) { connection in
            let inspection = try await Self.lock(connection, id, logger: logger)
            let next = try InspectionDecisions.cancel(actor, inspection)
            try await connection.run(
                """
                UPDATE inspections SET state = \(next.rawValue), cancelled_at = now() WHERE id = \(id)
                """, logger: logger)
            try await Self.audit(
                connection, actor, id, "inspection.cancel", unitID: inspection.issuer.unitID, logger: logger)
        }
    }

    /// A line of the inspection: where it is and which obligation it names; nil when it is not one.
    static func item(
        _ connection: PostgresConnection, tenantID: Int64, inspectionID: Int64, itemID: Int64?,
        logger: Logger
    ) async throws -> (ref: InspectionItemRef, obligationID: Int64)? {
        guard let itemID,
            let row = try await connection.fetch(
                """
                SELECT it.unit_id, u.path::text, it.obligation_id
                FROM inspection_items it JOIN units u ON u.id = it.unit_id
                WHERE it.id = \(itemID) AND it.inspection_id = \(inspectionID)
                """, (Int64, String, Int64).self, logger: logger
            ).first
        else { return nil }
        let unit = UnitPosition(tenantID: tenantID, unitID: row.0, ancestry: Self.ancestry(row.1))
        return (InspectionItemRef(unit: unit), row.2)
    }

    /// Marks a line of the checklist (`verdict` and `note` as sent; the decision checks them).
    public func mark(_ actor: Actor, inspectionID: Int64, itemID: Int64, verdict: String?, note: String?) async throws {
        let logger = self.logger
        try await database.withTenant(actor.tenantID) { connection in
            let inspection = try await Self.lock(connection, inspectionID, logger: logger)
            let item = try await Self.item(
                connection, tenantID: actor.tenantID, inspectionID: inspectionID, itemID: itemID, logger: logger)
            let marked = try InspectionDecisions.mark(actor, inspection, item: item?.ref, verdict: verdict, note: note)
            try await connection.run(
                """
                UPDATE inspection_items
                SET verdict = \(marked.verdict.rawValue), note = \(marked.note), marked_by = \(actor.userID),
                    marked_at = now()
                WHERE id = \(itemID)
                """, logger: logger)
            try await Self.audit(
                connection, actor, inspectionID, "inspection.mark", unitID: item?.ref.unit.unitID,
                details: [
                    "item": String(itemID), "obligation": String(item?.obligationID ?? 0),
                    "verdict": marked.verdict.rawValue,
                ], logger: logger)
        }
    }

    /// Notes that a member of an inspection in progress opened an item in scope (the version shown
    /// is the evidence) and logs the view with the inspection; false when the view is not part of it.
    public func recordView(
        _ actor: Actor, inspectionID: Int64, obligationID: Int64, versionID: Int64?
    ) async throws -> Bool {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            guard
                let inspection = try await Self.snapshots(
                    connection, ids: [inspectionID], forUpdate: false, logger: logger
                ).first,
                let row = try await connection.fetch(
                    """
                    SELECT it.id, it.unit_id, u.path::text FROM inspection_items it JOIN units u ON u.id = it.unit_id
                    WHERE it.inspection_id = \(inspectionID) AND it.obligation_id = \(obligationID)
                    """, (Int64, Int64, String).self, logger: logger
                ).first
            else { return false }
            let item = InspectionItemRef(
                unit: UnitPosition(tenantID: actor.tenantID, unitID: row.1, ancestry: Self.ancestry(row.2)))
            guard InspectionDecisions.viewIsEvidence(actor, inspection, item: item) else { return false }
            try await connection.run(
                """
                UPDATE inspection_items SET viewed_version_id = coalesce(\(versionID), viewed_version_id),
                    viewed_at = now()
                WHERE id = \(row.0)
                """, logger: logger)
            try await AuditStore.append(
                tenantID: actor.tenantID,
                AuditEvent(
                    actorUserID: actor.userID, actorLogin: actor.login, action: "record.view", unitID: row.1,
                    subject: "obligation:\(obligationID)",
                    details: ["inspection": String(inspectionID), "version": versionID.map(String.init) ?? ""]
                ), on: connection, logger: logger)
            return true
        }
    }

    public func attach(
        _ actor: Actor, inspectionID: Int64, itemID: Int64, blob: StagedBlob, mediaType: String,
        filename: String
    ) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let inspection = try await Self.lock(connection, inspectionID, logger: logger)
            let item = try await Self.item(
                connection, tenantID: actor.tenantID, inspectionID: inspectionID, itemID: itemID, logger: logger)
            try InspectionDecisions.attach(actor, inspection, item: item?.ref)
            try await connection.run(
                """
                INSERT INTO blobs (tenant_id, sha256, size, media_type)
                VALUES (\(actor.tenantID), \(blob.sha256), \(blob.size), \(mediaType))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            guard
                let id = try await connection.fetch(
                    """
                    INSERT INTO inspection_attachments (tenant_id, item_id, sha256, size, media_type, filename,
                        uploaded_by)
                    VALUES (\(actor.tenantID), \(itemID), \(blob.sha256), \(blob.size), \(mediaType), \(filename),
                        \(actor.userID))
                    RETURNING id
                    """, Int64.self, logger: logger
                ).first
            else { throw HosoError("store.insert_failed") }
            try await Self.audit(
                connection, actor, inspectionID, "inspection.attach", unitID: item?.ref.unit.unitID,
                details: ["item": String(itemID), "sha256": blob.sha256, "filename": filename], logger: logger)
            return id
        }
    }

    /// A finding on a line (`itemID` nil when none was named; the decision refuses it).
    public func addFinding(
        _ actor: Actor, inspectionID: Int64, itemID: Int64?, severity: String?, text: String
    ) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let inspection = try await Self.lock(connection, inspectionID, logger: logger)
            let item = try await Self.item(
                connection, tenantID: actor.tenantID, inspectionID: inspectionID, itemID: itemID, logger: logger)
            let finding = try InspectionDecisions.addFinding(
                actor, inspection, itemID: itemID, item: item?.ref, severity: severity,
                text: text)
            guard let itemID,
                let id = try await connection.fetch(
                    """
                    INSERT INTO inspection_findings (tenant_id, inspection_id, item_id, severity, text, created_by)
                    VALUES (\(actor.tenantID), \(inspectionID), \(itemID), \(finding.severity.rawValue),
                        \(finding.text), \(actor.userID))
                    RETURNING id
                    """, Int64.self, logger: logger
                ).first
            else { throw HosoError("store.insert_failed") }
            try await Self.audit(
                connection, actor, inspectionID, "inspection.finding", unitID: item?.ref.unit.unitID,
                details: ["finding": String(id), "item": String(itemID), "severity": finding.severity.rawValue],
                logger: logger)
            return id
        }
    }

    /// A follow-up action on a finding, with the owner's grants read in the same transaction.
    public func addFollowUp(
        _ actor: Actor, inspectionID: Int64, findingID: Int64?, ownerUserID: Int64?, dueOn: LocalDate?,
        action: String, today: LocalDate
    ) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let inspection = try await Self.lock(connection, inspectionID, logger: logger)
            let finding = try await connection.fetch(
                """
                SELECT it.unit_id, u.path::text FROM inspection_findings f JOIN inspection_items it ON it.id = f.item_id
                JOIN units u ON u.id = it.unit_id
                WHERE f.id = \(findingID ?? 0) AND f.inspection_id = \(inspectionID)
                """, (Int64, String).self, logger: logger
            ).first.map {
                InspectionItemRef(
                    unit: UnitPosition(tenantID: actor.tenantID, unitID: $0.0, ancestry: Self.ancestry($0.1)))
            }
            let ownerGrants = try await connection.fetch(
                """
                SELECT g.role, g.unit_id FROM user_grants g WHERE g.user_id = \(ownerUserID ?? 0)
                """, (String, Int64).self, logger: logger
            ).compactMap { row in
                Role(rawValue: row.0).map { Grant(role: $0, unitID: row.1, unitCode: "") }
            }
            let checked = try InspectionDecisions.addFollowUp(
                actor, inspection, finding: finding, ownerUserID: ownerUserID,
                ownerGrants: ownerGrants, dueOn: dueOn, action: action, today: today)
            guard let findingID,
                let id = try await connection.fetch(
                    """
                    INSERT INTO follow_ups (tenant_id, inspection_id, finding_id, action, owner_user_id, due_on,
                        created_by)
                    VALUES (\(actor.tenantID), \(inspectionID), \(findingID), \(checked.action), \(checked.owner),
                        \(checked.due.iso)::date,
                            \(actor.userID))
                    RETURNING id
                    """, Int64.self, logger: logger
                ).first
            else { throw HosoError("store.insert_failed") }
            try await Self.audit(
                connection, actor, inspectionID, "inspection.follow_up", unitID: finding?.unit.unitID,
                details: ["follow_up": String(id), "owner": String(checked.owner), "due": checked.due.iso],
                logger: logger)
            return id
        }
    }

    /// Marks a follow-up done; whoever cannot see it is told it does not exist.
    public func completeFollowUp(_ actor: Actor, id: Int64, note: String) async throws {
        let logger = self.logger
        try await database.withTenant(actor.tenantID) { connection in
            // The inspection is locked first, as every other step does, then the follow-up.
            guard
                let inspectionID = try await connection.fetch(
                    """
                    SELECT inspection_id FROM follow_ups WHERE id = \(id)
                    """, Int64.self, logger: logger
                ).first
            else { throw HosoError("inspection.follow_up_not_found") }
            let inspection = try await Self.lock(connection, inspectionID, logger: logger)
            guard
                let row = try await connection.fetch(
                    """
                    SELECT f.owner_user_id, f.state, it.unit_id, u.path::text
                    FROM follow_ups f JOIN inspection_findings fi ON fi.id = f.finding_id
                    JOIN inspection_items it ON it.id = fi.item_id JOIN units u ON u.id = it.unit_id
                    WHERE f.id = \(id) FOR UPDATE OF f
                    """, (Int64, String, Int64, String).self, logger: logger
                ).first
            else {
                throw HosoError("inspection.follow_up_not_found")
            }
            let followUp = FollowUpRef(
                ownerUserID: row.0, state: FollowUpState(rawValue: row.1) ?? .open,
                unit: UnitPosition(tenantID: actor.tenantID, unitID: row.2, ancestry: Self.ancestry(row.3)))
            let note = try InspectionDecisions.completeFollowUp(actor, inspection, followUp: followUp, note: note)
            try await connection.run(
                """
                UPDATE follow_ups SET state = 'done', done_by = \(actor.userID), done_at = now(), done_note = \(note)
                    WHERE id = \(id)
                """, logger: logger)
            try await Self.audit(
                connection, actor, inspectionID, "inspection.follow_up_done", unitID: row.2,
                details: ["follow_up": String(id)], logger: logger)
        }
    }

    /// Closes a concluded inspection once every follow-up is done.
    public func close(_ actor: Actor, id: Int64) async throws {
        let logger = self.logger
        try await database.withTenant(actor.tenantID) { connection in
            let inspection = try await Self.lock(connection, id, logger: logger)
            let open =
                try await connection.fetch(
                    """
                    SELECT count(*)::int FROM follow_ups WHERE inspection_id = \(id) AND state = 'open'
                    """, Int.self, logger: logger
                ).first ?? 0
            let next = try InspectionDecisions.close(actor, inspection, openFollowUps: open)
            try await connection.run(
                """
                UPDATE inspections SET state = \(next.rawValue), closed_at = now() WHERE id = \(id)
                """, logger: logger)
            try await Self.audit(
                connection, actor, id, "inspection.close", unitID: inspection.issuer.unitID, logger: logger)
        }
    }
}
