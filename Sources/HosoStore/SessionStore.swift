import Crypto
import Foundation
import HosoCore
import Logging
import PostgresNIO

/// Server-side sessions. The browser holds a random token; the database keeps only its SHA-256.
/// Every instant (start, last use, end, and so a session's age) is the injected clock's.
public struct SessionStore: Sendable {
    let database: Database
    let logger: Logger
    let clock: any WallClock

    public init(database: Database, logger: Logger, clock: any WallClock = SystemClock()) {
        self.database = database
        self.logger = logger
        self.clock = clock
    }

    /// Starts a session; returns the token for the cookie and the CSRF token for forms.
    public func create(tenantID: Int64, userID: Int64, clientAddress: String?) async throws -> (token: String, csrfToken: String) {
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let hash = Self.hash(token)
        let now = Double(clock.now())
        try await database.withTransaction { connection in
            try await connection.run("""
                INSERT INTO sessions (token_hash, tenant_id, user_id, csrf_token, client_address, created_at, last_seen_at)
                VALUES (\(hash), \(tenantID), \(userID), \(csrf), \(clientAddress), to_timestamp(\(now)), to_timestamp(\(now)))
                """, logger: self.logger)
        }
        return (token, csrf)
    }

    /// The session a token names, unless it was ended. Lifetimes are judged by the caller.
    public func find(token: String) async throws -> SessionRecord? {
        let hash = Self.hash(token)
        let now = clock.now()
        return try await database.withTransaction { connection in
            try await connection.fetch("""
                SELECT s.tenant_id, t.code, s.user_id, s.csrf_token,
                       \(now) - extract(epoch FROM s.created_at)::int8, \(now) - extract(epoch FROM s.last_seen_at)::int8
                FROM sessions s JOIN tenants t ON t.id = s.tenant_id
                WHERE s.token_hash = \(hash) AND s.ended_at IS NULL
                """, (Int64, String, Int64, String, Int64, Int64).self, logger: self.logger).first.map {
                SessionRecord(tenantID: $0.0, tenantCode: $0.1, userID: $0.2, csrfToken: $0.3, ageSeconds: Int($0.4), idleSeconds: Int($0.5))
            }
        }
    }

    /// Marks the session used now (callers skip it within a minute of the last mark to spare writes).
    public static let touchIntervalSeconds = 60

    public func touch(token: String) async throws {
        let hash = Self.hash(token)
        let now = clock.now()
        try await database.withTransaction { connection in
            try await connection.run("""
                UPDATE sessions SET last_seen_at = to_timestamp(\(Double(now)))
                WHERE token_hash = \(hash) AND ended_at IS NULL
                  AND last_seen_at < to_timestamp(\(Double(now - Int64(Self.touchIntervalSeconds))))
                """, logger: self.logger)
        }
    }

    public func end(token: String) async throws {
        let hash = Self.hash(token)
        let now = Double(clock.now())
        try await database.withTransaction { connection in
            try await connection.run(
                "UPDATE sessions SET ended_at = to_timestamp(\(now)) WHERE token_hash = \(hash) AND ended_at IS NULL", logger: self.logger
            )
        }
    }

    static func hash(_ token: String) -> ByteBuffer {
        ByteBuffer(bytes: Array(SHA256.hash(data: Data(token.utf8))))
    }

    /// 256 random bits, base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
