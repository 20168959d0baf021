import Foundation
import HosoCore
import Logging
import PostgresNIO

/// One expected item as pages and the API show it.
public struct ObligationRow: Sendable, Equatable {
    public let id: Int64
    public let unitID: Int64
    public let unitCode: String
    public let unitNameVi: String
    public let unitNameEn: String
    public let schoolYear: String
    public let ruleSetID: Int64
    public let recordType: String
    public let typeNameVi: String
    public let typeNameEn: String
    public let ownerKey: String
    public let ownerUserID: Int64?
    /// The owner as Vietnamese pages name them: a person's name, a group's, a class's code, the unit's.
    public let ownerName: String
    /// The same in English (a group's and a unit's English names; people's names stay as written).
    public let ownerNameEn: String
    public let periodKind: String
    public let periodNumber: Int
    public let periodFirst: String
    public let periodLast: String
    public let dueAt: Int64
    public let state: RecordWorkflow.State
    public let awaitingRole: Role?
    public let status: ObligationStatus
    public let firstSubmittedAt: Int64?
    public let currentVersionID: Int64?
    public let revision: Int
    public let exemptReason: String?
    public let withdrawn: Bool
    /// `unsigned`, `signed` or `invalid`: the current version's signatures as last checked.
    public let signatureState: String
}

/// What a generation changed.
public struct GenerationSummary: Sendable, Equatable {
    public var schools = 0
    public var planned = 0
    public var inserted = 0
    public var updated = 0
    public var withdrawn = 0
}

/// Obligations: generated from the rule-set, the calendar and the people; read as "what I owe",
/// approval queues and record pages; exempted with a reason.
public struct ObligationStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Generates the school year's obligations for every open school (in `unitCode`'s subtree when
    /// given). Idempotent: a second run changes nothing; what was already submitted keeps its
    /// state and due time; an item no longer expected is withdrawn, never deleted.
    public func generate(tenantID: Int64, schoolYear: String, unitCode: String? = nil,
                         progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> GenerationSummary {
        let logger = self.logger
        let (ruleSetID, ruleSet, calendar, schools) = try await database.withTenant(tenantID) { connection in
            guard let latest = try await RuleSetStore.latest(connection, tenantID: tenantID, schoolYear: schoolYear, logger: logger) else {
                throw HosoError("obligations.no_rule_set", ["year": schoolYear])
            }
            guard let calendar = try await RuleSetStore.calendar(connection, tenantID: tenantID, schoolYear: schoolYear, logger: logger) else {
                throw HosoError("obligations.no_calendar", ["year": schoolYear])
            }
            var scope: String?
            if let unitCode {
                guard let path = try await connection.fetch("SELECT path::text FROM units WHERE tenant_id = \(tenantID) AND code = \(unitCode)",
                                                            String.self, logger: logger).first else {
                    throw HosoError("scope.not_found")
                }
                scope = path
            }
            let schools = try await connection.fetch("""
                SELECT id, school_levels FROM units
                WHERE tenant_id = \(tenantID) AND closes_on IS NULL AND cardinality(school_levels) > 0
                  AND (\(scope)::ltree IS NULL OR path <@ \(scope)::ltree)
                ORDER BY id
                """, (Int64, [String]).self, logger: logger)
            return (latest.id, latest.ruleSet, calendar, schools)
        }
        var summary = GenerationSummary()
        for (index, (unitID, rawLevels)) in schools.enumerated() {
            let levels = rawLevels.compactMap(SchoolLevel.init(rawValue:))
            let school = try await database.withTenant(tenantID) { connection in
                // The lock a choice of form takes (FormChoiceStore.choose): a choice made while the school's items
                // are generated waits, or is waited for, so no new item escapes it.
                try await connection.run(
                    "SELECT pg_advisory_xact_lock(14009, \(Int32(truncatingIfNeeded: unitID)))", logger: logger)
                let people = try await PeopleStore.people(connection, tenantID: tenantID, unitID: unitID, schoolYear: schoolYear, logger: logger)
                let planned = try ObligationPlanner.plan(levels: levels, ruleSet: ruleSet, calendar: calendar, people: people)
                let summary = try await Self.upsert(connection, tenantID: tenantID, unitID: unitID, schoolYear: schoolYear,
                                                    ruleSetID: ruleSetID, firstMonday: YearWeeks(calendar).firstMonday,
                                                    planned: planned, logger: logger)
                // Items planned after a school or a teacher chose paper come out exempt like the others.
                _ = try await FormChoiceStore.applyInForce(connection, tenantID: tenantID, unitID: unitID, schoolYear: schoolYear,
                                                           ruleSet: ruleSet, logger: logger)
                return summary
            }
            summary.schools += 1
            summary.planned += school.planned
            summary.inserted += school.inserted
            summary.updated += school.updated
            summary.withdrawn += school.withdrawn
            progress?(index + 1, schools.count)
        }
        return summary
    }

    static func upsert(_ connection: PostgresConnection, tenantID: Int64, unitID: Int64, schoolYear: String, ruleSetID: Int64,
                       firstMonday: LocalDate, planned: [PlannedObligation], logger: Logger) async throws -> GenerationSummary {
        var summary = GenerationSummary()
        summary.planned = planned.count
        var types: [String] = [], keys: [String] = [], users: [Int64] = [], groups: [Int64] = [], classes: [Int64] = []
        var kinds: [String] = [], numbers: [Int] = [], firsts: [String] = [], lasts: [String] = [], dues: [Int64] = []
        for item in planned {
            types.append(item.recordType)
            keys.append(item.owner.key)
            users.append(item.responsibleUserID ?? 0)
            switch item.owner {
            case .group(let id): groups.append(id); classes.append(0)
            case .schoolClass(let id): groups.append(0); classes.append(id)
            default: groups.append(0); classes.append(0)
            }
            kinds.append(item.period.kind.rawValue)
            numbers.append(item.period.number)
            firsts.append(item.period.first.iso)
            lasts.append(item.period.last.iso)
            dues.append(item.dueAt)
        }
        // Open items follow the rules of the newest rule-set; anything already acted on keeps its
        // due time, state and status (regeneration never rewrites what happened).
        let changed = try await connection.fetch("""
            INSERT INTO obligations (tenant_id, unit_id, school_year, rule_set_id, record_type, owner_key, owner_user_id, owner_group_id,
                                     owner_class_id, period_kind, period_number, period_first, period_last, due_at, due_week, status)
            SELECT \(tenantID), \(unitID), \(schoolYear), \(ruleSetID), x.rt, x.ok, nullif(x.ou, 0), nullif(x.og, 0), nullif(x.oc, 0),
                   x.pk, x.pn, x.pf::date, x.pl::date, to_timestamp(x.due), hoso_year_week(to_timestamp(x.due), \(firstMonday.iso)::date),
                   CASE WHEN to_timestamp(x.due) < now() THEN 'missing' ELSE 'pending' END
            FROM unnest(\(types)::text[], \(keys)::text[], \(users)::bigint[], \(groups)::bigint[], \(classes)::bigint[],
                        \(kinds)::text[], \(numbers)::int[], \(firsts)::text[], \(lasts)::text[], \(dues)::bigint[])
                 AS x(rt, ok, ou, og, oc, pk, pn, pf, pl, due)
            ON CONFLICT (tenant_id, unit_id, school_year, record_type, owner_key, period_kind, period_number) DO UPDATE SET
                withdrawn = false,
                rule_set_id = CASE WHEN obligations.state = 'open' THEN excluded.rule_set_id ELSE obligations.rule_set_id END,
                due_at = CASE WHEN obligations.state = 'open' THEN excluded.due_at ELSE obligations.due_at END,
                due_week = CASE WHEN obligations.state = 'open' THEN excluded.due_week ELSE obligations.due_week END,
                owner_user_id = CASE WHEN obligations.state = 'open' THEN excluded.owner_user_id ELSE obligations.owner_user_id END,
                status = CASE WHEN obligations.state = 'open' AND obligations.exempt_reason IS NULL THEN excluded.status ELSE obligations.status END
            WHERE obligations.withdrawn
               OR (obligations.state = 'open' AND (obligations.rule_set_id, obligations.due_at, obligations.owner_user_id)
                   IS DISTINCT FROM (excluded.rule_set_id, excluded.due_at, excluded.owner_user_id))
            RETURNING (xmax = 0)
            """, Bool.self, logger: logger)
        summary.inserted = changed.filter { $0 }.count
        summary.updated = changed.count - summary.inserted
        let plannedKeys = zip(zip(types, keys), zip(kinds, numbers)).map { "\($0.0)|\($0.1)|\($1.0)|\($1.1)" }
        summary.withdrawn = try await connection.fetch("""
            UPDATE obligations SET withdrawn = true
            WHERE tenant_id = \(tenantID) AND unit_id = \(unitID) AND school_year = \(schoolYear) AND NOT withdrawn
              AND NOT (record_type || '|' || owner_key || '|' || period_kind || '|' || period_number = ANY (\(plannedKeys)::text[]))
            RETURNING id
            """, Int64.self, logger: logger).count
        return summary
    }

    /// Moves pending items whose due time has passed to missing (run periodically; readers do
    /// not wait for it).
    @discardableResult
    /// `now`: the injected clock's instant (an item is missing from the second after its due time).
    public func sweepMissing(tenantID: Int64, now: Int64) async throws -> Int {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                UPDATE obligations SET status = 'missing'
                WHERE tenant_id = \(tenantID) AND status = 'pending' AND due_at < to_timestamp(\(Double(now))) RETURNING id
                """, Int64.self, logger: logger).count
        }
    }

    // MARK: - Reading

    /// The common select: the item, its unit, its type's names and its owner's name.
    static let select = """
        SELECT o.id, o.unit_id, u.code, u.name_vi, u.name_en, o.school_year, o.rule_set_id, o.record_type, rt.name_vi, rt.name_en,
               o.owner_key, o.owner_user_id, coalesce(ou.display_name, g.name_vi, c.code, u.name_vi),
               o.period_kind, o.period_number, o.period_first::text, o.period_last::text,
               extract(epoch FROM o.due_at)::bigint, o.state, o.step, o.awaiting_role,
               CASE WHEN o.status = 'pending' AND o.due_at < now() THEN 'missing' ELSE o.status END,
               extract(epoch FROM o.first_submitted_at)::bigint, o.current_version_id, o.revision, o.exempt_reason, o.withdrawn,
               o.signature_state,
               coalesce(ou.display_name, nullif(g.name_en, ''), g.name_vi, c.code, nullif(u.name_en, ''), u.name_vi)
        FROM obligations o
        JOIN units u ON u.id = o.unit_id
        JOIN record_types rt ON rt.rule_set_id = o.rule_set_id AND rt.code = o.record_type
        LEFT JOIN users ou ON ou.id = o.owner_user_id
        LEFT JOIN school_groups g ON g.id = o.owner_group_id
        LEFT JOIN school_classes c ON c.id = o.owner_class_id
        """

    static func rows(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [ObligationRow] {
        var result: [ObligationRow] = []
        try await decode(try await connection.query(query, logger: logger)) { result.append($0) }
        return result
    }

    /// Decodes rows of `select` one at a time, as they arrive.
    static func decode(_ rows: PostgresRowSequence, body: (ObligationRow) throws -> Void) async throws {
        try await decodeEach(rows) { try body($0) }
    }

    /// The same, with a body that may suspend (an export writes as it reads).
    static func decodeEach(_ rows: PostgresRowSequence, body: (ObligationRow) async throws -> Void) async throws {
        for try await row in rows {
            let r = row.makeRandomAccess()
            func v<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try r[index].decode(T.self) }
            let stateName = try v(18, String.self)
            let step = try v(19, Int?.self)
            try await body(ObligationRow(
                id: try v(0, Int64.self), unitID: try v(1, Int64.self), unitCode: try v(2, String.self), unitNameVi: try v(3, String.self),
                unitNameEn: try v(4, String.self), schoolYear: try v(5, String.self), ruleSetID: try v(6, Int64.self),
                recordType: try v(7, String.self), typeNameVi: try v(8, String.self), typeNameEn: try v(9, String.self),
                ownerKey: try v(10, String.self), ownerUserID: try v(11, Int64?.self), ownerName: try v(12, String.self),
                ownerNameEn: try v(28, String.self),
                periodKind: try v(13, String.self), periodNumber: try v(14, Int.self), periodFirst: try v(15, String.self),
                periodLast: try v(16, String.self), dueAt: try v(17, Int64.self),
                state: RecordWorkflow.State(stored: stateName, step: step) ?? .open,
                awaitingRole: try v(20, String?.self).flatMap(Role.init(rawValue:)),
                status: ObligationStatus(rawValue: try v(21, String.self)) ?? .pending,
                firstSubmittedAt: try v(22, Int64?.self), currentVersionID: try v(23, Int64?.self), revision: try v(24, Int.self),
                exemptReason: try v(25, String?.self), withdrawn: try v(26, Bool.self),
                signatureState: try v(27, String.self)
            ))
        }
    }

    public func obligation(tenantID: Int64, id: Int64) async throws -> ObligationRow? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.rows(connection, "\(unescaped: Self.select) WHERE o.tenant_id = \(tenantID) AND o.id = \(id)", logger: logger).first
        }
    }

    /// What a person owes: their open, returned and recently due items, soonest first, from
    /// `from` (epoch seconds) up to `until`, plus anything late or returned whenever it was due.
    /// The items of one book at one school for a school year that have a version, by period.
    public func book(tenantID: Int64, unitID: Int64, schoolYear: String, recordType: String) async throws -> [Int64] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT id FROM obligations
                WHERE tenant_id = \(tenantID) AND unit_id = \(unitID) AND school_year = \(schoolYear) AND record_type = \(recordType)
                  AND current_version_id IS NOT NULL
                ORDER BY period_first, owner_key
                """, Int64.self, logger: logger)
        }
    }

    /// A person's items due from `from` to `until`, and whatever is still open before: soonest due
    /// first. Past `limit`, the oldest are left out (the newest are what the person must act on).
    public func owed(tenantID: Int64, userID: Int64, from: Int64, until: Int64, limit: Int = 300) async throws -> [ObligationRow] {
        let logger = self.logger
        let newest = try await database.withTenant(tenantID) { connection in
            try await Self.rows(connection, """
                \(unescaped: Self.select)
                WHERE o.tenant_id = \(tenantID) AND o.owner_user_id = \(userID) AND NOT o.withdrawn
                  AND (o.due_at BETWEEN to_timestamp(\(from)) AND to_timestamp(\(until))
                       OR (o.state IN ('open', 'returned', 'correcting') AND o.exempt_reason IS NULL AND o.due_at < to_timestamp(\(until))))
                ORDER BY o.due_at DESC, o.id DESC LIMIT \(limit)
                """, logger: logger)
        }
        return Array(newest.reversed())
    }

    /// The items waiting for one of the actor's roles, in the subtrees where they hold it. A
    /// subject-group head who heads groups sees their groups' teachers' items.
    public func approvalQueue(_ actor: Actor, limit: Int = 300) async throws -> [ObligationRow] {
        let roles = actor.grants.map(\.role.rawValue)
        let units = actor.grants.map(\.unitID)
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            // Whose records a subject-group head approves is `RecordAccess.groupHeadMayApprove`. Its
            // facts (does the actor head a group, whose groups) are read first; the query applies
            // the rule with them bound, so the limit counts only the items the actor may approve.
            let members = try await connection.fetch("""
                SELECT m.user_id FROM group_members h JOIN group_members m ON m.group_id = h.group_id
                WHERE h.tenant_id = \(actor.tenantID) AND h.user_id = \(actor.userID) AND h.is_head
                  AND (h.valid_to IS NULL OR h.valid_to >= current_date) AND (m.valid_to IS NULL OR m.valid_to >= current_date)
                """, Int64.self, logger: logger)
            let headsAny = !members.isEmpty  // a head is a member of their own group
            let allowed = RecordAccess.groupHeadMayApprove(stepRole: .subjectGroupHead, headship: .init(
                headsAnyGroup: headsAny, headsOwnersGroup: false))
            return try await Self.rows(connection, """
                \(unescaped: Self.select)
                WHERE o.tenant_id = \(actor.tenantID) AND o.state = 'awaiting' AND NOT o.withdrawn
                  AND EXISTS (SELECT 1 FROM unnest(\(roles)::text[], \(units)::bigint[]) AS gr(role, unit_id)
                              JOIN units gu ON gu.id = gr.unit_id
                              WHERE gr.role = o.awaiting_role AND u.path <@ gu.path)
                  AND (o.awaiting_role <> 'subject_group_head' OR o.owner_user_id IS NULL OR \(allowed)
                       OR o.owner_user_id = ANY (\(members)::bigint[]))
                  -- SQL twin of SignerDecisions.approveSpecial: at the subject teachers' step (the only step a
                  -- chain gives the role teacher), the class's assigned teachers who have not signed yet.
                  AND (o.awaiting_role <> 'teacher' OR (
                      EXISTS (SELECT 1 FROM teaching_assignments t
                              WHERE t.class_id = o.owner_class_id AND t.user_id = \(actor.userID)
                                AND t.valid_from <= current_date AND (t.valid_to IS NULL OR t.valid_to >= current_date))
                      AND NOT EXISTS (SELECT 1 FROM workflow_events e
                              WHERE e.obligation_id = o.id AND e.version_id = o.current_version_id AND e.kind = 'approve'
                                AND e.step = o.step AND e.actor_user_id = \(actor.userID)
                                AND e.id > coalesce((SELECT max(id) FROM workflow_events
                                                     WHERE obligation_id = o.id AND kind = 'submit'), 0))))
                  -- SQL twin of SignerDecisions.checkSubmissionSigned: a version whose type asks for the
                  -- uploader's signature is not the first approver's turn until that signature is made.
                  AND (o.step <> 0 OR NOT EXISTS (
                          SELECT 1 FROM record_types rt
                          WHERE rt.rule_set_id = o.rule_set_id AND rt.code = o.record_type
                            AND rt.definition ->> 'submissionSignature' = 'required')
                       OR EXISTS (SELECT 1 FROM record_signatures s
                                  WHERE s.version_id = o.current_version_id AND s.kind = 'submission'))
                ORDER BY o.due_at, o.id LIMIT \(limit)
                """, logger: logger)
        }
    }

    /// A unit's items for a period of time (the school's deadline view), in its subtree.
    public func forUnit(tenantID: Int64, unitID: Int64, from: Int64, until: Int64, limit: Int = 500) async throws -> [ObligationRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.rows(connection, """
                \(unescaped: Self.select)
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(unitID) AND NOT o.withdrawn
                  AND o.due_at BETWEEN to_timestamp(\(from)) AND to_timestamp(\(until))
                ORDER BY o.due_at, o.id LIMIT \(limit)
                """, logger: logger)
        }
    }
}
