import HosoCore
import Logging
import PostgresNIO

/// The XML schemas a tenant supplies for structured uploads (`tenants/<id>/schemas/<type>.xsd`),
/// one row per version: importing a changed file adds a row and the newest applies; nothing is
/// updated or removed.
public struct XMLSchemaStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public struct Stored: Sendable, Equatable {
        public let id: Int64
        public let recordType: String
        public let targetNamespace: String
        public let xsd: String
        public let sha256: String
    }

    /// Stores a checked schema; false when the newest version of the type already had this content.
    public func importSchema(tenantID: Int64, recordType: String, targetNamespace: String, xsd: String) async throws
        -> Bool
    {
        let sha = RuleSetStore.sha256(xsd)
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.run(
                "SELECT pg_advisory_xact_lock(hashtext(\("xsd:\(tenantID):\(recordType)")))", logger: logger)
            if let newest = try await connection.fetch(
                """
                SELECT sha256 FROM tenant_xml_schemas WHERE tenant_id = \(tenantID) AND record_type = \(recordType)
                ORDER BY id DESC LIMIT 1
                """, String.self, logger: logger
            ).first, newest == sha {
                return false
            }
            try await connection.run(
                """
                INSERT INTO tenant_xml_schemas (tenant_id, record_type, target_namespace, xsd, sha256)
                VALUES (\(tenantID), \(recordType), \(targetNamespace), \(xsd), \(sha))
                """, logger: logger)
            return true
        }
    }

    /// The schema that applies now to a record type's XML uploads, if the tenant supplied one.
    public func latest(tenantID: Int64, recordType: String) async throws -> Stored? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch(
                """
                SELECT id, record_type, target_namespace, xsd, sha256 FROM tenant_xml_schemas
                WHERE tenant_id = \(tenantID) AND record_type = \(recordType) ORDER BY id DESC LIMIT 1
                """, (Int64, String, String, String, String).self, logger: logger
            ).first.map {
                Stored(id: $0.0, recordType: $0.1, targetNamespace: $0.2, xsd: $0.3, sha256: $0.4)
            }
        }
    }
}
