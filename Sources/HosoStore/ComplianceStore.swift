import HosoCore
import Logging
import PostgresNIO

/// One line of figures: for a unit, a record type or a week (whichever the grouping names).
public struct ComplianceLine: Sendable, Equatable {
    public let unitID: Int64?
    public let recordType: String?
    public let week: Int?
    public let counts: ComplianceCounts
}

/// A person's figures at a school (the teacher level of the drill-down).
public struct OwnerFigures: Sendable, Equatable {
    public let userID: Int64
    public let login: String
    public let displayName: String
    public let counts: ComplianceCounts
}

/// Someone with items due soon or overdue (the reminder list).
public struct ReminderLine: Sendable, Equatable {
    public let userID: Int64
    public let login: String
    public let displayName: String
    public let email: String?
    public let unitCode: String
    public let unitNameVi: String
    public let unitNameEn: String
    public let dueSoon: Int
    public let overdue: Int
    public let returned: Int
    /// The earliest due time among them (epoch seconds).
    public let earliestDue: Int64
}

/// Which items of a subtree a list shows: one column of the figures.
public enum ComplianceColumn: String, Sendable, CaseIterable {
    case expected, onTime = "on_time", late, late1to3 = "late_1_3", late4to7 = "late_4_7", lateOver7 = "late_over_7"
    case missing, notDue = "not_due", awaiting, returned, approved, signed, locked, exempt

    /// How many of `counts` a list of this column holds (`nil`: every item, exempt ones too): the
    /// kept figures count exactly the rows `predicate` selects.
    public static func count(_ column: ComplianceColumn?, in c: ComplianceCounts) -> Int {
        guard let column else { return c.expected + c.exempt }
        switch column {
        case .expected: return c.expected
        case .onTime: return c.onTime
        case .late: return c.late1to3 + c.late4to7 + c.lateOver7
        case .late1to3: return c.late1to3
        case .late4to7: return c.late4to7
        case .lateOver7: return c.lateOver7
        case .missing: return c.missing
        case .notDue: return c.notDue
        case .awaiting: return c.awaiting
        case .returned: return c.returned
        case .approved: return c.approved
        case .signed: return c.signed
        case .locked: return c.locked
        case .exempt: return c.exempt
        }
    }

    /// The condition on `hoso_compliance_vector(...)` (1-based SQL array `v`). Each entry is 0 or 1;
    /// the conditions say `<> 0`, not `= 1`: the planner cannot see into the function and takes
    /// `= const` for a rare condition (half a percent of the rows), which on a province's five million
    /// items made it loop over every unit for every item (a report's list of overdue items ran for
    /// more than ten minutes instead of seconds); for `<>` it assumes most rows, which is the safe side.
    var predicate: String {
        switch self {
        case .expected: "v[1] <> 0"
        case .onTime: "v[2] <> 0"
        case .late: "(v[3] + v[4] + v[5]) <> 0"
        case .late1to3: "v[3] <> 0"
        case .late4to7: "v[4] <> 0"
        case .lateOver7: "v[5] <> 0"
        case .missing: "v[6] <> 0"
        case .notDue: "v[7] <> 0"
        case .awaiting: "v[8] <> 0"
        case .returned: "v[9] <> 0"
        case .approved: "v[10] <> 0"
        case .signed: "v[11] <> 0"
        case .locked: "v[12] <> 0"
        case .exempt: "v[13] <> 0"
        }
    }
}

/// Compliance figures for any unit's subtree, read from the counts the obligations' trigger keeps
/// (migration 0004), and the lists behind them read from the obligations themselves.
public struct ComplianceStore: Sendable {
    public enum Grouping: Sendable { case unit, unitAndType, week }

    let database: Database
    let logger: Logger
    /// Set inside `together`: the queries share that transaction instead of opening their own.
    let connection: PostgresConnection?

    public init(database: Database, logger: Logger) {
        self.init(database: database, logger: logger, connection: nil)
    }

    init(database: Database, logger: Logger, connection: PostgresConnection?) {
        self.database = database
        self.logger = logger
        self.connection = connection
    }

    /// Runs several reads in one tenant transaction (a page's worth: one BEGIN and COMMIT, not one
    /// per query). The store handed to `body` must be used from `body` alone, one query at a time.
    public func together<T: Sendable>(tenantID: Int64, _ body: @Sendable @escaping (ComplianceStore) async throws -> T) async throws -> T {
        let (database, logger) = (self.database, self.logger)
        return try await run(tenantID) { connection in
            try await body(ComplianceStore(database: database, logger: logger, connection: connection))
        }
    }

    func run<T: Sendable>(_ tenantID: Int64, _ body: @Sendable @escaping (PostgresConnection) async throws -> T) async throws -> T {
        if let connection { return try await body(connection) }
        return try await database.withTenant(tenantID, body)
    }

    /// The thirteen sums as one int[] (one value to decode per row, not thirteen).
    static let sums = """
        ARRAY[sum(expected), sum(on_time), sum(late_1_3), sum(late_4_7), sum(late_over_7), sum(missing), sum(not_due),
              sum(awaiting), sum(returned), sum(approved), sum(signed), sum(locked), sum(exempt)]::int[]
        """

    /// The subtree totals of `unitIDs` under `filter`, grouped by unit and record type, or by week
    /// (all units together).
    public func figures(tenantID: Int64, unitIDs: [Int64], filter: ComplianceFilter, by grouping: Grouping) async throws -> [ComplianceLine] {
        let logger = self.logger
        let (lower, upper) = (filter.weeks.lowerBound, filter.weeks.upperBound)
        let type = filter.recordType, level = filter.schoolLevel?.rawValue
        return try await run(tenantID) { connection in
            let select: String, group: String
            switch grouping {
            case .unit: (select, group) = ("unit_id, NULL::text, NULL::int", "GROUP BY unit_id")
            case .unitAndType: (select, group) = ("unit_id, record_type, NULL::int", "GROUP BY unit_id, record_type")
            case .week: (select, group) = ("NULL::bigint, NULL::text, due_week", "GROUP BY due_week ORDER BY due_week")
            }
            // The whole year is one stored row per unit, type and level (week -1, written as a
            // literal so that its partial index applies); a range sums its weeks.
            let yearRows = grouping != .week && filter.wholeYear
            let (first, last) = yearRows ? (-1, -1) : (max(0, lower), upper)
            let rows = try await connection.query("""
                SELECT \(unescaped: select), \(unescaped: Self.sums)
                FROM compliance_counts
                WHERE tenant_id = \(tenantID) AND unit_id = ANY (\(unitIDs)::bigint[]) AND school_year = \(filter.schoolYear)
                  AND \(unescaped: yearRows ? "due_week = -1" : "due_week >= 0") AND due_week BETWEEN \(first) AND \(last)
                  AND (\(type)::text IS NULL OR record_type = \(type)) AND (\(level)::text IS NULL OR school_level = \(level))
                  AND basis::text = ANY (\(filter.basis.storedBases))
                \(unescaped: group)
                """, logger: logger)
            var lines: [ComplianceLine] = []
            for try await (unitID, recordType, week, vector) in rows.decode((Int64?, String?, Int?, [Int32]).self) {
                lines.append(ComplianceLine(unitID: unitID, recordType: recordType, week: week, counts: ComplianceCounts(vector: vector.map(Int.init))))
            }
            return lines
        }
    }

    /// The people of a school with their own items' figures (the responsible person of each item),
    /// summed from the kept people's counts (migration 0013): a row per person, type and week.
    public func owners(tenantID: Int64, schoolID: Int64, filter: ComplianceFilter) async throws -> [OwnerFigures] {
        let logger = self.logger
        let (lower, upper) = (filter.weeks.lowerBound, filter.weeks.upperBound)
        let type = filter.recordType
        let (first, last) = filter.wholeYear ? (-1, -1) : (max(0, lower), upper)
        return try await run(tenantID) { connection in
            let rows = try await connection.query("""
                SELECT c.owner_user_id, u.login, u.display_name, \(unescaped: Self.sums)
                FROM owner_counts c JOIN users u ON u.id = c.owner_user_id
                WHERE c.tenant_id = \(tenantID) AND c.unit_id = \(schoolID) AND c.school_year = \(filter.schoolYear)
                  AND c.due_week BETWEEN \(first) AND \(last) AND (\(type)::text IS NULL OR c.record_type = \(type))
                GROUP BY c.owner_user_id, u.login, u.display_name
                HAVING sum(c.expected) <> 0 OR sum(c.exempt) <> 0
                ORDER BY u.display_name, u.login
                """, logger: logger)
            var result: [OwnerFigures] = []
            for try await (userID, login, name, vector) in rows.decode((Int64, String, String, [Int32]).self) {
                result.append(OwnerFigures(userID: userID, login: login, displayName: name,
                                           counts: ComplianceCounts(vector: vector.map(Int.init))))
            }
            return result
        }
    }

    static let vector = "hoso_compliance_vector(o.withdrawn, o.exempt_reason IS NOT NULL, o.status, o.state, o.first_submitted_at, o.due_at)"

    /// The items behind a figure, in `unitID`'s subtree, soonest due first: one column, one
    /// person, or all. A long list is read a page at a time: by `offset`, or after the last row
    /// of the previous page (`after`: its due time and id), which stays fast at any depth.
    /// How a list's rows are found (measured on the large province's five million items, a page of
    /// 100 from `make bench`'s lists).
    public enum ListPlan: Sendable {
        /// Above a school, every item of the tenant is hashed against the subtree's units and the
        /// matches sorted (4.7 s on the province, whatever the unit): the only plan that stays
        /// bounded for a report's long lists, which under row-level security the planner misjudges.
        case hashSubtree
        /// The subtree's units first, their items by the unit's index, then a sort: an office's
        /// page (0.2 s where hashing took 4.8 s); at the root it would be 6.7 s.
        case bySubtreeUnits
        /// Deadline order: the page's ids found by walking `obligations_year_due_idx` (migration
        /// 0021) and stopping at the page's end (the province's overdue items: 7 ms).
        case walkDeadlineIndex
    }

    public func items(tenantID: Int64, unitID: Int64?, filter: ComplianceFilter, column: ComplianceColumn?, ownerUserID: Int64?,
                      order: ItemOrder = .standard, english: Bool = false, plan: ListPlan = .hashSubtree,
                      limit: Int, offset: Int = 0, after: (dueAt: Int64, id: Int64)? = nil) async throws -> [ObligationRow] {
        let logger = self.logger
        let walk = plan == .walkDeadlineIndex && order.sort == .due
        let query = Self.itemsQuery(tenantID: tenantID, unitID: unitID, filter: filter, column: column, ownerUserID: ownerUserID,
                                    order: order, english: english, limit: limit, offset: offset, after: after, walk: walk)
        return try await run(tenantID) { connection in
            if plan == .hashSubtree { try await Self.joinBySubtree(connection, unitID: unitID, logger: logger) }
            return try await ObligationStore.rows(connection, query, logger: logger)
        }
    }

    /// Under row-level security the planner sees a subtree's items as a few hundred rows at most and
    /// may loop over every unit (or group, or class) for each of them: on a province's five million
    /// items a report's list of overdue items ran for over two minutes instead of eight seconds.
    /// Above a school, the rest of the transaction joins by hashing instead. (A person's own items,
    /// `unitID` nil, are few and found by their owner's index.)
    static func joinBySubtree(_ connection: PostgresConnection, unitID: Int64?, logger: Logger) async throws {
        guard let unitID else { return }
        try await connection.run("""
            SELECT set_config('enable_nestloop', CASE WHEN EXISTS (SELECT 1 FROM units WHERE parent_id = \(unitID)) THEN 'off' ELSE 'on' END, true)
            """, logger: logger)
    }

    /// A unit's kept figures under a filter, all its items together (the count of any of its lists
    /// without a person, at once, whatever its size).
    public func unitCounts(tenantID: Int64, unitID: Int64, filter: ComplianceFilter) async throws -> ComplianceCounts {
        var total = ComplianceCounts()
        for line in try await figures(tenantID: tenantID, unitIDs: [unitID], filter: filter, by: .unit) { total += line.counts }
        return total
    }

    /// How many items `items` would list, counted up to `ListCount.cap` (and one more, to tell that
    /// there are more): a count never reads a province's whole list.
    public func itemCount(tenantID: Int64, unitID: Int64?, filter: ComplianceFilter, column: ComplianceColumn?,
                          ownerUserID: Int64?) async throws -> ListCount {
        let logger = self.logger
        let query = Self.itemsQuery(tenantID: tenantID, unitID: unitID, filter: filter, column: column, ownerUserID: ownerUserID,
                                    limit: ListCount.cap + 1, offset: 0, after: nil, counting: true)
        let counted = try await run(tenantID) { connection in
            try await Self.joinBySubtree(connection, unitID: unitID, logger: logger)
            return try await connection.fetch(query, Int.self, logger: logger).first ?? 0
        }
        return ListCount(counted: counted)
    }

    /// The people who own items of a school in a school year, by name (a list's person filter).
    /// Empty for a unit above the schools: its own items are none, its people too many for a list.
    /// Read from the unit's items (its index), so above a school it finds nothing at once.
    public func owners(tenantID: Int64, unitID: Int64, schoolYear: String, limit: Int = 500) async throws -> [(id: Int64, name: String)] {
        let logger = self.logger
        return try await run(tenantID) { connection in
            try await connection.fetch("""
                SELECT ou.id, ou.display_name FROM users ou
                WHERE ou.tenant_id = \(tenantID) AND ou.id IN (
                    SELECT o.owner_user_id FROM obligations o
                    WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(unitID) AND o.school_year = \(schoolYear) AND NOT o.withdrawn)
                ORDER BY ou.display_name COLLATE "vi-VN-x-icu", ou.id LIMIT \(limit)
                """, (Int64, String).self, logger: logger).map { (id: $0.0, name: $0.1) }
        }
    }

    /// Whether a user id names one of the tenant's people (a list's `owner` must).
    public func personExists(tenantID: Int64, userID: Int64) async throws -> Bool {
        let logger = self.logger
        return try await run(tenantID) { connection in
            try await !connection.fetch("SELECT 1 FROM users WHERE tenant_id = \(tenantID) AND id = \(userID)", Int.self, logger: logger)
                .isEmpty
        }
    }

    /// Every item behind a figure, in the order of `items`, read by one query in one transaction and
    /// handed on in batches as the rows arrive (PostgresNIO reads the portal with backpressure: a
    /// slow reader holds the rows back, memory stays flat whatever the count). For exports.
    public func forEachItem(tenantID: Int64, unitID: Int64?, filter: ComplianceFilter, column: ComplianceColumn?, ownerUserID: Int64?,
                            order: ItemOrder = .standard, english: Bool = false,
                            batch: Int, _ body: @Sendable @escaping ([ObligationRow]) async throws -> Void) async throws {
        let logger = self.logger
        let query = Self.itemsQuery(tenantID: tenantID, unitID: unitID, filter: filter, column: column, ownerUserID: ownerUserID,
                                    order: order, english: english, limit: nil, offset: 0, after: nil)
        try await run(tenantID) { connection in
            var rows: [ObligationRow] = []
            rows.reserveCapacity(batch)
            let sequence = try await connection.query(query, logger: logger)
            try await ObligationStore.decodeEach(sequence) { row in
                rows.append(row)
                if rows.count >= batch {
                    try await body(rows)
                    rows.removeAll(keepingCapacity: true)
                }
            }
            if !rows.isEmpty { try await body(rows) }
        }
    }

    /// The list's query; `counting` wraps it in a count of its first `limit` rows instead. `walk`
    /// (deadline order only) finds the page's ids over the items and their units alone, which walks
    /// the deadline index and stops at the page's end, then reads the page's 100 rows whole (with
    /// the type's, owner's, group's and class's names joined, the planner would sort every row).
    static func itemsQuery(tenantID: Int64, unitID: Int64?, filter: ComplianceFilter, column: ComplianceColumn?, ownerUserID: Int64?,
                           order: ItemOrder = .standard, english: Bool = false,
                           limit: Int?, offset: Int, after: (dueAt: Int64, id: Int64)?, counting: Bool = false,
                           walk: Bool = false) -> PostgresQuery {
        let (lower, upper) = (filter.weeks.lowerBound, filter.weeks.upperBound)
        let type = filter.recordType, level = filter.schoolLevel?.rawValue, whole = filter.wholeYear
        let predicate = column?.predicate ?? "true"
        let afterDue = after?.dueAt, afterID = after?.id
        // Along the tree as it stood: the items whose school hung under the unit on their due date.
        // (The two constants select one branch when the query is planned.)
        let (now, stood) = filter.basis == .stood ? ("false", "true") : ("true", "false")
        let unitPattern = "*.\(unitID ?? 0).*"
        // No unit: anywhere in the tenant (a person's own items, `ownerUserID` set).
        let anywhere = unitID == nil ? "true" : "false"
        let (countOpen, countClose) = counting ? ("SELECT count(*)::int FROM (", ") listed") : ("", "")
        let (key, direction) = (Self.orderKey(order.sort, english: english), order.descending ? "DESC" : "ASC")
        let (pageOpen, pageClose) = walk
            ? (ObligationStore.select + " WHERE o.id = ANY (ARRAY(SELECT o.id FROM obligations o JOIN units u ON u.id = o.unit_id",
               order.descending ? ")) ORDER BY o.due_at DESC, o.id DESC" : ")) ORDER BY o.due_at ASC, o.id ASC")
            : (ObligationStore.select, "")
        return """
            \(unescaped: countOpen)
            \(unescaped: pageOpen)
            CROSS JOIN LATERAL (SELECT \(unescaped: Self.vector) AS v) cv
            WHERE o.tenant_id = \(tenantID) AND NOT o.withdrawn AND o.school_year = \(filter.schoolYear)
              AND (\(unescaped: anywhere) OR (\(unescaped: now) AND u.path <@ (SELECT path FROM units WHERE id = \(unitID ?? 0)))
                   OR (\(unescaped: stood) AND EXISTS (
                       SELECT 1 FROM unit_paths p
                       WHERE p.unit_id = o.unit_id AND p.path ~ \(unitPattern)::lquery
                         AND p.valid_from <= (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                         AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < p.valid_to)))
              AND (\(whole) OR o.due_week BETWEEN \(lower) AND \(upper))
              AND (\(type)::text IS NULL OR o.record_type = \(type))
              AND (\(level)::text IS NULL OR u.school_levels[1] = \(level))
              AND (\(ownerUserID)::bigint IS NULL OR o.owner_user_id = \(ownerUserID))
              AND (\(afterDue)::bigint IS NULL OR (o.due_at, o.id) > (to_timestamp(\(afterDue)), \(afterID)))
              AND \(unescaped: predicate)
            ORDER BY \(unescaped: key) \(unescaped: direction), o.due_at \(unescaped: direction), o.id \(unescaped: direction)
            LIMIT \(limit) OFFSET \(max(0, offset))
            \(unescaped: pageClose)
            \(unescaped: countClose)
            """
    }

    /// The first key of a list's order (`ItemSort`), over the columns of `ObligationStore.select`;
    /// names compared without case or diacritics (`hoso_fold`, migration 0018), letter by letter.
    static func orderKey(_ sort: ItemSort, english: Bool) -> String {
        switch sort {
        case .due: "o.due_at"
        case .type: english ? #"hoso_fold(coalesce(nullif(rt.name_en, ''), rt.name_vi)) COLLATE "C""# : #"hoso_fold(rt.name_vi) COLLATE "C""#
        case .owner: #"hoso_fold(coalesce(ou.display_name, g.name_vi, c.code, u.name_vi)) COLLATE "C""#
        case .unit: "u.code"
        // The status `select` shows, the most urgent first.
        case .status:
            """
            CASE CASE WHEN o.status = 'pending' AND o.due_at < now() THEN 'missing' ELSE o.status END
                WHEN 'missing' THEN 0 WHEN 'returned' THEN 1 WHEN 'late' THEN 2 WHEN 'submitted' THEN 3 WHEN 'pending' THEN 4
                WHEN 'approved' THEN 5 WHEN 'signed' THEN 6 WHEN 'locked' THEN 7 ELSE 8 END
            """
        }
    }

    /// A school's deadlines between two instants, one line per record type and due day.
    public struct DeadlineLine: Sendable {
        public let recordType: String
        public let typeNameVi: String
        public let typeNameEn: String
        public let dueAt: Int64
        public let expected: Int
        public let submitted: Int
        public let exempt: Int
    }

    public func deadlines(tenantID: Int64, schoolID: Int64, from: Int64, until: Int64) async throws -> [DeadlineLine] {
        let logger = self.logger
        return try await run(tenantID) { connection in
            var lines: [DeadlineLine] = []
            for try await (type, nameVi, nameEn, due, expected, submitted, exempt) in try await connection.query("""
                SELECT o.record_type, rt.name_vi, rt.name_en, extract(epoch FROM max(o.due_at))::bigint,
                       count(*) FILTER (WHERE o.exempt_reason IS NULL)::int,
                       count(*) FILTER (WHERE o.exempt_reason IS NULL AND o.first_submitted_at IS NOT NULL)::int,
                       count(*) FILTER (WHERE o.exempt_reason IS NOT NULL)::int
                FROM obligations o JOIN record_types rt ON rt.rule_set_id = o.rule_set_id AND rt.code = o.record_type
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(schoolID) AND NOT o.withdrawn
                  AND o.due_at BETWEEN to_timestamp(\(from)) AND to_timestamp(\(until))
                GROUP BY o.record_type, rt.name_vi, rt.name_en, (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                ORDER BY 4, 1
                """, logger: logger).decode((String, String, String, Int64, Int, Int, Int).self) {
                lines.append(DeadlineLine(recordType: type, typeNameVi: nameVi, typeNameEn: nameEn, dueAt: due, expected: expected,
                                          submitted: submitted, exempt: exempt))
            }
            return lines
        }
    }

    /// Who at a school has items overdue with nothing submitted, the most first.
    public struct OverdueLine: Sendable {
        public let userID: Int64
        public let login: String
        public let displayName: String
        public let count: Int
        public let oldestDue: Int64
    }

    public func overdueByOwner(tenantID: Int64, schoolID: Int64, filter: ComplianceFilter, limit: Int = 40) async throws -> [OverdueLine] {
        let logger = self.logger
        let (lower, upper, whole) = (filter.weeks.lowerBound, filter.weeks.upperBound, filter.wholeYear)
        let type = filter.recordType
        return try await run(tenantID) { connection in
            var lines: [OverdueLine] = []
            for try await (id, login, name, count, oldest) in try await connection.query("""
                SELECT o.owner_user_id, u.login, u.display_name, count(*)::int, extract(epoch FROM min(o.due_at))::bigint
                FROM obligations o JOIN users u ON u.id = o.owner_user_id
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(schoolID) AND o.school_year = \(filter.schoolYear) AND NOT o.withdrawn
                  AND o.exempt_reason IS NULL AND o.first_submitted_at IS NULL AND o.status = 'missing'
                  AND (\(whole) OR o.due_week BETWEEN \(lower) AND \(upper)) AND (\(type)::text IS NULL OR o.record_type = \(type))
                GROUP BY o.owner_user_id, u.login, u.display_name
                ORDER BY 4 DESC, 3, 2 LIMIT \(limit)
                """, logger: logger).decode((Int64, String, String, Int, Int64).self) {
                lines.append(OverdueLine(userID: id, login: login, displayName: name, count: count, oldestDue: oldest))
            }
            return lines
        }
    }

    /// What waits for approval at a school, by record type and step of the chain.
    public struct WaitingLine: Sendable {
        public let recordType: String
        public let typeNameVi: String
        public let typeNameEn: String
        public let step: Int
        public let role: String
        public let count: Int
        public let oldestSubmitted: Int64?
    }

    public func awaitingBySteps(tenantID: Int64, schoolID: Int64, filter: ComplianceFilter) async throws -> [WaitingLine] {
        let logger = self.logger
        let (lower, upper, whole) = (filter.weeks.lowerBound, filter.weeks.upperBound, filter.wholeYear)
        let type = filter.recordType
        return try await run(tenantID) { connection in
            var lines: [WaitingLine] = []
            for try await (code, nameVi, nameEn, step, role, count, oldest) in try await connection.query("""
                SELECT o.record_type, rt.name_vi, rt.name_en, coalesce(o.step, 0), coalesce(o.awaiting_role, ''), count(*)::int,
                       extract(epoch FROM min(o.last_event_at))::bigint
                FROM obligations o JOIN record_types rt ON rt.rule_set_id = o.rule_set_id AND rt.code = o.record_type
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(schoolID) AND o.school_year = \(filter.schoolYear) AND NOT o.withdrawn
                  AND o.state = 'awaiting' AND (\(whole) OR o.due_week BETWEEN \(lower) AND \(upper))
                  AND (\(type)::text IS NULL OR o.record_type = \(type))
                GROUP BY o.record_type, rt.name_vi, rt.name_en, coalesce(o.step, 0), coalesce(o.awaiting_role, '')
                ORDER BY 6 DESC, 1, 4
                """, logger: logger).decode((String, String, String, Int, String, Int, Int64?).self) {
                lines.append(WaitingLine(recordType: code, typeNameVi: nameVi, typeNameEn: nameEn, step: step, role: role, count: count,
                                         oldestSubmitted: oldest))
            }
            return lines
        }
    }

    /// People in `unitID`'s subtree with items due within `days` days of `now`, or overdue (due
    /// with nothing submitted, or returned and not yet sent again), the most overdue first.
    public func reminders(tenantID: Int64, unitID: Int64, now: Int64, days: Int) async throws -> [ReminderLine] {
        let logger = self.logger
        let until = now + Int64(days) * 86_400
        return try await run(tenantID) { connection in
            let rows = try await connection.query("""
                SELECT o.owner_user_id, p.login, p.display_name, p.email, u.code, u.name_vi, u.name_en,
                       count(*) FILTER (WHERE o.state = 'open' AND o.due_at >= to_timestamp(\(now)))::int,
                       count(*) FILTER (WHERE o.state = 'open' AND o.due_at < to_timestamp(\(now)))::int,
                       count(*) FILTER (WHERE o.state IN ('returned', 'correcting'))::int,
                       extract(epoch FROM min(o.due_at))::bigint
                FROM obligations o
                JOIN units u ON u.id = o.unit_id
                JOIN users p ON p.id = o.owner_user_id
                WHERE o.tenant_id = \(tenantID) AND NOT o.withdrawn AND o.exempt_reason IS NULL
                  AND u.path <@ (SELECT path FROM units WHERE id = \(unitID))
                  AND (o.state IN ('returned', 'correcting') OR (o.state = 'open' AND o.due_at <= to_timestamp(\(until))))
                GROUP BY o.owner_user_id, p.login, p.display_name, p.email, u.code, u.name_vi, u.name_en
                ORDER BY 9 DESC, 11, 3, 2
                """, logger: logger)
            var lines: [ReminderLine] = []
            for try await row in rows {
                let r = row.makeRandomAccess()
                lines.append(ReminderLine(
                    userID: try r[0].decode(Int64.self), login: try r[1].decode(String.self), displayName: try r[2].decode(String.self),
                    email: try r[3].decode(String?.self), unitCode: try r[4].decode(String.self), unitNameVi: try r[5].decode(String.self),
                    unitNameEn: try r[6].decode(String.self), dueSoon: try r[7].decode(Int.self), overdue: try r[8].decode(Int.self),
                    returned: try r[9].decode(Int.self), earliestDue: try r[10].decode(Int64.self)
                ))
            }
            return lines
        }
    }
}
