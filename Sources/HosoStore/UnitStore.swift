import HosoCore
import Logging
import PostgresNIO

/// Reading the unit tree of one tenant. Every call runs inside `Database.withTenant`.
public struct UnitStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Codes are matched exactly first, then ignoring ASCII case (directory groups are often lower-case).
    public func unit(tenantID: Int64, code: String) async throws -> StoredUnit? {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM units WHERE tenant_id = \(tenantID) AND upper(code) = upper(\(code))
                ORDER BY (code = \(code)) DESC LIMIT 1
                """, logger: self.logger)).first
        }
    }

    /// A unit named by its code, with its change counter (migration 0013): one statement.
    public func head(tenantID: Int64, code: String) async throws -> (unit: StoredUnit, counter: Int64)? {
        let logger = self.logger
        return try await database.statement { connection in
            let rows = try await connection.query("SELECT * FROM hoso_unit_head(\(tenantID), \(code))", logger: logger)
            for try await (id, tenantID, code, parentID, path, kind, nameVi, nameEn, levels, opensOn, closesOn, closed, counter)
                in rows.decode((Int64, Int64, String, Int64?, String, String, String, String, [String], String?, String?, Bool, Int64).self) {
                let unit = StoredUnit(
                    id: id, tenantID: tenantID, code: code, parentID: parentID,
                    ancestry: path.split(separator: ".").compactMap { Int64($0) },
                    kind: kind, nameVi: nameVi, nameEn: nameEn, schoolLevels: levels.compactMap(SchoolLevel.init(rawValue:)),
                    opensOn: opensOn, closesOn: closesOn, closedToday: closed)
                return (unit, counter)
            }
            return nil
        }
    }

    public func units(tenantID: Int64, ids: [Int64]) async throws -> [StoredUnit] {
        guard !ids.isEmpty else { return [] }
        return try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM units WHERE tenant_id = \(tenantID) AND id = ANY (\(ids))", logger: self.logger
            ))
        }
    }

    /// Direct children, open ones first, in Vietnamese order.
    public func children(tenantID: Int64, of unitID: Int64) async throws -> [StoredUnit] {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM units WHERE tenant_id = \(tenantID) AND parent_id = \(unitID)
                ORDER BY closes_on IS NOT NULL, name_vi COLLATE "vi-VN-x-icu", code
                """, logger: self.logger))
        }
    }

    /// The units that hung directly under `unitID` on some day of `span` (those that moved away
    /// or closed since included): the rows of a dashboard along the tree as it stood.
    public func children(tenantID: Int64, of unitID: Int64, during span: SchoolYearSpan) async throws -> [StoredUnit] {
        try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM units
                WHERE tenant_id = \(tenantID) AND id IN (
                    SELECT h.unit_id FROM unit_parent_history h
                    WHERE h.tenant_id = \(tenantID) AND h.parent_id = \(unitID)
                      AND h.valid_from <= \(span.last.iso)::date AND (h.valid_to IS NULL OR h.valid_to > \(span.first.iso)::date))
                ORDER BY closes_on IS NOT NULL, name_vi COLLATE "vi-VN-x-icu", code
                """, logger: self.logger))
        }
    }

    /// Where a unit hung over time, oldest first: each parent (nil for none) from a date (nil:
    /// from the beginning) to the day before the next (nil: still).
    public func parentHistory(tenantID: Int64, unitID: Int64) async throws -> [(parent: StoredUnit?, from: String?, to: String?)] {
        try await database.withTenant(tenantID) { connection in
            let rows = try await connection.fetch("""
                SELECT h.parent_id, CASE WHEN h.valid_from = '-infinity' THEN NULL ELSE h.valid_from::text END, h.valid_to::text
                FROM unit_parent_history h WHERE h.tenant_id = \(tenantID) AND h.unit_id = \(unitID) ORDER BY h.valid_from
                """, (Int64?, String?, String?).self, logger: self.logger)
            let parents = try await Self.decode(try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM units WHERE tenant_id = \(tenantID) AND id = ANY (\(rows.compactMap(\.0)))",
                logger: self.logger))
            let byID = Dictionary(uniqueKeysWithValues: parents.map { ($0.id, $0) })
            return rows.map { (parent: $0.0.flatMap { byID[$0] }, from: $0.1, to: $0.2) }
        }
    }

    /// A tenant's tree as it stood on a date: each unit (open on that date) with its parent then.
    public func tree(tenantID: Int64, asOf date: LocalDate) async throws -> [(unit: StoredUnit, parentID: Int64?)] {
        try await database.withTenant(tenantID) { connection in
            let units = try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM units
                WHERE tenant_id = \(tenantID) AND (opens_on IS NULL OR opens_on <= \(date.iso)::date)
                  AND (closes_on IS NULL OR closes_on > \(date.iso)::date)
                ORDER BY path
                """, logger: self.logger))
            var parents: [Int64: Int64?] = [:]
            for (unitID, parentID) in try await connection.fetch("""
                SELECT unit_id, parent_id FROM unit_parent_history
                WHERE tenant_id = \(tenantID) AND valid_from <= \(date.iso)::date AND (valid_to IS NULL OR valid_to > \(date.iso)::date)
                """, (Int64, Int64?).self, logger: self.logger) {
                parents[unitID] = parentID
            }
            return units.map { ($0, parents[$0.id] ?? nil) }
        }
    }

    /// The unit and every unit under it, closed ones included (their people still have accounts).
    public func subtree(tenantID: Int64, of unit: StoredUnit) async throws -> [StoredUnit] {
        let path = unit.ancestry.map(String.init).joined(separator: ".")
        return try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM units
                WHERE tenant_id = \(tenantID) AND path <@ \(path)::ltree
                ORDER BY path
                """, logger: self.logger))
        }
    }

    /// How many units lie under each of `unitIDs` (the units themselves excluded), by kind.
    public func subtreeCounts(tenantID: Int64, of unit: StoredUnit) async throws -> [String: Int] {
        let path = unit.ancestry.map(String.init).joined(separator: ".")
        return try await database.withTenant(tenantID) { connection in
            var counts: [String: Int] = [:]
            for (kind, count) in try await connection.fetch("""
                SELECT kind, count(*) FROM units
                WHERE tenant_id = \(tenantID) AND path <@ \(path)::ltree AND id <> \(unit.id) AND closes_on IS NULL
                GROUP BY kind
                """, (String, Int64).self, logger: self.logger) {
                counts[kind] = Int(count)
            }
            return counts
        }
    }

    /// Constant column list shared by the selects (interpolated `unescaped`; no input reaches it).
    static let columns = """
        id, tenant_id, code, parent_id, path::text, kind, name_vi, name_en, school_levels, opens_on::text, closes_on::text,
        coalesce(closes_on <= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, false)
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [StoredUnit] {
        var result: [StoredUnit] = []
        for try await (id, tenantID, code, parentID, path, kind, nameVi, nameEn, levels, opensOn, closesOn, closed) in rows.decode(
            (Int64, Int64, String, Int64?, String, String, String, String, [String], String?, String?, Bool).self
        ) {
            result.append(StoredUnit(
                id: id, tenantID: tenantID, code: code, parentID: parentID,
                ancestry: path.split(separator: ".").compactMap { Int64($0) },
                kind: kind, nameVi: nameVi, nameEn: nameEn, schoolLevels: levels.compactMap(SchoolLevel.init(rawValue:)),
                opensOn: opensOn, closesOn: closesOn, closedToday: closed
            ))
        }
        return result
    }
}
