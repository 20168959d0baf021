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
    /// `passwordNotice`: the password warning the sign-in found, shown for the session's length.
    public func create(tenantID: Int64, userID: Int64, clientAddress: String?,
                       passwordNotice: PasswordNotice? = nil) async throws -> (token: String, csrfToken: String) {
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        let hash = Self.hash(token)
        let now = Double(clock.now())
        let notice = try passwordNotice.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await database.withTransaction { connection in
            try await connection.run("""
                INSERT INTO sessions (token_hash, tenant_id, user_id, csrf_token, client_address, created_at, last_seen_at,
                                      password_notice)
                VALUES (\(hash), \(tenantID), \(userID), \(csrf), \(clientAddress), to_timestamp(\(now)), to_timestamp(\(now)),
                        \(notice)::jsonb)
                """, logger: self.logger)
        }
        return (token, csrf)
    }

    /// The password warning kept with a live session (nil: none, or the session has ended).
    public func passwordNotice(token: String) async throws -> PasswordNotice? {
        let hash = Self.hash(token)
        let rows = try await database.statement { connection in
            try await connection.fetch("""
                SELECT password_notice::text FROM sessions
                WHERE token_hash = \(hash) AND ended_at IS NULL AND password_notice IS NOT NULL
                """, String.self, logger: self.logger)
        }
        guard let text = rows.first else { return nil }
        return try? JSONDecoder().decode(PasswordNotice.self, from: Data(text.utf8))
    }

    /// The session a token names with its person and their grants, and the tenant `host` selects
    /// (none for an empty host): one statement (`hoso_signed_in`, migration 0013), since every
    /// signed-in request starts here. Nil when the session is unknown or was ended.
    public func signedIn(token: String, host: String) async throws -> SignedIn? {
        let hash = Self.hash(token)
        let now = clock.now()
        let logger = self.logger
        return try await database.statement { connection in
            let rows = try await connection.query("SELECT * FROM hoso_signed_in(\(hash), \(now), \(host))", logger: logger)
            for try await (tenantID, tenantCode, userID, csrf, age, idle, hostTenant, login, name, roles, unitIDs, codes, closed)
                in rows.decode((Int64, String, Int64, String, Int64, Int64, Int64?, String, String, [String], [Int64], [String], [Bool]).self) {
                var grants: [Grant] = []
                for index in roles.indices where index < unitIDs.count && index < codes.count && index < closed.count {
                    if let role = Role(rawValue: roles[index]) {
                        grants.append(Grant(role: role, unitID: unitIDs[index], unitCode: codes[index], closed: closed[index]))
                    }
                }
                return SignedIn(
                    session: SessionRecord(tenantID: tenantID, tenantCode: tenantCode, userID: userID, csrfToken: csrf,
                                           ageSeconds: Int(age), idleSeconds: Int(idle)),
                    hostTenantID: hostTenant,
                    actor: Actor(userID: userID, tenantID: tenantID, login: login, displayName: name, grants: grants))
            }
            return nil
        }
    }

    public struct SignedIn: Sendable {
        public let session: SessionRecord
        /// The tenant the request's host names, if it names one.
        public let hostTenantID: Int64?
        public let actor: Actor
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
