import HosoCore
import Logging
import PostgresNIO

/// The hashes the database names: every `blobs` row of every tenant (the other tables that name a
/// file do so through a foreign key into `blobs`). For `hoso blobs gc`.
public struct BlobNameStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Read tenant by tenant through row-level security, so the application's role suffices;
    /// frozen (merged) tenants included: their rows still name their files.
    public func namedHashes() async throws -> Set<String> {
        let tenants = try await TenantStore(database: database, logger: logger).tenants()
        var named = Set<String>()
        for tenant in tenants {
            let hashes = try await database.withTenant(tenant.id) { connection in
                try await connection.fetch("SELECT sha256 FROM blobs WHERE tenant_id = \(tenant.id)", String.self, logger: self.logger)
            }
            named.formUnion(hashes)
        }
        return named
    }
}
