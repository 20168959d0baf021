import Foundation
import HosoCore
import Logging
import PostgresNIO

/// A document handed in with a version, its bytes already committed to the blob store.
public struct SubmittedDocument: Sendable {
    public let blob: StagedBlob
    public let format: FileFormat
    public let filename: String
    public init(blob: StagedBlob, format: FileFormat, filename: String) {
        self.blob = blob
        self.format = format
        self.filename = filename
    }
}

/// One document of a version (`record_documents`, migration 0010). Position 1 is the document the
/// version's own columns name.
public struct DocumentRow: Sendable, Equatable {
    public let versionID: Int64
    public let position: Int
    public let sha256: String
    public let size: Int64
    public let mediaType: String
    public let format: String
    public let filename: String
    public init(
        versionID: Int64, position: Int, sha256: String, size: Int64, mediaType: String, format: String,
        filename: String
    ) {
        self.versionID = versionID
        self.position = position
        self.sha256 = sha256
        self.size = size
        self.mediaType = mediaType
        self.format = format
        self.filename = filename
    }
}

extension RecordStore {
    /// Names every document of a new version, in order, each blob once per tenant.
    static func insertDocuments(
        _ connection: PostgresConnection, tenantID: Int64, versionID: Int64, _ documents: [SubmittedDocument],
        logger: Logger
    ) async throws {
        for (offset, document) in documents.enumerated() {
            try await connection.run(
                """
                INSERT INTO blobs (tenant_id, sha256, size, media_type)
                VALUES (\(tenantID), \(document.blob.sha256), \(document.blob.size), \(document.format.mediaType))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.run(
                """
                INSERT INTO record_documents (tenant_id, version_id, position, sha256, size, media_type, format, filename)
                VALUES (\(tenantID), \(versionID), \(offset + 1), \(document.blob.sha256), \(document.blob.size),
                        \(document.format.mediaType), \(document.format.rawValue), \(document.filename))
                """, logger: logger)
        }
    }

    /// The documents of the given versions, by version, each list in position order.
    static func documents(
        _ connection: PostgresConnection, tenantID: Int64, versionIDs: [Int64],
        logger: Logger
    ) async throws -> [Int64: [DocumentRow]] {
        guard !versionIDs.isEmpty else { return [:] }
        let rows = try await connection.fetch(
            """
            SELECT version_id, position, sha256, size, media_type, format, filename FROM record_documents
            WHERE tenant_id = \(tenantID) AND version_id = ANY (\(versionIDs)::bigint[])
            ORDER BY version_id, position
            """, (Int64, Int, String, Int64, String, String, String).self, logger: logger
        ).map {
            DocumentRow(
                versionID: $0.0, position: $0.1, sha256: $0.2, size: $0.3, mediaType: $0.4, format: $0.5, filename: $0.6
            )
        }
        return Dictionary(grouping: rows, by: \.versionID)
    }

    /// The documents of the given versions (a record page, an export).
    public func documents(tenantID: Int64, versionIDs: [Int64]) async throws -> [Int64: [DocumentRow]] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.documents(connection, tenantID: tenantID, versionIDs: versionIDs, logger: logger)
        }
    }

    /// One document of a version, by position (a download).
    public func document(tenantID: Int64, versionID: Int64, position: Int) async throws -> DocumentRow? {
        try await documents(tenantID: tenantID, versionIDs: [versionID])[versionID]?.first { $0.position == position }
    }
}
