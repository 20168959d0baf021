import HosoCore
import Logging
import PostgresNIO

/// One of a person's items that a reminder names.
public struct DigestItem: Sendable, Equatable {
    public enum Kind: String, Sendable { case due, overdue, returned, awaiting }
    public let itemID: Int64
    public let typeNameVi: String
    public let typeNameEn: String
    public let dueAt: Int64
    public let kind: Kind
    public let unitCode: String
}

/// A person who gets reminders, with their choices (the defaults when they made none) and items.
public struct DigestRecipient: Sendable, Equatable {
    public let userID: Int64
    public let login: String
    public let displayName: String
    public let email: String?
    public let language: String
    public let weekly: Bool
    public let dayBefore: Bool
    /// 1 = Monday … 7 = Sunday.
    public let weekday: Int
    public var items: [DigestItem]
}

/// What the reminder job reads and records (migration 0014).
public struct DigestStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Every person of the tenant with items due within `days` days of `now` (nothing submitted),
    /// overdue (due in the last `pastDays` days, nothing submitted) or returned for changes: each
    /// with their own items only, soonest due first.
    public func teacherRecipients(tenantID: Int64, now: Int64, days: Int, pastDays: Int) async throws -> [DigestRecipient] {
        let logger = self.logger
        let until = now + Int64(days) * 86_400, since = now - Int64(pastDays) * 86_400
        return try await database.withTenant(tenantID) { connection in
            let rows = try await connection.query("""
                WITH \(unescaped: Self.tenantDefaults)
                SELECT \(unescaped: Self.personColumns),
                       o.id, rt.name_vi, rt.name_en, extract(epoch FROM o.due_at)::bigint,
                       CASE WHEN o.state IN ('returned', 'correcting') THEN 'returned'
                            WHEN o.due_at < to_timestamp(\(now)) THEN 'overdue' ELSE 'due' END,
                       u.code
                FROM obligations o
                JOIN users p ON p.id = o.owner_user_id
                JOIN units u ON u.id = o.unit_id
                JOIN record_types rt ON rt.rule_set_id = o.rule_set_id AND rt.code = o.record_type
                LEFT JOIN notification_settings s ON s.user_id = p.id CROSS JOIN d
                WHERE o.tenant_id = \(tenantID) AND NOT o.withdrawn AND o.exempt_reason IS NULL
                  AND (o.state IN ('returned', 'correcting')
                       OR (o.state = 'open' AND o.first_submitted_at IS NULL
                           AND o.due_at BETWEEN to_timestamp(\(since)) AND to_timestamp(\(until))))
                ORDER BY p.id, o.due_at, o.id
                """, logger: logger)
            return try await Self.recipients(rows)
        }
    }

    /// Every approver with items waiting for them: principals and vice principals for their
    /// unit's subtree at their step, group heads for their groups' members. `dueAt` is when each was
    /// submitted (how long it has waited), oldest first.
    public func approverRecipients(tenantID: Int64) async throws -> [DigestRecipient] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            let rows = try await connection.query("""
                WITH \(unescaped: Self.tenantDefaults)
                SELECT \(unescaped: Self.personColumns),
                       o.id, rt.name_vi, rt.name_en, extract(epoch FROM coalesce(o.last_event_at, o.due_at))::bigint, 'awaiting', u.code
                FROM (SELECT g.user_id, o.id AS item
                      FROM user_grants g JOIN units gu ON gu.id = g.unit_id
                      JOIN units su ON su.tenant_id = \(tenantID) AND su.path <@ gu.path
                      JOIN obligations o ON o.tenant_id = \(tenantID) AND o.unit_id = su.id
                      WHERE g.tenant_id = \(tenantID) AND g.role IN ('principal', 'vice_principal')
                        AND o.state = 'awaiting' AND o.awaiting_role = g.role AND NOT o.withdrawn
                      UNION
                      SELECT hm.user_id, o.id
                      FROM group_members hm JOIN group_members m ON m.group_id = hm.group_id
                      JOIN obligations o ON o.tenant_id = \(tenantID) AND o.owner_user_id = m.user_id
                      WHERE hm.tenant_id = \(tenantID) AND hm.is_head AND hm.user_id <> m.user_id
                        AND o.state = 'awaiting' AND o.awaiting_role IN ('subject_group_head', 'office_group_head') AND NOT o.withdrawn
                     ) a
                JOIN obligations o ON o.id = a.item
                JOIN users p ON p.id = a.user_id
                JOIN units u ON u.id = o.unit_id
                JOIN record_types rt ON rt.rule_set_id = o.rule_set_id AND rt.code = o.record_type
                LEFT JOIN notification_settings s ON s.user_id = p.id CROSS JOIN d
                ORDER BY p.id, 12, o.id
                """, logger: logger)
            return try await Self.recipients(rows)
        }
    }

    /// The tenant's defaults for people who have not chosen (`notifications` of the tenant file),
    /// as the one-row table `d`; the built-in defaults where the tenant sets none.
    static let tenantDefaults = """
        d AS (SELECT coalesce((notifications->>'weekly')::boolean, true) AS weekly,
                     coalesce((notifications->>'day_before')::boolean, true) AS day_before,
                     coalesce((notifications->>'weekday')::int, 1) AS weekday,
                     coalesce(notifications->>'language', 'vi') AS language
              FROM tenants WHERE id = hoso_current_tenant())
        """

    /// A recipient's columns (person `p`, their choice `s`, the defaults `d`), as `recipients` reads them.
    static let personColumns = """
        p.id, p.login, p.display_name, p.email, coalesce(s.language, d.language), coalesce(s.weekly, d.weekly),
        coalesce(s.day_before, d.day_before), coalesce(s.weekday, d.weekday)
        """

    /// People and their items from rows of (person: id, login, name, email, language, weekly, day
    /// before, weekday; item: id, type names, time, kind, unit code), ordered by person.
    static func recipients(_ rows: PostgresRowSequence) async throws -> [DigestRecipient] {
        var result: [DigestRecipient] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            let userID = try r[0].decode(Int64.self)
            let item = DigestItem(
                itemID: try r[8].decode(Int64.self), typeNameVi: try r[9].decode(String.self), typeNameEn: try r[10].decode(String.self),
                dueAt: try r[11].decode(Int64.self), kind: DigestItem.Kind(rawValue: try r[12].decode(String.self)) ?? .due,
                unitCode: try r[13].decode(String.self))
            if result.last?.userID == userID {
                result[result.count - 1].items.append(item)
            } else {
                result.append(try person(r, items: [item]))
            }
        }
        return result
    }

    /// The person of a row's first eight columns (`personColumns`).
    static func person(_ r: PostgresRandomAccessRow, items: [DigestItem]) throws -> DigestRecipient {
        DigestRecipient(
            userID: try r[0].decode(Int64.self), login: try r[1].decode(String.self), displayName: try r[2].decode(String.self),
            email: try r[3].decode(String?.self), language: try r[4].decode(String.self), weekly: try r[5].decode(Bool.self),
            dayBefore: try r[6].decode(Bool.self), weekday: try r[7].decode(Int.self), items: items)
    }

    /// A principal's school: the people with overdue items (nothing submitted, due since `since`).
    public struct OverdueByPerson: Sendable, Equatable {
        public let userID: Int64
        public let login: String
        public let displayName: String
        public let unitCode: String
        public let count: Int
        /// The oldest of their overdue items' deadlines.
        public let oldestDue: Int64
    }

    /// Every principal with overdue items in their unit's subtree, each with the people who owe
    /// them (most overdue first). The principal's own choices come with them, items empty.
    public func principalsOverdue(tenantID: Int64, since: Int64) async throws -> [(principal: DigestRecipient, people: [OverdueByPerson])] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var result: [(principal: DigestRecipient, people: [OverdueByPerson])] = []
            let rows = try await connection.query("""
                WITH \(unescaped: Self.tenantDefaults)
                SELECT \(unescaped: Self.personColumns),
                       w.id, w.login, w.display_name, u.code, count(*)::int, extract(epoch FROM min(o.due_at))::bigint
                FROM user_grants g JOIN units gu ON gu.id = g.unit_id
                JOIN units u ON u.tenant_id = \(tenantID) AND u.path <@ gu.path
                JOIN obligations o ON o.tenant_id = \(tenantID) AND o.unit_id = u.id
                JOIN users w ON w.id = o.owner_user_id
                JOIN users p ON p.id = g.user_id
                LEFT JOIN notification_settings s ON s.user_id = p.id CROSS JOIN d
                WHERE g.tenant_id = \(tenantID) AND g.role = 'principal' AND NOT o.withdrawn AND o.exempt_reason IS NULL
                  AND o.first_submitted_at IS NULL AND o.status = 'missing' AND o.due_at >= to_timestamp(\(since))
                GROUP BY p.id, p.login, p.display_name, p.email, s.language, s.weekly, s.day_before, s.weekday,
                         d.language, d.weekly, d.day_before, d.weekday, w.id, w.login, w.display_name, u.code
                ORDER BY p.id, 13 DESC, 11, 10
                """, logger: logger)
            for try await row in rows {
                let r = row.makeRandomAccess()
                let principal = try Self.person(r, items: [])
                let line = OverdueByPerson(
                    userID: try r[8].decode(Int64.self), login: try r[9].decode(String.self), displayName: try r[10].decode(String.self),
                    unitCode: try r[11].decode(String.self), count: try r[12].decode(Int.self), oldestDue: try r[13].decode(Int64.self))
                if result.last?.principal.userID == principal.userID {
                    result[result.count - 1].people.append(line)
                } else {
                    result.append((principal, [line]))
                }
            }
            return result
        }
    }

    /// An inspection's follow-up action that an officer's digest names: open, due by a day.
    public struct FollowUpDue: Sendable, Equatable {
        public let id: Int64
        public let inspectionID: Int64
        public let inspectionSymbol: String
        public let action: String
        public let ownerName: String
        public let unitCode: String
        /// ISO date.
        public let dueOn: String
    }

    /// For each officer's or inspector's grant (person, unit): the open follow-ups due by `until`
    /// (ISO date; overdue ones too) of findings at schools inside that unit, soonest first. A school
    /// outside the grant's subtree is never read into it.
    public func followUpsDue(tenantID: Int64, until: String) async throws -> [WatchKey: [FollowUpDue]] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var result: [WatchKey: [FollowUpDue]] = [:]
            for (user, unit, id, inspection, symbol, action, owner, code, due) in try await connection.fetch("""
                SELECT g.user_id, g.unit_id, f.id, i.id, i.symbol, f.action, ow.display_name, su.code, f.due_on::text
                FROM user_grants g JOIN units gu ON gu.id = g.unit_id
                JOIN follow_ups f ON f.tenant_id = \(tenantID) AND f.state = 'open' AND f.due_on <= \(until)::date
                JOIN inspections i ON i.id = f.inspection_id AND i.state <> 'cancelled'
                JOIN inspection_findings fi ON fi.id = f.finding_id
                JOIN inspection_items it ON it.id = fi.item_id
                JOIN units su ON su.id = it.unit_id AND su.path <@ gu.path
                JOIN users ow ON ow.id = f.owner_user_id
                WHERE g.tenant_id = \(tenantID)
                  AND g.role IN ('provincial_officer', 'district_officer', 'provincial_inspector', 'district_inspector')
                ORDER BY g.user_id, g.unit_id, f.due_on, f.id
                """, (Int64, Int64, Int64, Int64, String, String, String, String, String).self, logger: logger) {
                result[WatchKey(userID: user, unitID: unit), default: []].append(FollowUpDue(
                    id: id, inspectionID: inspection, inspectionSymbol: symbol, action: action, ownerName: owner, unitCode: code, dueOn: due))
            }
            return result
        }
    }

    /// A person and a unit they watch.
    public struct WatchKey: Hashable, Sendable {
        public let userID: Int64
        public let unitID: Int64
        public init(userID: Int64, unitID: Int64) {
            self.userID = userID
            self.unitID = unitID
        }
    }

    /// A unit an officer or inspector watches, and what to send them.
    public struct Watcher: Sendable, Equatable {
        public let userID: Int64
        public let login: String
        public let displayName: String
        public let email: String?
        public let language: String
        public let weekly: Bool
        public let weekday: Int
        public let unitID: Int64
    }

    /// Provincial and district officers and inspectors with the units they watch (open units only).
    public func watchers(tenantID: Int64) async throws -> [Watcher] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var result: [Watcher] = []
            for (user, login, name, email, language, weekly, weekday, unit) in try await connection.fetch("""
                WITH \(unescaped: Self.tenantDefaults)
                SELECT DISTINCT p.id, p.login, p.display_name, p.email, coalesce(s.language, d.language), coalesce(s.weekly, d.weekly),
                       coalesce(s.weekday, d.weekday), g.unit_id
                FROM user_grants g JOIN users p ON p.id = g.user_id JOIN units u ON u.id = g.unit_id
                LEFT JOIN notification_settings s ON s.user_id = p.id CROSS JOIN d
                WHERE g.tenant_id = \(tenantID) AND u.closes_on IS NULL
                  AND g.role IN ('provincial_officer', 'district_officer', 'provincial_inspector', 'district_inspector')
                ORDER BY p.id, g.unit_id
                """, (Int64, String, String, String?, String, Bool, Int, Int64).self, logger: logger) {
                result.append(Watcher(userID: user, login: login, displayName: name, email: email, language: language, weekly: weekly,
                                      weekday: weekday, unitID: unit))
            }
            return result
        }
    }

    /// What the digests of week `week` showed for some units.
    public func figures(tenantID: Int64, unitIDs: [Int64], week: String) async throws -> [Int64: (completeness: Double?, timeliness: Double?)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var result: [Int64: (completeness: Double?, timeliness: Double?)] = [:]
            for (unit, completeness, timeliness) in try await connection.fetch("""
                SELECT unit_id, completeness, timeliness FROM digest_figures
                WHERE tenant_id = \(tenantID) AND week = \(week) AND unit_id = ANY (\(unitIDs))
                """, (Int64, Double?, Double?).self, logger: logger) {
                result[unit] = (completeness, timeliness)
            }
            return result
        }
    }

    /// Keeps what this week's first digests show for some units (a later day of the week keeps them).
    public func keepFigures(tenantID: Int64, week: String, _ figures: [(unitID: Int64, completeness: Double?, timeliness: Double?)]) async throws {
        let logger = self.logger
        try await database.withTenant(tenantID) { connection in
            for figure in figures {
                try await connection.run("""
                    INSERT INTO digest_figures (tenant_id, unit_id, week, completeness, timeliness)
                    VALUES (\(tenantID), \(figure.unitID), \(week), \(figure.completeness), \(figure.timeliness))
                    ON CONFLICT (tenant_id, unit_id, week) DO NOTHING
                    """, logger: logger)
            }
        }
    }

    /// Whether the job already ran for `period` (a cheap look before any reading).
    public func ran(tenantID: Int64, kind: String, period: String) async throws -> Bool {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            !(try await connection.fetch("""
                SELECT 1 FROM digest_runs WHERE tenant_id = \(tenantID) AND kind = \(kind) AND period = \(period)
                """, Int.self, logger: logger)).isEmpty
        }
    }

    /// Records that the job ran for `period` (a day) and runs `body` in the same transaction, under
    /// the tenant's reminder lock, so a crash leaves neither. Nil when it already ran (another
    /// process, or an earlier run): the day's reminders are then not made again.
    public func once(tenantID: Int64, kind: String, period: String,
                     _ body: @Sendable @escaping (Database) async throws -> (made: Int, skipped: Int)) async throws -> (made: Int, skipped: Int)? {
        let logger = self.logger
        return try await database.together(tenantID) { bound in
            try await bound.withTenant(tenantID) { connection in
                let locked = try await connection.fetch(
                    "SELECT pg_try_advisory_xact_lock(hashtext(\("digests:" + String(tenantID))))", Bool.self, logger: logger).first ?? false
                guard locked else { return nil }
                let fresh = try await connection.fetch("""
                    INSERT INTO digest_runs (tenant_id, kind, period, made, skipped) VALUES (\(tenantID), \(kind), \(period), 0, 0)
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, Int.self, logger: logger)
                guard !fresh.isEmpty else { return nil }
                let (made, skipped) = try await body(bound)
                try await connection.run("""
                    UPDATE digest_runs SET made = \(made), skipped = \(skipped)
                    WHERE tenant_id = \(tenantID) AND kind = \(kind) AND period = \(period)
                    """, logger: logger)
                return (made, skipped)
            }
        }
    }

    /// People with items to be reminded of whose address is missing or malformed (they get none;
    /// the administrator sees them on the outbox page).
    public func skippedAddresses(tenantID: Int64, limit: Int = 200) async throws -> [(login: String, name: String, email: String?)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT DISTINCT p.login, p.display_name, p.email FROM users p
                WHERE p.tenant_id = \(tenantID)
                  AND (p.email IS NULL OR p.email !~ '^[^@\\s<>(),;:"]+@[^@\\s<>(),;:"]+\\.[^@\\s<>(),;:"]+$')
                  AND EXISTS (SELECT 1 FROM obligations o WHERE o.tenant_id = \(tenantID) AND o.owner_user_id = p.id
                              AND NOT o.withdrawn AND o.state IN ('open', 'returned', 'correcting'))
                ORDER BY p.login LIMIT \(limit)
                """, (String, String, String?).self, logger: logger).map { ($0.0, $0.1, $0.2) }
        }
    }

    /// An account as the directory's daily read gives it.
    public struct DirectoryPerson: Sendable {
        public let login: String
        public let dn: String
        public let displayName: String
        public let email: String?
        public init(login: String, dn: String, displayName: String, email: String?) {
            self.login = login
            self.dn = dn
            self.displayName = displayName
            self.email = email
        }
    }

    /// Takes the directory's addresses for the people it knows and the portal has none for (a
    /// sign-in refreshes a person's address; this reaches those who never signed in, such as the
    /// teachers a records import named). `reminded` (with an address) who have no row at all get
    /// one, so a reminder can name them and its unsubscribe link can turn it off. Local accounts
    /// are left as they are. Returns how many rows changed.
    @discardableResult
    public func takeAddresses(tenantID: Int64, _ people: [DirectoryPerson], reminded: Set<String>) async throws -> Int {
        let logger = self.logger
        let logins = people.map(\.login), dns = people.map(\.dn), names = people.map(\.displayName)
        let emails = people.map { $0.email ?? "" }, create = people.map { reminded.contains($0.login) && $0.email != nil }
        return try await database.withTenant(tenantID) { connection in
            let updated = try await connection.fetch("""
                UPDATE users u SET email = a.email
                FROM unnest(\(logins)::text[], \(emails)::text[]) AS a(login, email)
                WHERE u.tenant_id = \(tenantID) AND u.login = a.login AND u.source = 'directory'
                  AND u.email IS NULL AND a.email <> \("")
                RETURNING u.id
                """, Int64.self, logger: logger).count
            let created = try await connection.fetch("""
                INSERT INTO users (tenant_id, login, source, directory_dn, display_name, email)
                SELECT \(tenantID), a.login, 'directory', a.dn, a.name, a.email
                FROM unnest(\(logins)::text[], \(dns)::text[], \(names)::text[], \(emails)::text[], \(create)::boolean[])
                     AS a(login, dn, name, email, made)
                WHERE a.made
                ON CONFLICT (tenant_id, login) DO NOTHING
                RETURNING id
                """, Int64.self, logger: logger).count
            return updated + created
        }
    }

    /// People of the tenant by login (directory accounts only), with their choices; items empty.
    public func people(tenantID: Int64, logins: [String]) async throws -> [DigestRecipient] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var result: [DigestRecipient] = []
            for try await row in try await connection.query("""
                WITH \(unescaped: Self.tenantDefaults)
                SELECT \(unescaped: Self.personColumns)
                FROM users p LEFT JOIN notification_settings s ON s.user_id = p.id CROSS JOIN d
                WHERE p.tenant_id = \(tenantID) AND p.source = 'directory' AND p.login = ANY (\(logins)::text[])
                ORDER BY p.id
                """, logger: logger) {
                result.append(try Self.person(row.makeRandomAccess(), items: []))
            }
            return result
        }
    }

    /// A person's address as the directory last gave it, and their name.
    public func address(tenantID: Int64, userID: Int64) async throws -> (email: String?, name: String)? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("SELECT email, display_name FROM users WHERE id = \(userID)", (String?, String).self, logger: logger)
                .first.map { ($0.0, $0.1) }
        }
    }

    public func choice(tenantID: Int64, userID: Int64) async throws -> NotificationChoice {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                WITH \(unescaped: Self.tenantDefaults)
                SELECT coalesce(s.weekly, d.weekly), coalesce(s.day_before, d.day_before), coalesce(s.weekday, d.weekday),
                       coalesce(s.language, d.language)
                FROM d LEFT JOIN notification_settings s ON s.user_id = \(userID)
                """, (Bool, Bool, Int, String).self, logger: logger).first.map {
                NotificationChoice(weekly: $0.0, dayBefore: $0.1, weekday: $0.2, language: $0.3)
            } ?? NotificationChoice()
        }
    }

    public func setChoice(tenantID: Int64, userID: Int64, _ choice: NotificationChoice) async throws {
        let logger = self.logger
        try await database.withTenant(tenantID) { connection in
            try await connection.run("""
                INSERT INTO notification_settings (tenant_id, user_id, weekly, day_before, weekday, language)
                VALUES (\(tenantID), \(userID), \(choice.weekly), \(choice.dayBefore), \(choice.weekday), \(choice.language))
                ON CONFLICT (user_id) DO UPDATE SET weekly = excluded.weekly, day_before = excluded.day_before,
                    weekday = excluded.weekday, language = excluded.language, updated_at = now()
                """, logger: logger)
        }
    }
}
