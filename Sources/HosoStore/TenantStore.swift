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
    public func importTenant(_ definition: TenantDefinition) async throws -> ImportSummary {
        let ordered = try TenantValidator.validate(definition)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let levels = String(decoding: try encoder.encode(definition.levels), as: UTF8.self)
        let directory = String(decoding: try encoder.encode(definition.directory), as: UTF8.self)
        let rules = String(decoding: try encoder.encode(definition.groupRules), as: UTF8.self)
        let logger = self.logger

        return try await database.withTransaction { connection in
            // One import at a time: two tenants imported at once must not both miss each other.
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext('hoso.tenant_import'))", logger: logger)
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
                        group_rules = \(rules)::jsonb, updated_at = now()
                    WHERE id = \(tenantID) AND (name_vi, name_en, hosts, levels, directory, group_rules)
                        IS DISTINCT FROM (\(definition.nameVi), \(definition.nameEn), \(definition.hosts),
                                          \(levels)::jsonb, \(directory)::jsonb, \(rules)::jsonb)
                    """, logger: logger)
            } else {
                tenantID = try await connection.fetch("""
                    INSERT INTO tenants (code, name_vi, name_en, hosts, levels, directory, group_rules)
                    VALUES (\(definition.id), \(definition.nameVi), \(definition.nameEn), \(definition.hosts),
                            \(levels)::jsonb, \(directory)::jsonb, \(rules)::jsonb)
                    RETURNING id
                    """, Int64.self, logger: logger)[0]
                summary.tenantCreated = true
            }
            try await connection.run("SELECT set_config('hoso.tenant_id', \(String(tenantID)), true)", logger: logger)

            var stored = try await Self.allUnits(connection, tenantID: tenantID, logger: logger)
            // A school that changes level counts under another level: its figures are recounted.
            var levelsChanged = false
            for unit in ordered {
                let parent = unit.parentCode.flatMap { stored[$0] }
                let levels = unit.schoolLevels.map(\.rawValue)
                if let current = stored[unit.code] {
                    if current.parentID != parent?.id, let parent {
                        try await Self.move(current, under: parent, tenantID: tenantID, connection, logger: logger)
                        summary.moved.append(unit.code)
                        stored = try await Self.allUnits(connection, tenantID: tenantID, logger: logger)
                    }
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
                    try await connection.run("""
                        INSERT INTO unit_parent_history (tenant_id, unit_id, parent_id, valid_from)
                        VALUES (\(tenantID), \(id), \(parent?.id), now())
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
                    UPDATE units SET closes_on = current_date, updated_at = now() WHERE tenant_id = \(tenantID) AND id = \(unit.id)
                    """, logger: logger)
                summary.closed.append(unit.code)
            }
            // A school that moved (or changed level) counts elsewhere now: its figures follow it.
            if !summary.moved.isEmpty || levelsChanged {
                try await connection.run("SELECT hoso_compliance_rebuild(\(tenantID))", logger: logger)
            }
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

    /// Re-hangs a unit and its subtree; the parent history keeps where it was.
    static func move(_ unit: StoredUnit, under parent: StoredUnit, tenantID: Int64, _ connection: PostgresConnection,
                     logger: Logger) async throws {
        let oldPath = unit.ancestry.map(String.init).joined(separator: ".")
        let newPath = (parent.ancestry + [unit.id]).map(String.init).joined(separator: ".")
        try await connection.run("""
            UPDATE units SET updated_at = now(), path = CASE WHEN path = \(oldPath)::ltree THEN \(newPath)::ltree
                ELSE \(newPath)::ltree || subpath(path, nlevel(\(oldPath)::ltree)) END
            WHERE tenant_id = \(tenantID) AND path <@ \(oldPath)::ltree
            """, logger: logger)
        try await connection.run("""
            UPDATE units SET parent_id = \(parent.id) WHERE tenant_id = \(tenantID) AND id = \(unit.id)
            """, logger: logger)
        try await connection.run("""
            UPDATE unit_parent_history SET valid_to = now()
            WHERE tenant_id = \(tenantID) AND unit_id = \(unit.id) AND valid_to IS NULL
            """, logger: logger)
        try await connection.run("""
            INSERT INTO unit_parent_history (tenant_id, unit_id, parent_id, valid_from)
            VALUES (\(tenantID), \(unit.id), \(parent.id), now())
            """, logger: logger)
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
