import Foundation
import HosoCore
import Logging
import PostgresNIO

/// A choice of electronic or paper as kept.
public struct FormChoiceRow: Sendable, Equatable {
    public let id: Int64
    public let recordType: String
    public let teacherUserID: Int64?
    public let teacherName: String?
    public let form: RecordForm
    public let reason: String
    public let chosenBy: String
    public let chosenRole: String
    public let chosenAt: Int64
    /// The newest choice for its book (and teacher): the one in force.
    public let inForce: Bool
}

/// What a choice changed: items exempted (paper) or released (electronic), and items left as
/// they were because they had already been acted on.
public struct FormChoiceOutcome: Sendable, Equatable {
    public let id: Int64
    public let applied: Int
    public let skipped: Int
}

/// Choices of form in the database. A choice exempts (paper) or releases (electronic) every item
/// of its book at the school for the year, or of one teacher, in one statement; each item gets a
/// workflow event and the choice one audit entry. Generation applies the choices in force to the
/// items it creates (`applyInForce`). The decisions are `FormChoiceDecisions`.
public struct FormChoiceStore: Sendable {
    let database: Database
    let logger: Logger
    let clock: any WallClock

    public init(database: Database, logger: Logger, clock: any WallClock = SystemClock()) {
        self.database = database
        self.logger = logger
        self.clock = clock
    }

    /// `FormChoiceDecisions.applies` in SQL (alias `o`): open, no version, still expected.
    static let notActedOn = "o.state = 'open' AND o.current_version_id IS NULL AND NOT o.withdrawn"

    /// The school's choice for a book (`teacherUserID` nil), or a teacher's.
    public func choose(
        _ actor: Actor, unit: StoredUnit, schoolYear: String, recordType: String,
        teacherUserID: Int64?, form: RecordForm, reason: String
    ) async throws -> FormChoiceOutcome {
        let logger = self.logger
        let now = clock.now()
        return try await database.withTenant(actor.tenantID) { connection in
            guard !unit.schoolLevels.isEmpty else { throw HosoError("choice.not_a_school") }
            guard
                let latest = try await RuleSetStore.latest(
                    connection, tenantID: actor.tenantID, schoolYear: schoolYear,
                    logger: logger)
            else {
                throw HosoError("obligations.no_rule_set", ["year": schoolYear])
            }
            guard let type = latest.ruleSet.type(recordType) else {
                throw HosoError("choice.unknown_type", ["code": recordType])
            }
            let kept: String
            let role: Role
            if let teacherUserID {
                let atSchool =
                    try await connection.fetch(
                        """
                        SELECT EXISTS (SELECT 1 FROM school_staff
                                       WHERE tenant_id = \(actor.tenantID) AND unit_id = \(unit.id)
                                         AND user_id = \(teacherUserID)
                                         AND (valid_to IS NULL OR valid_to >= current_date))
                            OR EXISTS (SELECT 1 FROM user_grants
                                       WHERE user_id = \(teacherUserID) AND unit_id = \(unit.id) AND role = 'teacher')
                        """, Bool.self, logger: logger
                    ).first ?? false
                kept = try FormChoiceDecisions.declareForTeacher(
                    actor, unit: unit.position, type: type, teacherUserID: teacherUserID, teacherAtSchool: atSchool,
                    form: form, reason: reason)
                role = teacherUserID == actor.userID ? .teacher : .principal
            } else {
                kept = try FormChoiceDecisions.chooseForSchool(
                    actor, unit: unit.position, type: type, form: form, reason: reason)
                role = .principal
            }
            // One choice at a time per school: the newest row is the one in force, and its items follow it.
            try await connection.run(
                "SELECT pg_advisory_xact_lock(14009, \(Int32(truncatingIfNeeded: unit.id)))", logger: logger)
            guard
                let id = try await connection.fetch(
                    """
                    INSERT INTO record_form_choices (tenant_id, unit_id, school_year, record_type, teacher_user_id,
                                                     form, reason, chosen_by, chosen_role)
                    VALUES (\(actor.tenantID), \(unit.id), \(schoolYear), \(recordType), \(teacherUserID),
                            \(form.rawValue), \(kept), \(actor.userID), \(role.rawValue))
                    RETURNING id
                    """, Int64.self, logger: logger
                ).first
            else { throw HosoError("store.insert_failed") }
            let applied: Int
            switch form {
            case .paper:
                applied = try await Self.exempt(
                    connection, tenantID: actor.tenantID, unitID: unit.id, schoolYear: schoolYear,
                    recordType: recordType, teacherUserID: teacherUserID, choiceID: id, reason: kept,
                    actor: actor.userID, role: role, logger: logger)
            case .electronic:
                applied = try await connection.fetch(
                    """
                    WITH released AS (
                        UPDATE obligations o
                        SET exempt_reason = NULL, exempted_by = NULL, exempted_at = NULL, exempt_choice_id = NULL,
                            status = CASE WHEN o.due_at < to_timestamp(\(Double(now))) THEN 'missing' ELSE 'pending' END,
                            revision = o.revision + 1, last_event_at = now()
                        WHERE o.tenant_id = \(actor.tenantID) AND o.unit_id = \(unit.id) AND o.school_year = \(schoolYear)
                          AND o.record_type = \(recordType) AND o.exempt_reason IS NOT NULL
                          AND \(unescaped: Self.notActedOn)
                          AND o.exempt_choice_id IN (
                              SELECT c.id FROM record_form_choices c
                              WHERE c.tenant_id = \(actor.tenantID) AND c.unit_id = \(unit.id)
                                AND c.school_year = \(schoolYear) AND c.record_type = \(recordType)
                                AND c.teacher_user_id IS NOT DISTINCT FROM \(teacherUserID))
                        RETURNING o.id)
                    INSERT INTO workflow_events (tenant_id, obligation_id, kind, actor_user_id, actor_role, comment)
                    SELECT \(actor.tenantID), id, 'unexempt_choice', \(actor.userID), \(role.rawValue), \(kept)
                    FROM released
                    RETURNING obligation_id
                    """, Int64.self, logger: logger
                ).count
            }
            let skipped =
                try await connection.fetch(
                    """
                    SELECT count(*)::int FROM obligations o
                    WHERE o.tenant_id = \(actor.tenantID) AND o.unit_id = \(unit.id) AND o.school_year = \(schoolYear)
                      AND o.record_type = \(recordType) AND NOT o.withdrawn
                      AND (\(teacherUserID)::bigint IS NULL OR o.owner_user_id = \(teacherUserID))
                      AND NOT (\(unescaped: Self.notActedOn))
                    """, Int.self, logger: logger
                ).first ?? 0
            var details = [
                "record_type": recordType, "school_year": schoolYear, "form": form.rawValue, "reason": kept,
                "applied": String(applied), "skipped_acted_on": String(skipped),
            ]
            if let teacherUserID { details["teacher_user_id"] = String(teacherUserID) }
            try await AuditStore.append(
                tenantID: actor.tenantID,
                AuditEvent(
                    actorUserID: actor.userID, actorLogin: actor.login,
                    action: teacherUserID == nil ? "choice.school" : "choice.teacher",
                    unitID: unit.id, subject: "choice:\(id)", details: details
                ), on: connection, logger: logger)
            return FormChoiceOutcome(id: id, applied: applied, skipped: skipped)
        }
    }

    /// Exempts the items a paper choice covers that are not yet acted on and not exempt already.
    /// `keepHandLifts`: leave alone an item whose exemption the principal lifted by hand (a decision
    /// about that one item), as generation does; a new choice applies to every item.
    static func exempt(
        _ connection: PostgresConnection, tenantID: Int64, unitID: Int64, schoolYear: String, recordType: String,
        teacherUserID: Int64?, choiceID: Int64, reason: String, actor: Int64, role: Role,
        keepHandLifts: Bool = false, logger: Logger
    ) async throws -> Int {
        try await connection.fetch(
            """
            WITH exempted AS (
                UPDATE obligations o
                SET exempt_reason = \(reason), exempted_by = \(actor), exempted_at = now(), status = 'exempt',
                    exempt_choice_id = \(choiceID), revision = o.revision + 1, last_event_at = now()
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(unitID) AND o.school_year = \(schoolYear)
                  AND o.record_type = \(recordType) AND o.exempt_reason IS NULL AND \(unescaped: notActedOn)
                  AND (\(teacherUserID)::bigint IS NULL OR o.owner_user_id = \(teacherUserID))
                  AND NOT (\(keepHandLifts) AND EXISTS (
                      SELECT 1 FROM workflow_events e
                      WHERE e.tenant_id = o.tenant_id AND e.obligation_id = o.id AND e.kind = 'unexempt'))
                RETURNING o.id)
            INSERT INTO workflow_events (tenant_id, obligation_id, kind, actor_user_id, actor_role, comment)
            SELECT \(tenantID), id, 'exempt_choice', \(actor), \(role.rawValue), \(reason) FROM exempted
            RETURNING obligation_id
            """, Int64.self, logger: logger
        ).count
    }

    /// Applies the paper choices in force at a school for the year to its items not yet acted on
    /// (run by generation in its transaction, so items planned later come out exempt too). A
    /// choice for a book whose type no longer offers a choice is not applied.
    static func applyInForce(
        _ connection: PostgresConnection, tenantID: Int64, unitID: Int64, schoolYear: String,
        ruleSet: RuleSet, logger: Logger
    ) async throws -> Int {
        let choices = try await connection.fetch(
            """
            SELECT DISTINCT ON (record_type, teacher_user_id)
                   id, record_type, teacher_user_id, form, reason, chosen_by, chosen_role
            FROM record_form_choices
            WHERE tenant_id = \(tenantID) AND unit_id = \(unitID) AND school_year = \(schoolYear)
            ORDER BY record_type, teacher_user_id, id DESC
            """, (Int64, String, Int64?, String, String, Int64, String).self, logger: logger)
        var applied = 0
        for (id, code, teacher, form, reason, chosenBy, role) in choices where form == RecordForm.paper.rawValue {
            guard let type = ruleSet.type(code), type.choice == (teacher == nil ? .school : .teacher) else { continue }
            applied += try await exempt(
                connection, tenantID: tenantID, unitID: unitID, schoolYear: schoolYear, recordType: code,
                teacherUserID: teacher, choiceID: id, reason: reason, actor: chosenBy,
                role: Role(rawValue: role) ?? .principal, keepHandLifts: true, logger: logger)
        }
        return applied
    }

    /// The school's teachers (for the principal's form on a teacher's behalf), by name.
    public func teachers(tenantID: Int64, unitID: Int64) async throws -> [(id: Int64, name: String)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch(
                """
                SELECT u.id, u.display_name FROM users u
                WHERE u.tenant_id = \(tenantID)
                  AND (EXISTS (SELECT 1 FROM school_staff s
                               WHERE s.tenant_id = \(tenantID) AND s.unit_id = \(unitID) AND s.user_id = u.id
                                 AND (s.valid_to IS NULL OR s.valid_to >= current_date))
                       OR EXISTS (SELECT 1 FROM user_grants g
                                  WHERE g.user_id = u.id AND g.unit_id = \(unitID) AND g.role = 'teacher'))
                ORDER BY u.display_name COLLATE "vi-VN-x-icu", u.id LIMIT 1000
                """, (Int64, String).self, logger: logger
            ).map { (id: $0.0, name: $0.1) }
        }
    }

    /// A school's choices for a year, newest first.
    public func choices(tenantID: Int64, unitID: Int64, schoolYear: String) async throws -> [FormChoiceRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch(
                """
                SELECT c.id, c.record_type, c.teacher_user_id, t.display_name, c.form, c.reason, u.display_name,
                       c.chosen_role, extract(epoch FROM c.chosen_at)::bigint,
                       NOT EXISTS (SELECT 1 FROM record_form_choices n
                                   WHERE n.tenant_id = c.tenant_id AND n.unit_id = c.unit_id
                                     AND n.school_year = c.school_year AND n.record_type = c.record_type
                                     AND n.teacher_user_id IS NOT DISTINCT FROM c.teacher_user_id AND n.id > c.id)
                FROM record_form_choices c
                JOIN users u ON u.id = c.chosen_by
                LEFT JOIN users t ON t.id = c.teacher_user_id
                WHERE c.tenant_id = \(tenantID) AND c.unit_id = \(unitID) AND c.school_year = \(schoolYear)
                ORDER BY c.id DESC LIMIT 500
                """, (Int64, String, Int64?, String?, String, String, String, String, Int64, Bool).self, logger: logger
            ).map {
                FormChoiceRow(
                    id: $0.0, recordType: $0.1, teacherUserID: $0.2, teacherName: $0.3,
                    form: RecordForm(rawValue: $0.4) ?? .electronic, reason: $0.5, chosenBy: $0.6, chosenRole: $0.7,
                    chosenAt: $0.8, inForce: $0.9)
            }
        }
    }
}
