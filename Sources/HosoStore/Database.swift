import Foundation
import HosoCore
import Logging
import NIOCore
import PostgresNIO

/// The PostgreSQL connection pool and the one way to reach tenant data: `withTenant`, which opens
/// a transaction that row-level security scopes to the tenant.
public final class Database: Sendable {
    public let client: PostgresClient
    public let url: DatabaseURL
    let logger: Logger
    /// How long a call waits for a connection before the database counts as down.
    let timeout: Duration
    /// Set inside `together`: every call runs on this connection, in its transaction.
    let bound: PostgresConnection?

    public init(url: DatabaseURL, logger: Logger, maxConnections: Int = 20, timeout: Duration = .seconds(5)) {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: url.requireTLS ? .require(.makeClientConfiguration()) : .disable
        )
        configuration.options.maximumConnections = maxConnections
        configuration.options.connectTimeout = .seconds(3)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.url = url
        self.logger = logger
        self.timeout = timeout
        self.bound = nil
    }

    private init(client: PostgresClient, url: DatabaseURL, logger: Logger, timeout: Duration, bound: PostgresConnection? = nil) {
        self.client = client
        self.url = url
        self.logger = logger
        self.timeout = timeout
        self.bound = bound
    }

    /// The same pool with another patience: background work (reports over a whole province)
    /// runs queries that take longer than a page may wait.
    public func with(timeout: Duration) -> Database {
        Database(client: client, url: url, logger: logger, timeout: timeout)
    }

    /// Runs several stores' reads in one tenant transaction: the stores made from the `Database`
    /// handed to `body` run every call on that transaction's connection (one BEGIN and COMMIT for a
    /// page's worth of reads; read committed, so each statement sees what was committed when it
    /// began). `body` must make its calls one at a time.
    public func together<Result: Sendable>(
        _ tenantID: Int64, _ body: @Sendable @escaping (Database) async throws -> Result
    ) async throws -> Result {
        try await withTenant(tenantID) { connection in
            try await body(Database(client: self.client, url: self.url, logger: self.logger, timeout: self.timeout, bound: connection))
        }
    }

    /// A pool for one job outside the server (a command, a backup): it runs while `body` does and
    /// closes after.
    public static func using<T: Sendable>(_ url: DatabaseURL, logger: Logger, maxConnections: Int = 20, timeout: Duration,
                                          _ body: @Sendable @escaping (Database) async throws -> T) async throws -> T {
        let database = Database(url: url, logger: logger, maxConnections: maxConnections, timeout: timeout)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await database.run(); return nil }
            defer { group.cancelAll() }
            return try await body(database)
        }
    }

    /// Runs the pool until the task is cancelled (a ServiceLifecycle service in the server).
    public func run() async {
        await client.run()
    }

    /// A transaction in which only `tenantID`'s rows exist. Everything tenant-owned goes through here.
    public func withTenant<Result: Sendable>(
        _ tenantID: Int64, _ body: @Sendable @escaping (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        if let bound {
            // Already in a tenant's transaction: only the same tenant's rows are visible there anyway.
            return try await body(bound)
        }
        return try await withTransaction { connection in
            try await connection.query("SELECT set_config('hoso.tenant_id', \(String(tenantID)), true)", logger: self.logger)
            return try await body(connection)
        }
    }

    /// One statement on a pooled connection, in its own implicit transaction: for the functions that
    /// set the tenant for row-level security themselves (`hoso_signed_in`, `hoso_unit_head`), so that
    /// a request's hot reads are one round trip each instead of BEGIN, set_config, query and COMMIT.
    public func statement<Result: Sendable>(
        _ body: @Sendable @escaping (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        if let bound { return try await body(bound) }
        return try await guarded {
            try await self.client.withConnection { connection in try await body(connection) }
        }
    }

    /// A transaction without a tenant: only the registry tables (tenants, sessions) are visible.
    public func withTransaction<Result: Sendable>(
        _ body: @Sendable @escaping (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        if let bound { return try await body(bound) }
        return try await guarded {
            try await self.client.withTransaction(logger: self.logger) { connection in
                try await body(connection)
            }
        }
    }

    /// Refuses to serve as a role that row-level security does not bind: a superuser, a role with
    /// BYPASSRLS, or the owner of the tables. Returns false when the database cannot be reached
    /// (the server then starts and answers 503 until it can).
    @discardableResult
    public func checkApplicationRole() async throws -> Bool {
        let privileged: Bool
        do {
            privileged = try await withTransaction { connection in
                try await connection.fetch("""
                    SELECT r.rolsuper OR r.rolbypassrls OR EXISTS (
                        SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'units' AND tableowner = current_user)
                    FROM pg_roles r WHERE r.rolname = current_user
                    """, Bool.self, logger: self.logger).first ?? false
            }
        } catch let error as HosoError where error.code == "service.database_unavailable" {
            logger.warning("database unavailable at start-up; the role is checked when it answers")
            return false
        }
        if privileged { throw HosoError("config.privileged_database_role", ["role": url.username]) }
        return true
    }

    /// Whether the database answers now (for `/healthz`).
    public func ping() async -> Bool {
        do {
            try await guarded { try await self.client.query("SELECT 1", logger: self.logger) }
            return true
        } catch {
            return false
        }
    }

    /// Gives up after `timeout` and turns "cannot reach the server" into `service.database_unavailable`
    /// so that callers answer 503 instead of hanging or failing obscurely.
    func guarded<Result: Sendable>(_ body: @Sendable @escaping () async throws -> Result) async throws -> Result {
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: self.timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw HosoError("service.database_unavailable")
                }
                return result
            }
        } catch {
            throw Self.unwrap(error, logger: logger)
        }
    }

    /// PostgresNIO wraps whatever a transaction's body throws in `PostgresTransactionError`: the
    /// domain's own errors come out as they were thrown, a lost server as `service.database_unavailable`.
    static func unwrap(_ error: any Error, logger: Logger) -> any Error {
        switch error {
        case let transaction as PostgresTransactionError:
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return unwrap(inner, logger: logger)
            }
            return error
        case let error as PSQLError where isFrozenRefusal(error):
            return HosoError("tenant.frozen")
        case let error as PSQLError where isUnavailable(error):
            logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            return HosoError("service.database_unavailable")
        case is CancellationError:
            return HosoError("service.database_unavailable")
        default:
            return error
        }
    }

    /// Row-level security's backstop for a merged tenant (migration 0012's `tenant_not_frozen`).
    static func isFrozenRefusal(_ error: PSQLError) -> Bool {
        error.code == .server && error.serverInfo?[.sqlState] == "42501"
            && (error.serverInfo?[.message] ?? "").contains("tenant_not_frozen")
    }

    static func isUnavailable(_ error: PSQLError) -> Bool {
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed, .clientClosedConnection:
            return true
        case .server:
            // Class 08 (connection exception), 57P01-03 (shutdown, cannot connect now).
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        default:
            return false
        }
    }
}

extension PostgresConnection {
    /// Runs a statement and drops its rows.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger)
    }
}

extension PostgresConnection {
    /// Runs a query and decodes every row (result sets here are small and bounded).
    func fetch<each Column: PostgresDecodable>(
        _ query: PostgresQuery, _ types: (repeat each Column).Type, logger: Logger
    ) async throws -> [(repeat each Column)] {
        let rows = try await self.query(query, logger: logger)
        var result: [(repeat each Column)] = []
        for try await row in rows.decode((repeat each Column).self) { result.append(row) }
        return result
    }
}
