import Foundation
import HosoCore
import Logging
import PostgresNIO

/// The figures of inspections: coverage (planned versus done) and the summaries a periodic report
/// lists, each counted through the visibility rule's SQL twin (`shownToViewer`).
extension InspectionStore {
    /// Planned versus done per unit of `unitIDs` for a school year; nothing when the year has no
    /// inspection (the common case costs one probe). Schools are found through their ancestry
    /// (ids in their path) rather than `<@` on each unit: under row-level security the planner
    /// cannot use the path index for a non-leakproof operator, and a province's dashboard would
    /// scan the units once per child (1.5 s measured on 3,500 schools; this form, 30 ms).
    /// Counted as `viewer` sees inspections (`shownToViewer`); without one, as the inspected see
    /// them (no planned surprise), so that a figure never gives a surprise away.
    public func coverage(
        tenantID: Int64, unitIDs: [Int64], schoolYear: String,
        viewer: InspectionViewer = .nobody
    ) async throws -> [CoverageLine] {
        guard !unitIDs.isEmpty else { return [] }
        return try await database.withTenant(tenantID) { connection in
            // The probe applies the rule too: "no inspection this year" must read the same
            // before and after a surprise is planned.
            let any =
                try await connection.fetch(
                    """
                    SELECT EXISTS (
                        SELECT 1 FROM inspections i
                        CROSS JOIN (SELECT \(viewer.userID)::bigint AS user_id,
                            \(viewer.watchedUnits)::bigint[] AS watched) viewer
                        WHERE i.school_year = \(schoolYear) AND i.state <> 'cancelled'
                            AND \(unescaped: Self.shownToViewer))
                    """, Bool.self, logger: self.logger
                ).first ?? false
            guard any else { return [] }
            return try await connection.fetch(
                """
                WITH schools AS (
                    SELECT s.id, string_to_array(s.path::text, '.')::bigint[] AS up FROM units s
                        WHERE cardinality(s.school_levels) > 0
                ),
                covered AS (
                    SELECT DISTINCT sc.id AS school_id, i.id AS inspection_id, i.state
                    FROM inspections i JOIN inspection_units iu ON iu.inspection_id = i.id
                        JOIN schools sc ON iu.unit_id = ANY(sc.up)
                    CROSS JOIN (SELECT \(viewer.userID)::bigint AS user_id,
                        \(viewer.watchedUnits)::bigint[] AS watched) viewer
                    WHERE i.school_year = \(schoolYear) AND i.state <> 'cancelled' AND \(unescaped: Self.shownToViewer)
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
                """, (Int64, Int, Int, Int, Int).self, logger: self.logger
            ).map {
                CoverageLine(unitID: $0.0, schools: $0.1, planned: $0.2, done: $0.3, inspections: $0.4)
            }
        }
    }

    /// The inspections touching `unitID`'s subtree whose period overlaps `from…to`, with their
    /// results and follow-up status as of `today`, counted over the subtree's units only (a
    /// school's report does not carry the other schools of a district inspection).
    public func summaries(
        tenantID: Int64, under unitID: Int64, from: LocalDate, to: LocalDate, today: LocalDate
    ) async throws -> [InspectionSummary] {
        try await database.withTenant(tenantID) { connection in
            try await connection.fetch(
                """
                WITH sub AS (SELECT u.id FROM units u, units top WHERE top.id = \(unitID) AND u.path <@ top.path),
                     items AS (SELECT it.* FROM inspection_items it WHERE it.unit_id IN (SELECT id FROM sub)),
                     findings AS (SELECT f.* FROM inspection_findings f JOIN items it ON it.id = f.item_id),
                     actions AS (SELECT a.* FROM follow_ups a JOIN findings f ON f.id = a.finding_id)
                SELECT i.id, i.kind, i.state, i.title, m.number,
                    (m.issued_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date::text,
                       (SELECT count(*) FROM items it WHERE it.inspection_id = i.id)::int,
                       (SELECT count(*) FROM items it WHERE it.inspection_id = i.id
                           AND it.verdict = 'non_compliant')::int,
                       (SELECT count(*) FROM findings f WHERE f.inspection_id = i.id
                           AND f.severity = 'observation')::int,
                       (SELECT count(*) FROM findings f WHERE f.inspection_id = i.id
                           AND f.severity = 'shortcoming')::int,
                       (SELECT count(*) FROM findings f WHERE f.inspection_id = i.id AND f.severity = 'violation')::int,
                       (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.state = 'open')::int,
                       (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.state = 'open'
                           AND a.due_on < \(today.iso)::date)::int,
                       (SELECT count(*) FROM actions a WHERE a.inspection_id = i.id AND a.state = 'done')::int
                FROM inspections i LEFT JOIN inspection_minutes m ON m.inspection_id = i.id
                CROSS JOIN (SELECT 0::bigint AS user_id, ARRAY[]::bigint[] AS watched) viewer
                WHERE i.state <> 'cancelled' AND i.period_from <= \(to.iso)::date AND i.period_to >= \(from.iso)::date
                  AND \(unescaped: Self.shownToViewer)
                  AND EXISTS (SELECT 1 FROM inspection_units iu JOIN units u ON u.id = iu.unit_id, units top
                              WHERE top.id = \(unitID) AND iu.inspection_id = i.id AND (u.path <@ top.path
                                  OR top.path <@ u.path))
                ORDER BY i.period_from, i.id LIMIT 2000
                """, (Int64, String, String, String, String?, String?, Int, Int, Int, Int, Int, Int, Int, Int).self,
                logger: self.logger
            ).map {
                InspectionSummary(
                    id: $0.0, kind: InspectionKind(rawValue: $0.1) ?? .periodic,
                    state: InspectionState(rawValue: $0.2) ?? .planned,
                    title: $0.3, minutesNumber: $0.4, concludedOn: $0.5, items: $0.6, nonCompliant: $0.7,
                    observations: $0.8,
                    shortcomings: $0.9, violations: $0.10, followUpsOpen: $0.11, followUpsOverdue: $0.12,
                    followUpsDone: $0.13)
            }
        }
    }
}
