import Foundation
import HosoCore

/// `postgres://user:password@host:port/database?sslmode=require` split into its parts.
public struct DatabaseURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var requireTLS: Bool

    public init(host: String, port: Int, username: String, password: String?, database: String, requireTLS: Bool = false) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.requireTLS = requireTLS
    }

    public init(_ string: String) throws {
        guard let components = URLComponents(string: string),
              ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty,
              let user = components.user, !user.isEmpty else {
            throw HosoError("config.bad_database_url")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw HosoError("config.bad_database_url") }
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        self.init(
            host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database,
            requireTLS: ["require", "verify-ca", "verify-full"].contains(sslmode)
        )
    }

    /// The same server and credentials, another database (tests make one per test).
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// For logs: everything but the password.
    public var redacted: String { "postgres://\(username)@\(host):\(port)/\(database)" }
}
