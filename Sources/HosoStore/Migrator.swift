import Crypto
import Foundation
import HosoCore
import Logging
import PostgresNIO

/// One SQL file of `Migrations/`, named `NNNN_what.sql`.
public struct Migration: Sendable, Equatable {
    public let version: String
    public let name: String
    public let sql: String
    public let checksum: String

    public init(version: String, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The migrations shipped with this build, in order.
    public static func bundled() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw HosoError("migrate.missing_files")
        }
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.map { file in
            let name = file.lastPathComponent
            let version = String(name.prefix { $0 != "_" })
            return Migration(version: version, name: name, sql: try String(contentsOf: file, encoding: .utf8))
        }
    }
}

/// Applies migrations in order, each once, each in its own transaction, under an advisory lock so
/// that two processes starting at once do not race; refuses to go on if an applied file changed.
public struct Migrator: Sendable {
    /// Arbitrary but fixed: the key of the advisory lock every Hoso process takes to migrate.
    static let lockKey: Int64 = 0x486F_736F_4D69_6772

    let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Returns the names of the migrations it applied (empty when the schema was current).
    @discardableResult
    public func migrate(_ url: DatabaseURL) async throws -> [String] {
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: url.requireTLS ? .require(try .init(configuration: .makeClientConfiguration())) : .disable
        )
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch let error as PSQLError where Database.isUnavailable(error) {
            throw HosoError("service.database_unavailable")
        }
        defer { Task { try? await connection.close() } }

        try await connection.run("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
        do {
            let applied = try await run(on: connection)
            try await connection.run("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
            return applied
        } catch {
            try? await connection.run("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
            throw error
        }
    }

    private func run(on connection: PostgresConnection) async throws -> [String] {
        try await connection.run("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    text PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var applied: [String: (name: String, checksum: String)] = [:]
        for (version, name, checksum) in try await connection.fetch(
            "SELECT version, name, checksum FROM schema_migrations", (String, String, String).self, logger: logger) {
            applied[version] = (name, checksum)
        }
        for migration in migrations {
            if let done = applied[migration.version], done.checksum != migration.checksum {
                throw HosoError("migrate.changed", ["migration": migration.name, "applied": done.name])
            }
        }
        let known = Set(migrations.map(\.version))
        if let unknown = applied.keys.sorted().first(where: { !known.contains($0) }) {
            throw HosoError("migrate.unknown_applied", ["version": unknown])
        }

        var newlyApplied: [String] = []
        for migration in migrations where applied[migration.version] == nil {
            logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
            try await connection.run("BEGIN", logger: logger)
            do {
                for statement in SQLScript.statements(migration.sql) {
                    // The project's own migration files, shipped in the binary: never user input.
                    try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.run(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                    logger: logger
                )
                try await connection.run("COMMIT", logger: logger)
            } catch {
                try? await connection.run("ROLLBACK", logger: logger)
                logger.error("migration failed", metadata: ["migration": "\(migration.name)", "error": "\(String(reflecting: error))"])
                throw HosoError("migrate.failed", ["migration": migration.name])
            }
            newlyApplied.append(migration.name)
        }
        return newlyApplied
    }
}
