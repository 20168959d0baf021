import Foundation
import HosoCore
import Logging
import PostgresNIO

/// Tenants and their unit trees: import from a tenant file, and lookups.
public struct TenantStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    // MARK: - Import

    /// Validates the whole definition, then upserts the tenant and its units by code in one
    /// transaction: units missing from the file are closed (never deleted), a unit under a new
    /// parent keeps its id and history. Nothing is written when the definition has a problem, or
    /// when its directory reaches into another tenant's without both saying so (`DirectorySharing`).
    ///
    /// Parents are effective-dated (`UnitHistory`): a move is recorded on its legal date (the
    /// file's `parent_since`, or the day of the import), and `hoso_tree_apply` then brings the
    /// paths, today's tree and the kept counts of the moved units' items up to date. Closing a
    /// unit withdraws its open items due from the closing date, and hands the inspections it
    /// issued and had not finished to its successor (audited). `today` is the day the import
    /// acts on (the database's date in Asia/Ho_Chi_Minh when `nil`).
    public func importTenant(_ definition: TenantDefinition, today: LocalDate? = nil) async throws -> ImportSummary {
        let ordered = try TenantValidator.validate(definition)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let levels = String(decoding: try encoder.encode(definition.levels), as: UTF8.self)
        let directory = String(decoding: try encoder.encode(definition.directory), as: UTF8.self)
        let rules = String(decoding: try encoder.encode(definition.groupRules), as: UTF8.self)
        let notifications = String(decoding: try encoder.encode(definition.notifications), as: UTF8.self)
        let logger = self.logger

        return try await database.withTransaction { connection in
            // One import at a time: two tenants imported at once must not both miss each other.
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext('hoso.tenant_import'))", logger: logger)
            // The units are written one by one: their change counters are bumped once, at the end.
            try await connection.run("SELECT set_config('hoso.defer_touch', 'on', true)", logger: logger)
            let neighbours = try await Self.neighbours(connection, logger: logger)
            let refusals = DirectorySharing.refusals(definition, among: neighbours)
            if !refusals.isEmpty { throw HosoErrors(refusals) }
            var summary = ImportSummary()
            let existing = try await connection.fetch("""
                SELECT t.id, m.code FROM tenants t LEFT JOIN tenants m ON m.id = t.merged_into WHERE t.code = \(definition.id)
                """, (Int64, String?).self, logger: logger).first
            let tenantID: Int64
            if let (existing, mergedInto) = existing {
                // A merged tenant is kept as it was when it was merged.
                if let mergedInto { throw HosoError("tenant.frozen", ["tenant": definition.id, "into": mergedInto]) }
                tenantID = existing
                try await connection.run("""
                    UPDATE tenants SET name_vi = \(definition.nameVi), name_en = \(definition.nameEn),
                        hosts = \(definition.hosts), levels = \(levels)::jsonb, directory = \(directory)::jsonb,
                        group_rules = \(rules)::jsonb, notifications = \(notifications)::jsonb, updated_at = now()
                    WHERE id = \(tenantID) AND (name_vi, name_en, hosts, levels, directory, group_rules, notifications)
                        IS DISTINCT FROM (\(definition.nameVi), \(definition.nameEn), \(definition.hosts),
                                          \(levels)::jsonb, \(directory)::jsonb, \(rules)::jsonb, \(notifications)::jsonb)
                    """, logger: logger)
            } else {
                tenantID = try await connection.fetch("""
                    INSERT INTO tenants (code, name_vi, name_en, hosts, levels, directory, group_rules, notifications)
                    VALUES (\(definition.id), \(definition.nameVi), \(definition.nameEn), \(definition.hosts),
                            \(levels)::jsonb, \(directory)::jsonb, \(rules)::jsonb, \(notifications)::jsonb)
                    RETURNING id
                    """, Int64.self, logger: logger)[0]
                summary.tenantCreated = true
            }
            try await connection.run("SELECT set_config('hoso.tenant_id', \(String(tenantID)), true)", logger: logger)

            let day: LocalDate
            if let today { day = today } else {
                let text = try await connection.fetch(
                    "SELECT ((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)::text", String.self, logger: logger)[0]
                day = LocalDate(iso: text)!
            }
            var stored = try await Self.allUnits(connection, tenantID: tenantID, logger: logger)
            let existingCodes = Set(stored.keys)
            // A school that changes level counts under another level: its figures are recounted.
            var levelsChanged = false
            for unit in ordered {
                let parent = unit.parentCode.flatMap { stored[$0] }
                let levels = unit.schoolLevels.map(\.rawValue)
                if let current = stored[unit.code] {
                    let changed = current.kind != unit.kind || current.nameVi != unit.nameVi || current.nameEn != unit.nameEn
                        || current.schoolLevels.map(\.rawValue) != levels || current.opensOn != unit.opensOn
                        || current.closesOn != unit.closesOn
                    if current.schoolLevels.map(\.rawValue) != levels { levelsChanged = true }
                    if changed {
                        try await connection.run("""
                            UPDATE units SET kind = \(unit.kind), name_vi = \(unit.nameVi), name_en = \(unit.nameEn),
                                    school_levels = \(levels), opens_on = \(unit.opensOn)::date, closes_on = \(unit.closesOn)::date,
                                updated_at = now()
                            WHERE id = \(current.id)
                            """, logger: logger)
                        if current.closesOn != nil && unit.closesOn == nil { summary.reopened.append(unit.code) }
                        else { summary.updated.append(unit.code) }
                    }
                } else {
                    let id = try await connection.fetch("SELECT nextval('units_id_seq')", Int64.self, logger: logger)[0]
                    let path = ((parent?.ancestry ?? []) + [id]).map(String.init).joined(separator: ".")
                    try await connection.run("""
                        INSERT INTO units (tenant_id, id, code, parent_id, path, kind, name_vi, name_en, school_levels,
                                           opens_on, closes_on)
                        VALUES (\(tenantID), \(id), \(unit.code), \(parent?.id), \(path)::ltree, \(unit.kind), \(unit.nameVi),
                                \(unit.nameEn), \(levels), \(unit.opensOn)::date, \(unit.closesOn)::date)
                        """, logger: logger)
                    stored[unit.code] = StoredUnit(
                        id: id, tenantID: tenantID, code: unit.code, parentID: parent?.id,
                        ancestry: (parent?.ancestry ?? []) + [id],
                        kind: unit.kind, nameVi: unit.nameVi, nameEn: unit.nameEn, schoolLevels: unit.schoolLevels,
                        opensOn: unit.opensOn, closesOn: unit.closesOn
                    )
                    summary.created.append(unit.code)
                }
            }

            let inFile = Set(definition.units.map(\.code))
            // Units merged in from another tenant are not in this file, and stay as they are.
            let mergedRows: [Int64] = try await connection.fetch(
                "SELECT id FROM units WHERE tenant_id = \(tenantID) AND merged_from IS NOT NULL", Int64.self, logger: logger)
            let mergedIn = Set(mergedRows)
            for unit in stored.values.sorted(by: { $0.code < $1.code })
            where !inFile.contains(unit.code) && unit.closesOn == nil && !mergedIn.contains(unit.id) {
                try await connection.run("""
                    UPDATE units SET closes_on = \(day.iso)::date, updated_at = now() WHERE tenant_id = \(tenantID) AND id = \(unit.id)
                    """, logger: logger)
                summary.closed.append(unit.code)
            }
            // `stored` holds every unit now, the ones just created included: their ids are all the
            // history and the successors need.
            summary.moved = try await Self.writeHistory(
                definition, units: stored, existing: existingCodes, today: day, tenantID: tenantID, connection, logger: logger)
            try await Self.writeSuccessors(definition, units: stored, connection, logger: logger)
            try await Self.withdrawForClosing(tenantID: tenantID, connection, logger: logger)
            summary.handedOver = try await Self.handOverInspections(tenantID: tenantID, today: day, connection, logger: logger)
            // The moved units' items count along the new history; a school that changed level
            // counts under another level: then everything is recounted.
            try await connection.run("SELECT hoso_tree_apply(\(tenantID), \(day.iso)::date)", logger: logger)
            if levelsChanged {
                try await connection.run("SELECT hoso_compliance_rebuild(\(tenantID))", logger: logger)
            }
            try await connection.run("SELECT set_config('hoso.defer_touch', 'off', true)", logger: logger)
            try await connection.run("SELECT hoso_touch_tenant(\(tenantID))", logger: logger)
            return summary
        }
    }

    /// Every stored tenant's code and directory (the registry is readable without a tenant).
    static func neighbours(_ connection: PostgresConnection, logger: Logger) async throws -> [DirectorySharing.Neighbour] {
        let decoder = JSONDecoder()
        return try await connection.fetch("SELECT code, directory::text FROM tenants", (String, String).self, logger: logger)
            .map { code, directory in
                let settings = try decoder.decode(DirectorySettings?.self, from: Data(directory.utf8))
                return DirectorySharing.Neighbour(code: code, directory: settings)
            }
    }

    /// The kept spans of every unit of a tenant, oldest first, by code.
    static func histories(tenantID: Int64, _ connection: PostgresConnection, logger: Logger) async throws -> [String: [ParentSpan]] {
        var result: [String: [ParentSpan]] = [:]
        let rows = try await connection.fetch("""
            SELECT u.code, p.code, CASE WHEN h.valid_from = '-infinity' THEN NULL ELSE h.valid_from::text END
            FROM unit_parent_history h JOIN units u ON u.id = h.unit_id LEFT JOIN units p ON p.id = h.parent_id
            WHERE h.tenant_id = \(tenantID) ORDER BY u.code, h.valid_from
            """, (String, String?, String?).self, logger: logger)
        for (code, parent, from) in rows {
            result[code, default: []].append(ParentSpan(parent, from: from.flatMap(LocalDate.init(iso:))))
        }
        return result
    }

    /// Writes each unit's spans as the file plans them (`UnitHistory.planned`); a unit whose spans
    /// change has its rows replaced. Refused, with nothing written, when the history the tenant
    /// would have is a cycle on some date, or names a date outside the tenant's school years.
    /// Returns the codes of the units that moved (existing units whose spans changed).
    static func writeHistory(_ definition: TenantDefinition, units all: [String: StoredUnit], existing: Set<String>, today: LocalDate,
                             tenantID: Int64, _ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var histories = try await histories(tenantID: tenantID, connection, logger: logger)
        var changed: [String: [ParentSpan]] = [:]
        for unit in definition.units {
            let kept = histories[unit.code] ?? []
            let planned = UnitHistory.planned(stored: kept, unit: unit, today: today)
            if planned != kept { changed[unit.code] = planned }
        }
        guard !changed.isEmpty else { return [] }
        histories.merge(changed) { $1 }
        var problems: [HosoError] = []
        for (date, cycle) in UnitHistory.cycles(histories) {
            problems.append(HosoError("tenant.cycle_on", [
                "line": "1", "codes": (cycle + [cycle[0]]).joined(separator: " → "), "date": date?.iso ?? "—",
            ]))
        }
        let years = try await connection.fetch(
            "SELECT school_year FROM school_calendars WHERE tenant_id = \(tenantID)", String.self, logger: logger)
        for (code, date) in UnitHistory.datesOutside(years: years, changed) {
            problems.append(HosoError("tenant.date_outside_school_years", [
                "line": String(definition.units.first { $0.code == code }?.line ?? 1), "code": code, "date": date.iso,
                "years": years.sorted().joined(separator: ", "),
            ]))
        }
        if !problems.isEmpty { throw HosoErrors(problems) }
        for code in changed.keys.sorted() {
            guard let unit = all[code] else { continue }
            let spans = changed[code]!
            try await connection.run(
                "DELETE FROM unit_parent_history WHERE tenant_id = \(tenantID) AND unit_id = \(unit.id)", logger: logger)
            for (index, span) in spans.enumerated() {
                let next = index + 1 < spans.count ? spans[index + 1].from?.iso : nil
                try await connection.run("""
                    INSERT INTO unit_parent_history (tenant_id, unit_id, parent_id, valid_from, valid_to)
                    VALUES (\(tenantID), \(unit.id), \(span.parentCode.flatMap { all[$0]?.id }),
                            coalesce(\(span.from?.iso)::date, '-infinity'::date), \(next)::date)
                    """, logger: logger)
            }
        }
        return changed.keys.filter(existing.contains).sorted()
    }

    /// Each unit's successor as the file names it.
    static func writeSuccessors(_ definition: TenantDefinition, units all: [String: StoredUnit],
                                _ connection: PostgresConnection, logger: Logger) async throws {
        for unit in definition.units {
            guard let id = all[unit.code]?.id else { continue }
            let successor = unit.successorCode.flatMap { all[$0]?.id }
            try await connection.run("""
                UPDATE units SET successor_id = \(successor) WHERE id = \(id) AND successor_id IS DISTINCT FROM \(successor)
                """, logger: logger)
        }
    }

    /// A closed unit owes nothing due from its closing date: its items still open then are
    /// withdrawn (those due before stay, missing or not). A reopened unit, or a later closing
    /// date, brings back what the closing had withdrawn.
    static func withdrawForClosing(tenantID: Int64, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.run("""
            UPDATE obligations o SET withdrawn = false, withdrawn_reason = NULL
            FROM units u
            WHERE o.tenant_id = \(tenantID) AND u.id = o.unit_id AND o.withdrawn_reason = 'closed'
              AND (u.closes_on IS NULL OR (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < u.closes_on)
            """, logger: logger)
        try await connection.run("""
            UPDATE obligations o SET withdrawn = true, withdrawn_reason = 'closed'
            FROM units u
            WHERE o.tenant_id = \(tenantID) AND u.id = o.unit_id AND u.closes_on IS NOT NULL AND NOT o.withdrawn
              AND o.state = 'open' AND o.first_submitted_at IS NULL AND o.exempt_reason IS NULL
              AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date >= u.closes_on
            """, logger: logger)
    }

    /// The unfinished inspections a closed unit issued go to its successor, each with an audit
    /// entry naming both. Returns the symbols handed over.
    static func handOverInspections(tenantID: Int64, today: LocalDate, _ connection: PostgresConnection,
                                    logger: Logger) async throws -> [String] {
        let moved = try await connection.fetch("""
            UPDATE inspections i SET issuer_unit_id = u.successor_id
            FROM units u
            WHERE i.tenant_id = \(tenantID) AND u.id = i.issuer_unit_id AND u.closes_on IS NOT NULL AND u.closes_on <= \(today.iso)::date
              AND u.successor_id IS NOT NULL AND i.state IN ('planned', 'in_progress')
            RETURNING i.id, i.symbol, u.id, u.code, u.successor_id, (SELECT s.code FROM units s WHERE s.id = u.successor_id)
            """, (Int64, String, Int64, String, Int64, String).self, logger: logger)
        for (id, symbol, from, fromCode, to, toCode) in moved.sorted(by: { $0.0 < $1.0 }) {
            try await AuditStore.append(tenantID: tenantID, AuditEvent(
                actorUserID: nil, actorLogin: nil, action: "inspection.handed_over", unitID: to, subject: "inspection:\(id)",
                details: ["symbol": symbol, "from_unit": fromCode, "from_unit_id": String(from), "to_unit": toCode]
            ), on: connection, logger: logger)
        }
        return moved.map(\.1).sorted()
    }

    static func allUnits(_ connection: PostgresConnection, tenantID: Int64,
                         logger: Logger) async throws -> [String: StoredUnit] {
        var result: [String: StoredUnit] = [:]
        let rows = try await connection.query("""
            SELECT \(unescaped: UnitStore.columns) FROM units WHERE tenant_id = \(tenantID)
            """, logger: logger)
        for unit in try await UnitStore.decode(rows) { result[unit.code] = unit }
        return result
    }

    /// Brings today's tree (units' parents and paths) and the kept counts up to the dated history:
    /// a move dated in the future takes effect on its day, and so does a closing dated in the
    /// future (its unfinished inspections go to the successor). Returns how many units changed path.
    public func advanceTree(tenantID: Int64, today: LocalDate) async throws -> Int {
        try await database.withTenant(tenantID) { connection in
            _ = try await Self.handOverInspections(tenantID: tenantID, today: today, connection, logger: self.logger)
            return try await connection.fetch(
                "SELECT hoso_tree_apply(\(tenantID), \(today.iso)::date)", Int.self, logger: self.logger)[0]
        }
    }

    // MARK: - Lookups

    public func tenants() async throws -> [TenantRecord] {
        try await database.withTransaction { connection in
            try await Self.decodeTenants(try await connection.query("""
                SELECT \(unescaped: Self.tenantColumns) FROM tenants ORDER BY code
                """, logger: self.logger))
        }
    }

    public func tenant(code: String) async throws -> TenantRecord? {
        try await database.withTransaction { connection in
            try await Self.decodeTenants(try await connection.query("""
                SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE code = \(code)
                """, logger: self.logger))
        }.first
    }

    public func tenant(id: Int64) async throws -> TenantRecord? {
        try await database.withTransaction { connection in
            try await Self.decodeTenants(try await connection.query("""
                SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE id = \(id)
                """, logger: self.logger))
        }.first
    }

    /// The tenant a host name selects, if any.
    public func tenant(host: String) async throws -> TenantRecord? {
        try await database.withTransaction { connection in
            try await Self.decodeTenants(try await connection.query("""
                SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE \(host.lowercased()) = ANY (hosts)
                """, logger: self.logger))
        }.first
    }

    static let tenantColumns = """
        id, code, name_vi, name_en, hosts, levels::text, directory::text, group_rules::text,
        (SELECT m.code FROM tenants m WHERE m.id = tenants.merged_into) AS merged_into_code,
        coalesce((SELECT m.hosts FROM tenants m WHERE m.id = tenants.merged_into), '{}') AS merged_into_hosts, directories::text
        """

    static func decodeTenants(_ rows: PostgresRowSequence) async throws -> [TenantRecord] {
        let decoder = JSONDecoder()
        var result: [TenantRecord] = []
        for try await (id, code, nameVi, nameEn, hosts, levels, directory, rules, mergedInto, mergedIntoHosts, extras) in rows.decode(
            (Int64, String, String, String, [String], String, String, String, String?, [String], String).self
        ) {
            var tenant = TenantRecord(
                id: id, code: code, nameVi: nameVi, nameEn: nameEn, hosts: hosts,
                levels: try decoder.decode([UnitLevel].self, from: Data(levels.utf8)),
                directory: try decoder.decode(DirectorySettings?.self, from: Data(directory.utf8)),
                groupRules: try decoder.decode([GroupRule].self, from: Data(rules.utf8))
            )
            tenant.mergedInto = mergedInto
            tenant.mergedIntoHosts = mergedIntoHosts
            tenant.directories = try decoder.decode([ExtraDirectory].self, from: Data(extras.utf8))
            result.append(tenant)
        }
        return result
    }
}
