import Crypto
import Foundation
import HosoCore
import Logging
import PostgresNIO

/// Rule-sets and school calendars of a tenant, per school year. A rule-set import that changes
/// anything adds a version; the versions before it, and other school years, are never rewritten.
public struct RuleSetStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public struct ImportResult: Sendable, Equatable {
        public let ruleSetID: Int64
        public let version: Int
        /// False when the latest version already had this content.
        public let created: Bool
    }

    public func importRuleSet(tenantID: Int64, _ ruleSet: RuleSet) async throws -> ImportResult {
        let drafts = ruleSet.types.map(RuleSetResolver.draft(of:))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let definitions = try drafts.map { draft -> String in
            var clean = draft
            clean.source = nil
            clean.line = nil
            return String(decoding: try encoder.encode(clean), as: UTF8.self)
        }
        let checksum = Self.sha256(([ruleSet.id, ruleSet.nameVi, ruleSet.nameEn] + definitions).joined(separator: "\n"))
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext(\("rules:\(tenantID):\(ruleSet.schoolYear)")))", logger: logger)
            if let (id, version, existing) = try await connection.fetch("""
                SELECT id, version, checksum FROM rule_sets WHERE tenant_id = \(tenantID) AND school_year = \(ruleSet.schoolYear) AND merged_from IS NULL
                ORDER BY version DESC LIMIT 1
                """, (Int64, Int, String).self, logger: logger).first, existing == checksum {
                return ImportResult(ruleSetID: id, version: version, created: false)
            }
            let version = (try await connection.fetch("""
                SELECT coalesce(max(version), 0) FROM rule_sets WHERE tenant_id = \(tenantID) AND school_year = \(ruleSet.schoolYear) AND merged_from IS NULL
                """, Int.self, logger: logger).first ?? 0) + 1
            guard let id = try await connection.fetch("""
                INSERT INTO rule_sets (tenant_id, school_year, version, source_id, lineage, name_vi, name_en, checksum)
                VALUES (\(tenantID), \(ruleSet.schoolYear), \(version), \(ruleSet.id), \(ruleSet.lineage), \(ruleSet.nameVi), \(ruleSet.nameEn), \(checksum))
                RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            for (type, definition) in zip(ruleSet.types, definitions) {
                try await connection.run("""
                    INSERT INTO record_types (tenant_id, rule_set_id, code, name_vi, name_en, owner_scope, cadence, storage, definition)
                    VALUES (\(tenantID), \(id), \(type.code), \(type.nameVi), \(type.nameEn), \(type.owner.rawValue),
                            \(type.cadence.rawValue), \(type.storage.rawValue), \(definition)::jsonb)
                    """, logger: logger)
            }
            return ImportResult(ruleSetID: id, version: version, created: true)
        }
    }

    /// The newest version of the tenant's rule-set for a school year.
    public func latest(tenantID: Int64, schoolYear: String) async throws -> (id: Int64, version: Int, ruleSet: RuleSet)? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.latest(connection, tenantID: tenantID, schoolYear: schoolYear, logger: logger)
        }
    }

    static func latest(_ connection: PostgresConnection, tenantID: Int64, schoolYear: String, logger: Logger) async throws
        -> (id: Int64, version: Int, ruleSet: RuleSet)? {
        guard let (id, version, sourceID, lineage, nameVi, nameEn) = try await connection.fetch("""
            SELECT id, version, source_id, lineage, name_vi, name_en FROM rule_sets
            WHERE tenant_id = \(tenantID) AND school_year = \(schoolYear) AND merged_from IS NULL ORDER BY version DESC LIMIT 1
            """, (Int64, Int, String, [String], String, String).self, logger: logger).first else { return nil }
        let types = try await ruleSetTypes(connection, ruleSetID: id, logger: logger)
        return (id, version, RuleSet(id: sourceID, schoolYear: schoolYear, nameVi: nameVi, nameEn: nameEn, lineage: lineage, types: types))
    }

    static func ruleSetTypes(_ connection: PostgresConnection, ruleSetID: Int64, logger: Logger) async throws -> [RecordType] {
        let decoder = JSONDecoder()
        return try await connection.fetch("""
            SELECT definition::text FROM record_types WHERE rule_set_id = \(ruleSetID) ORDER BY code
            """, String.self, logger: logger).map { try RuleSetResolver.check(try decoder.decode(RecordTypeDraft.self, from: Data($0.utf8))) }
    }

    public func recordType(tenantID: Int64, ruleSetID: Int64, code: String) async throws -> RecordType {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.recordType(connection, ruleSetID: ruleSetID, code: code, logger: logger)
        }
    }

    /// The record type an obligation was generated under.
    static func recordType(_ connection: PostgresConnection, ruleSetID: Int64, code: String, logger: Logger) async throws -> RecordType {
        guard let definition = try await connection.fetch("""
            SELECT definition::text FROM record_types WHERE rule_set_id = \(ruleSetID) AND code = \(code)
            """, String.self, logger: logger).first else { throw HosoError("rules.unknown_type", ["code": code, "path": ""]) }
        return try RuleSetResolver.check(try JSONDecoder().decode(RecordTypeDraft.self, from: Data(definition.utf8)))
    }

    public func versions(tenantID: Int64, schoolYear: String) async throws -> [(version: Int, sourceID: String, checksum: String)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT version, source_id, checksum FROM rule_sets WHERE tenant_id = \(tenantID) AND school_year = \(schoolYear) AND merged_from IS NULL ORDER BY version
                """, (Int, String, String).self, logger: logger).map { (version: $0.0, sourceID: $0.1, checksum: $0.2) }
        }
    }

    // MARK: - Calendars

    /// Stores (or replaces) the calendar of a school year; true when it changed.
    @discardableResult
    public func importCalendar(tenantID: Int64, _ definition: CalendarDefinition) async throws -> Bool {
        _ = try definition.calendar()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(definition), as: UTF8.self)
        let checksum = Self.sha256(json)
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await !connection.fetch("""
                INSERT INTO school_calendars (tenant_id, school_year, definition, checksum)
                VALUES (\(tenantID), \(definition.schoolYear), \(json)::jsonb, \(checksum))
                ON CONFLICT (tenant_id, school_year) DO UPDATE
                    SET definition = excluded.definition, checksum = excluded.checksum, imported_at = now()
                    WHERE school_calendars.checksum <> excluded.checksum
                RETURNING 1
                """, Int.self, logger: logger).isEmpty
        }
    }

    public func calendar(tenantID: Int64, schoolYear: String) async throws -> SchoolCalendar? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.calendar(connection, tenantID: tenantID, schoolYear: schoolYear, logger: logger)
        }
    }

    static func calendar(_ connection: PostgresConnection, tenantID: Int64, schoolYear: String, logger: Logger) async throws -> SchoolCalendar? {
        guard let json = try await connection.fetch("""
            SELECT definition::text FROM school_calendars WHERE tenant_id = \(tenantID) AND school_year = \(schoolYear)
            """, String.self, logger: logger).first else { return nil }
        return try JSONDecoder().decode(CalendarDefinition.self, from: Data(json.utf8)).calendar()
    }

    /// The school years that have a calendar, newest first.
    public func schoolYears(tenantID: Int64) async throws -> [String] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("SELECT school_year FROM school_calendars WHERE tenant_id = \(tenantID) ORDER BY school_year DESC",
                                       String.self, logger: logger)
        }
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
