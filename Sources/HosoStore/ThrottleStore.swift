import HosoCore
import Logging
import PostgresNIO

/// Sign-in attempts, counted per login name and per client address within a window. An attempt
/// is recorded before the directory is asked, under a lock per login, so that parallel guesses
/// cannot all slip past the count.
public struct ThrottleStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Records an attempt and returns its id, or throws the throttle's refusal (recording nothing).
    public func begin(tenantID: Int64, login: String, address: String, throttle: SignInThrottle) async throws -> Int64 {
        let window = Double(throttle.windowSeconds)
        return try await database.withTenant(tenantID) { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext(\(String(tenantID) + ":" + login)))", logger: self.logger)
            let row = try await connection.fetch("""
                SELECT count(*) FILTER (WHERE login = \(login)),
                       coalesce(max(extract(epoch FROM now() - attempted_at)) FILTER (WHERE login = \(login)), 0)::int8,
                       count(*) FILTER (WHERE client_address = \(address)),
                       coalesce(max(extract(epoch FROM now() - attempted_at)) FILTER (WHERE client_address = \(address)), 0)::int8
                FROM sign_in_attempts
                WHERE tenant_id = \(tenantID) AND attempted_at > now() - make_interval(secs => \(window))
                  AND (login = \(login) OR client_address = \(address))
                """, (Int64, Int64, Int64, Int64).self, logger: self.logger)[0]
            if let refusal = throttle.check(
                login: .init(count: Int(row.0), oldestAgeSeconds: Int(row.1)),
                address: .init(count: Int(row.2), oldestAgeSeconds: Int(row.3))
            ) {
                throw refusal
            }
            // Keep the table small: a day is far beyond any window.
            try await connection.run(
                "DELETE FROM sign_in_attempts WHERE tenant_id = \(tenantID) AND attempted_at < now() - interval '1 day'", logger: self.logger
            )
            return try await connection.fetch("""
                INSERT INTO sign_in_attempts (tenant_id, login, client_address) VALUES (\(tenantID), \(login), \(address)) RETURNING id
                """, Int64.self, logger: self.logger)[0]
        }
    }

    /// Forgets one attempt (the directory was down: not the person's fault).
    public func forget(tenantID: Int64, attempt: Int64) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run("DELETE FROM sign_in_attempts WHERE tenant_id = \(tenantID) AND id = \(attempt)", logger: self.logger)
        }
    }

    /// A successful sign-in forgives that login's failures.
    public func clear(tenantID: Int64, login: String) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run(
                "DELETE FROM sign_in_attempts WHERE tenant_id = \(tenantID) AND login = \(login)", logger: self.logger
            )
        }
    }
}
