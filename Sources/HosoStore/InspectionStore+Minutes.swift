import Foundation
import HosoCore
import Logging
import PostgresNIO

/// What the minutes say of the inspection itself: its lines, findings and follow-ups and the
/// units they name, read on the inspection's own connection while its row lock is held, so what
/// is hashed and stored is what the inspection holds, and no second pooled connection is taken
/// meanwhile (a busy pool would otherwise stall the conclusion with the lock held).
public struct MinutesContent: Sendable {
    public let items: [ChecklistItem]
    public let findings: [FindingRow]
    public let followUps: [FollowUpRow]
    /// The units of the lines and findings, by id.
    public let units: [Int64: StoredUnit]
}

extension InspectionStore {
    /// Concludes the inspection with its minutes. Under the inspection's lock and the issuer's
    /// numbering lock, it takes the issuer's next number of the year, reads `MinutesContent` on the
    /// same connection and calls `draw` with them; `draw` renders the PDF and puts it in the blob
    /// store (synced), and must not read the database (whatever else the minutes need is read
    /// before). The minutes row, the conclusions and the new state then commit together, or
    /// nothing does. `sign`, when the leader signs digitally: the signed manifest of the drawn
    /// minutes, kept with them.
    public func conclude(
        _ actor: Actor, id: Int64, conclusions: String, recommendations: String?, year: Int,
        sign: (@Sendable (_ number: String, _ minutes: StagedBlob) async throws -> String)? = nil,
        draw:
            @Sendable @escaping (
                _ number: String, _ conclusion: InspectionDecisions.Conclusion, _ content: MinutesContent
            ) async throws -> StagedBlob
    ) async throws -> String {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let inspection = try await Self.lock(connection, id, logger: logger)
            let pending =
                try await connection.fetch(
                    """
                    SELECT count(*)::int FROM inspection_items WHERE inspection_id = \(id) AND verdict = 'pending'
                    """, Int.self, logger: logger
                ).first ?? 0
            let conclusion = try InspectionDecisions.conclude(
                actor, inspection, pendingItems: pending, conclusions: conclusions,
                recommendations: recommendations)
            let issuer = inspection.issuer.unitID
            let numbering = "minutes:\(actor.tenantID):\(issuer):\(year)"
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext(\(numbering)))", logger: logger)
            let symbol =
                try await connection.fetch(
                    """
                    SELECT symbol FROM inspections WHERE id = \(id)
                    """, String.self, logger: logger
                ).first ?? ""
            let sequence =
                (try await connection.fetch(
                    """
                    SELECT coalesce(max(sequence), 0)::int FROM inspection_minutes WHERE issuer_unit_id = \(issuer)
                        AND issued_year = \(year)
                    """, Int.self, logger: logger
                ).first ?? 0) + 1
            let number = InspectionRules.minutesNumber(sequence: sequence, symbol: symbol)
            let content = try await Self.minutesContent(
                connection, tenantID: actor.tenantID, id: id, logger: logger)
            let minutes = try await draw(number, conclusion, content)
            let manifest = try await sign?(number, minutes)
            try await connection.run(
                """
                INSERT INTO blobs (tenant_id, sha256, size, media_type)
                VALUES (\(actor.tenantID), \(minutes.sha256), \(minutes.size), 'application/pdf')
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.run(
                """
                INSERT INTO inspection_minutes (tenant_id, inspection_id, issuer_unit_id, issued_year, sequence,
                    number, sha256, size, issued_by, manifest_xml)
                VALUES (\(actor.tenantID), \(id), \(issuer), \(year), \(sequence), \(number), \(minutes.sha256),
                    \(minutes.size), \(actor.userID), \(manifest))
                """, logger: logger)
            try await connection.run(
                """
                UPDATE inspections SET state = \(conclusion.state.rawValue), concluded_at = now(),
                       conclusions = \(conclusion.conclusions), recommendations = \(conclusion.recommendations)
                WHERE id = \(id)
                """, logger: logger)
            try await Self.audit(
                connection, actor, id, "inspection.conclude", unitID: issuer,
                details: ["number": number, "sha256": minutes.sha256, "size": String(minutes.size)], logger: logger)
            return number
        }
    }

    /// The inspection's lines, findings and follow-ups with their units, on `connection`.
    static func minutesContent(
        _ connection: PostgresConnection, tenantID: Int64, id: Int64, logger: Logger
    ) async throws -> MinutesContent {
        let items = try await Self.checklist(connection, id: id, limit: InspectionRules.maxChecklist, logger: logger)
        let findings = try await Self.findings(connection, id: id, logger: logger)
        let followUps = try await Self.followUps(
            connection, tenantID: tenantID, inspectionID: id, ownerUserID: nil, logger: logger)
        let unitIDs = Array(Set(items.map(\.unitID) + findings.map(\.unitID)))
        let units =
            unitIDs.isEmpty
            ? []
            : try await UnitStore.decode(
                try await connection.query(
                    """
                    SELECT \(unescaped: UnitStore.columns) FROM units
                    WHERE tenant_id = \(tenantID) AND id = ANY (\(unitIDs))
                    """, logger: logger))
        return MinutesContent(
            items: items, findings: findings, followUps: followUps,
            units: Dictionary(units.map { ($0.id, $0) }) { a, _ in a })
    }
}
