import Foundation
import HosoCore
import Logging
import PostgresNIO

/// One filed scan of a record's printed copy.
public struct PaperCopyRow: Sendable, Equatable {
    public let id: Int64
    public let obligationID: Int64
    public let versionID: Int64
    public let version: Int
    public let sha256: String
    public let size: Int64
    public let filename: String
    public let filedBy: String
    public let filedRole: String
    public let filedAt: Int64
    /// A newer scan of the same version was filed after it (it is kept all the same).
    public let superseded: Bool
    /// It is a scan of the record's current version.
    public let current: Bool
}

/// Paper copies required for a unit's subtree and school year, and how many are filed.
public struct PaperCopyCount: Sendable, Equatable {
    public let required: Int
    public let filed: Int
}

/// Paper copies in the database: filing a scan under the record's lock (the decision is
/// `PaperCopyDecisions.file`), the record's scans, and the dashboard's count. Nothing here decides.
public struct PaperCopyStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Whether a scan of the record's current version is filed: the snapshot's fact, read in the
    /// transaction (and under the lock) of the decision that looks at it.
    static func filed(
        _ connection: PostgresConnection, tenantID: Int64, obligationID: Int64, versionID: Int64?,
        logger: Logger
    ) async throws -> Bool {
        guard let versionID else { return false }
        return try await connection.fetch(
            """
            SELECT EXISTS (SELECT 1 FROM paper_copies
                           WHERE tenant_id = \(tenantID) AND obligation_id = \(obligationID) AND version_id = \(versionID))
            """, Bool.self, logger: logger
        ).first ?? false
    }

    /// Whether the actor may file a scan now (before any byte is stored); the type to check it with.
    public func checkFileable(_ actor: Actor, obligationID: Int64) async throws -> RecordType {
        let logger = self.logger
        let snapshot = try await database.withTenant(actor.tenantID) { connection in
            try await RecordStore.load(connection, actor, obligationID, forUpdate: false, logger: logger).snapshot
        }
        try PaperCopyDecisions.file(snapshot)
        return PaperCopyDecisions.scanType(of: snapshot.type)
    }

    /// Files the scan (already committed to the blob store, a PDF) for the record's current version.
    public func file(
        _ actor: Actor, obligationID: Int64, blob: StagedBlob, filename: String
    ) async throws -> PaperCopyRow {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await RecordStore.load(connection, actor, obligationID, forUpdate: true, logger: logger)
            try PaperCopyDecisions.file(locked.snapshot, size: blob.size)
            guard let versionID = locked.row.currentVersionID else { throw HosoError("paper_copy.no_version") }
            let roles = locked.roles
            let role = [Role.principal, .schoolAdministrator, .clerk].first { roles.contains($0) } ?? .clerk
            try await connection.run(
                """
                INSERT INTO blobs (tenant_id, sha256, size, media_type)
                VALUES (\(actor.tenantID), \(blob.sha256), \(blob.size), \(FileFormat.pdf.mediaType))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            guard
                let id = try await connection.fetch(
                    """
                    INSERT INTO paper_copies (tenant_id, obligation_id, version_id, sha256, size, filename,
                                              filed_by, filed_role)
                    VALUES (\(actor.tenantID), \(obligationID), \(versionID), \(blob.sha256), \(blob.size), \(filename),
                            \(actor.userID), \(role.rawValue))
                    RETURNING id
                    """, Int64.self, logger: logger
                ).first
            else { throw HosoError("store.insert_failed") }
            try await RecordStore.event(
                connection, actor, locked, kind: "paper_copy", role: role, versionID: versionID,
                details: [
                    "paper_copy": String(id), "sha256": blob.sha256, "size": String(blob.size),
                    "filename": filename,
                ], logger: logger)
            guard
                let row = try await Self.copies(
                    connection, tenantID: actor.tenantID, obligationID: obligationID, logger: logger
                )
                .first(where: { $0.id == id })
            else { throw HosoError("store.insert_failed") }
            return row
        }
    }

    /// A record's scans, newest first.
    public func copies(tenantID: Int64, obligationID: Int64) async throws -> [PaperCopyRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.copies(connection, tenantID: tenantID, obligationID: obligationID, logger: logger)
        }
    }

    static func copies(
        _ connection: PostgresConnection, tenantID: Int64, obligationID: Int64,
        logger: Logger
    ) async throws -> [PaperCopyRow] {
        try await connection.fetch(
            """
            SELECT p.id, p.obligation_id, p.version_id, v.version, p.sha256, p.size, p.filename, u.display_name,
                   p.filed_role, extract(epoch FROM p.filed_at)::bigint,
                   EXISTS (SELECT 1 FROM paper_copies n
                           WHERE n.tenant_id = p.tenant_id AND n.obligation_id = p.obligation_id
                             AND n.version_id = p.version_id AND n.id > p.id),
                   p.version_id = o.current_version_id
            FROM paper_copies p
            JOIN record_versions v ON v.id = p.version_id
            JOIN users u ON u.id = p.filed_by
            JOIN obligations o ON o.id = p.obligation_id
            WHERE p.tenant_id = \(tenantID) AND p.obligation_id = \(obligationID)
            ORDER BY p.id DESC
            """, (Int64, Int64, Int64, Int, String, Int64, String, String, String, Int64, Bool, Bool).self,
            logger: logger
        ).map {
            PaperCopyRow(
                id: $0.0, obligationID: $0.1, versionID: $0.2, version: $0.3, sha256: $0.4, size: $0.5, filename: $0.6,
                filedBy: $0.7, filedRole: $0.8, filedAt: $0.9, superseded: $0.10, current: $0.11)
        }
    }

    /// One scan by its id (its record is checked for visibility by the caller).
    public func copy(tenantID: Int64, id: Int64) async throws -> PaperCopyRow? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            guard
                let obligationID = try await connection.fetch(
                    """
                    SELECT obligation_id FROM paper_copies WHERE tenant_id = \(tenantID) AND id = \(id)
                    """, Int64.self, logger: logger
                ).first
            else { return nil }
            return try await Self.copies(connection, tenantID: tenantID, obligationID: obligationID, logger: logger)
                .first { $0.id == id }
        }
    }

    /// The items of `unitID`'s subtree and school year whose type (under the rule-set each item was
    /// generated by) requires a paper copy, still expected and not exempt, and how many of them have
    /// a scan of their current version filed. The required types come from the year's rule-sets
    /// first (a few rows); the obligations are then read per school and type through the
    /// obligations' unique key (tenant, unit, year, type, …) rather than every item of the year, and
    /// the scans through `paper_copies_obligation_idx`. Measured on the small synthetic province
    /// (27 units, 23,287 items, 622 required): 1.5 ms, 778 buffers. `compliance_counts` are untouched.
    public func count(tenantID: Int64, unitID: Int64, schoolYear: String) async throws -> PaperCopyCount {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            let row = try await connection.fetch(
                """
                WITH required AS (
                    SELECT rt.rule_set_id, rt.code FROM record_types rt JOIN rule_sets r ON r.id = rt.rule_set_id
                    WHERE r.tenant_id = \(tenantID) AND r.school_year = \(schoolYear)
                      AND rt.definition ->> 'paperCopy' = 'required')
                SELECT count(*)::int,
                       count(*) FILTER (WHERE EXISTS (
                           SELECT 1 FROM paper_copies p
                           WHERE p.tenant_id = o.tenant_id AND p.obligation_id = o.id
                             AND p.version_id = o.current_version_id))::int
                FROM required q
                JOIN obligations o ON o.tenant_id = \(tenantID) AND o.school_year = \(schoolYear)
                                  AND o.record_type = q.code AND o.rule_set_id = q.rule_set_id AND NOT o.withdrawn
                JOIN units s ON s.id = o.unit_id
                WHERE o.exempt_reason IS NULL
                  AND s.path <@ (SELECT path FROM units WHERE tenant_id = \(tenantID) AND id = \(unitID))
                """, (Int, Int).self, logger: logger
            ).first
            return PaperCopyCount(required: row?.0 ?? 0, filed: row?.1 ?? 0)
        }
    }
}
