import HosoCore
import Logging
import PostgresNIO

/// The signers of a record beyond one approver per step (`SignerDecisions`): the class's subject
/// teachers (migration 0008's `teaching_assignments`), who approved the current step, and the
/// uploader's own signature.
public enum SignerStore {
    /// The facts for one obligation, read on the caller's connection (inside its row lock when
    /// the caller holds it).
    static func facts(_ connection: PostgresConnection, obligationID: Int64, logger: Logger) async throws -> SignerFacts
    {
        guard
            let row = try await connection.fetch(
                """
                SELECT coalesce((SELECT array_agg(DISTINCT t.user_id ORDER BY t.user_id) FROM teaching_assignments t
                                 WHERE t.class_id = o.owner_class_id AND t.valid_from <= current_date
                                   AND (t.valid_to IS NULL OR t.valid_to >= current_date)), '{}'::bigint[]),
                       coalesce((SELECT array_agg(DISTINCT e.actor_user_id ORDER BY e.actor_user_id) FROM workflow_events e
                                 WHERE e.obligation_id = o.id AND e.version_id = o.current_version_id AND e.kind = 'approve'
                                   AND e.step = o.step AND e.actor_user_id IS NOT NULL
                                   AND e.id > coalesce((SELECT max(id) FROM workflow_events
                                                        WHERE obligation_id = o.id AND kind = 'submit'), 0)), '{}'::bigint[]),
                       (SELECT v.uploaded_by FROM record_versions v WHERE v.id = o.current_version_id),
                       EXISTS (SELECT 1 FROM record_signatures s WHERE s.version_id = o.current_version_id AND s.kind = 'submission')
                FROM obligations o WHERE o.id = \(obligationID)
                """, ([Int64], [Int64], Int64?, Bool).self, logger: logger
            ).first
        else { return SignerFacts() }
        return SignerFacts(
            classSubjectTeachers: Set(row.0), approvedCurrentStep: Set(row.1), uploaderUserID: row.2,
            submissionSigned: row.3)
    }

    /// The logins of the subject teachers assigned to the obligation's class now, in order: the
    /// signers a manifest names at the subject teachers' step.
    static func subjectTeacherLogins(_ connection: PostgresConnection, obligationID: Int64, logger: Logger) async throws
        -> [String]
    {
        try await connection.fetch(
            """
            SELECT DISTINCT u.login FROM obligations o JOIN teaching_assignments t ON t.class_id = o.owner_class_id
            JOIN users u ON u.id = t.user_id
            WHERE o.id = \(obligationID) AND t.valid_from <= current_date AND (t.valid_to IS NULL OR t.valid_to >= current_date)
            ORDER BY u.login
            """, String.self, logger: logger)
    }
}

extension ObligationStore {
    /// "k of n": for items awaiting the subject teachers' step, how many of the class's assigned
    /// subject teachers have signed the current version, of how many.
    public func signerProgress(tenantID: Int64, obligationIDs: [Int64]) async throws -> [Int64: (signed: Int, of: Int)]
    {
        guard !obligationIDs.isEmpty else { return [:] }
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var result: [Int64: (signed: Int, of: Int)] = [:]
            for row in try await connection.fetch(
                """
                SELECT o.id,
                       (SELECT count(DISTINCT e.actor_user_id) FROM workflow_events e
                        JOIN teaching_assignments t ON t.class_id = o.owner_class_id AND t.user_id = e.actor_user_id
                             AND t.valid_from <= current_date AND (t.valid_to IS NULL OR t.valid_to >= current_date)
                        WHERE e.obligation_id = o.id AND e.version_id = o.current_version_id AND e.kind = 'approve' AND e.step = o.step
                          AND e.id > coalesce((SELECT max(id) FROM workflow_events WHERE obligation_id = o.id AND kind = 'submit'), 0))::int,
                       (SELECT count(DISTINCT t.user_id) FROM teaching_assignments t WHERE t.class_id = o.owner_class_id
                          AND t.valid_from <= current_date AND (t.valid_to IS NULL OR t.valid_to >= current_date))::int
                FROM obligations o
                WHERE o.tenant_id = \(tenantID) AND o.id = ANY (\(obligationIDs)::bigint[]) AND o.state = 'awaiting'
                  AND o.awaiting_role = 'teacher'
                """, (Int64, Int, Int).self, logger: logger)
            {
                result[row.0] = (row.1, row.2)
            }
            return result
        }
    }
}

extension ObligationStore {
    /// The school dashboard's "k of n": per record type and step, over the school's items of a
    /// year awaiting the subject teachers' step, the signatures made and the signatures owed.
    public func signerTotals(tenantID: Int64, schoolID: Int64, schoolYear: String) async throws -> [String: (
        signed: Int, of: Int
    )] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var result: [String: (signed: Int, of: Int)] = [:]
            for row in try await connection.fetch(
                """
                SELECT o.record_type, coalesce(o.step, 0),
                       sum((SELECT count(DISTINCT e.actor_user_id) FROM workflow_events e
                            JOIN teaching_assignments t ON t.class_id = o.owner_class_id AND t.user_id = e.actor_user_id
                                 AND t.valid_from <= current_date AND (t.valid_to IS NULL OR t.valid_to >= current_date)
                            WHERE e.obligation_id = o.id AND e.version_id = o.current_version_id AND e.kind = 'approve' AND e.step = o.step
                              AND e.id > coalesce((SELECT max(id) FROM workflow_events
                                                   WHERE obligation_id = o.id AND kind = 'submit'), 0)))::int,
                       sum((SELECT count(DISTINCT t.user_id) FROM teaching_assignments t WHERE t.class_id = o.owner_class_id
                              AND t.valid_from <= current_date AND (t.valid_to IS NULL OR t.valid_to >= current_date)))::int
                FROM obligations o
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(schoolID) AND o.school_year = \(schoolYear) AND NOT o.withdrawn
                  AND o.state = 'awaiting' AND o.awaiting_role = 'teacher'
                GROUP BY o.record_type, coalesce(o.step, 0)
                """, (String, Int, Int, Int).self, logger: logger)
            {
                result[Self.signerKey(row.0, step: row.1)] = (row.2, row.3)
            }
            return result
        }
    }

    public static func signerKey(_ recordType: String, step: Int) -> String { "\(recordType)#\(step)" }
}
