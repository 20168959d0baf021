import HosoCore
import Logging
import PostgresNIO

/// Failed sign-ins, counted per login name and per client address within a window.
public struct ThrottleStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func recent(tenantID: Int64, login: String, address: String, windowSeconds: Int) async throws
        -> (login: SignInThrottle.Recent, address: SignInThrottle.Recent)
    {
        let window = Double(windowSeconds)
        return try await database.withTenant(tenantID) { connection in
            let row = try await connection.fetch("""
                SELECT count(*) FILTER (WHERE login = \(login)),
                       coalesce(max(extract(epoch FROM now() - failed_at)) FILTER (WHERE login = \(login)), 0)::int8,
                       count(*) FILTER (WHERE client_address = \(address)),
                       coalesce(max(extract(epoch FROM now() - failed_at)) FILTER (WHERE client_address = \(address)), 0)::int8
                FROM sign_in_failures
                WHERE tenant_id = \(tenantID) AND failed_at > now() - make_interval(secs => \(window))
                  AND (login = \(login) OR client_address = \(address))
                """, (Int64, Int64, Int64, Int64).self, logger: self.logger)[0]
            return (SignInThrottle.Recent(count: Int(row.0), oldestAgeSeconds: Int(row.1)),
                    SignInThrottle.Recent(count: Int(row.2), oldestAgeSeconds: Int(row.3)))
        }
    }

    public func recordFailure(tenantID: Int64, login: String, address: String) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run("""
                INSERT INTO sign_in_failures (tenant_id, login, client_address) VALUES (\(tenantID), \(login), \(address))
                """, logger: self.logger)
            // Keep the table small: a day is far beyond any window.
            try await connection.run(
                "DELETE FROM sign_in_failures WHERE tenant_id = \(tenantID) AND failed_at < now() - interval '1 day'", logger: self.logger
            )
        }
    }

    /// A successful sign-in forgives that login's failures.
    public func clear(tenantID: Int64, login: String) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run(
                "DELETE FROM sign_in_failures WHERE tenant_id = \(tenantID) AND login = \(login)", logger: self.logger
            )
        }
    }
}
