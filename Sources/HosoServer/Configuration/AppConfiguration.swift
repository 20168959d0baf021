import Foundation
import HosoCore
import HosoStore

/// Everything the server reads from its environment (`HOSO_*`), checked once at start-up so that
/// a bad value stops the process with a clear message instead of failing on first use.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseURL
    /// Owner credentials for migrations at start-up; `nil` means the schema is migrated elsewhere.
    public var migrationDatabase: DatabaseURL?
    /// Root of `web/` (templates, static files, locales).
    public var webDirectory: String
    /// Overrides every tenant's directory URL (the local slapd of `make run` and `make test`).
    public var directoryURLOverride: String?
    public var sessionLifetime: SessionLifetime
    public var throttle: SignInThrottle
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    public var secureCookies: Bool
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    public var trustProxy: Bool
    public var databaseTimeoutSeconds: Int
    /// The most connections the pool opens (`HOSO_DATABASE_MAX_CONNECTIONS`, default 20).
    public var databaseMaxConnections: Int = 20
    /// How long a client may take over a request's header, its body, or between requests, and how
    /// many connections are served at once (`HOSO_HTTP_*`).
    public var connections: ConnectionLimits = .init()
    /// How long `/healthz` reuses its directory checks.
    public var healthCacheSeconds: Int
    public var logLevel: String
    /// Where document content is kept (content-addressed; `HOSO_BLOB_DIR`).
    public var blobDirectory: String
    /// Where `tenants/` is (rule-set and calendar files; `HOSO_TENANTS_DIR`).
    public var tenantsDirectory: String
    /// Where `reports/` is (official documents' layout and words; `HOSO_REPORTS_DIR`); by
    /// default next to `web/`.
    public var reportsDirectory: String?
    /// The PKCS#12 key store (`HOSO_KEYS_DIR`); its secret is `HOSO_KEYS_SECRET`, read from
    /// `environment` when a key is used and never kept elsewhere.
    public var keysDirectory: String = "data/keys"
    /// Where signed checkpoints of the audit chains are appended (`HOSO_ANCHOR_DIR`; none: not taken).
    public var anchorDirectory: String?
    /// How often the server takes them (`HOSO_ANCHOR_INTERVAL_SECONDS`).
    public var anchorIntervalSeconds: Int = 300
    /// The checkpoints' signing key (`HOSO_ANCHOR_KEY`), checked at start-up.
    public var anchorKey: AnchorKey?
    /// The bound of the dashboards' cache in MiB (`HOSO_VIEW_CACHE_MIB`, 16 by default; 0 turns it off).
    public var viewCacheMiB: Int = 16
    /// Where e-mail goes (`HOSO_SMTP_*`); nil: nothing is sent, the outbox page says so.
    public var mail: MailConfiguration?
    public var keysSecret: String? { environment["HOSO_KEYS_SECRET"].flatMap { $0.isEmpty ? nil : $0 } }
    public var resolvedReportsDirectory: String {
        reportsDirectory ?? (URL(fileURLWithPath: webDirectory).deletingLastPathComponent().path + "/reports")
    }
    /// Where secrets named by tenant files (directory bind passwords) are looked up.
    public var environment: [String: String]

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: DatabaseURL, migrationDatabase: DatabaseURL? = nil,
        webDirectory: String = "web", directoryURLOverride: String? = nil, sessionLifetime: SessionLifetime = .init(),
        throttle: SignInThrottle = .init(), secureCookies: Bool = false, trustProxy: Bool = false,
        databaseTimeoutSeconds: Int = 5, healthCacheSeconds: Int = 5, logLevel: String = "info", blobDirectory: String = "data/blobs",
        tenantsDirectory: String = "tenants", environment: [String: String] = [:]
    ) {
        self.blobDirectory = blobDirectory
        self.tenantsDirectory = tenantsDirectory
        self.host = host
        self.port = port
        self.database = database
        self.migrationDatabase = migrationDatabase
        self.webDirectory = webDirectory
        self.directoryURLOverride = directoryURLOverride
        self.sessionLifetime = sessionLifetime
        self.throttle = throttle
        self.secureCookies = secureCookies
        self.trustProxy = trustProxy
        self.databaseTimeoutSeconds = databaseTimeoutSeconds
        self.healthCacheSeconds = healthCacheSeconds
        self.logLevel = logLevel
        self.environment = environment
    }

    /// Reads and checks the environment. Every problem is reported, not just the first.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var problems: [String] = []
        func integer(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) -> Int {
            guard let raw = env[name], !raw.isEmpty else { return fallback }
            guard let value = Int(raw), range.contains(value) else {
                problems.append("\(name)=\(raw) must be a whole number in \(range.lowerBound)...\(range.upperBound)")
                return fallback
            }
            return value
        }
        func flag(_ name: String) -> Bool {
            guard let raw = env[name], !raw.isEmpty else { return false }
            if ["1", "true", "yes"].contains(raw.lowercased()) { return true }
            if ["0", "false", "no"].contains(raw.lowercased()) { return false }
            problems.append("\(name)=\(raw) must be 1 or 0")
            return false
        }
        func url(_ name: String, required: Bool) -> DatabaseURL? {
            guard let raw = env[name], !raw.isEmpty else {
                if required { problems.append("\(name) is not set (postgres://user:password@host:port/database)") }
                return nil
            }
            guard let parsed = try? DatabaseURL(raw) else {
                problems.append("\(name) is not a postgres:// URL with a user, host and database")
                return nil
            }
            return parsed
        }

        let database = url("HOSO_DATABASE_URL", required: true)
        let migration = url("HOSO_MIGRATION_DATABASE_URL", required: false)
        let web = env["HOSO_WEB_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "web"
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: web + "/templates", isDirectory: &isDirectory) || !isDirectory.boolValue {
            problems.append("HOSO_WEB_DIR=\(web) has no templates/ folder (run from the repository root or set HOSO_WEB_DIR)")
        }
        let directoryURL = env["HOSO_DIRECTORY_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let directoryURL, !(directoryURL.hasPrefix("ldap://") || directoryURL.hasPrefix("ldaps://")) {
            problems.append("HOSO_DIRECTORY_URL=\(directoryURL) must start with ldap:// or ldaps://")
        }
        let level = env["HOSO_LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "info"
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) {
            problems.append("HOSO_LOG_LEVEL=\(level) must be one of trace, debug, info, notice, warning, error, critical")
        }
        let configuration = AppConfiguration(
            host: env["HOSO_HTTP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: integer("HOSO_HTTP_PORT", 8080, 1...65535),
            database: database ?? DatabaseURL(host: "", port: 0, username: "", password: nil, database: ""),
            migrationDatabase: migration,
            webDirectory: web,
            directoryURLOverride: directoryURL,
            sessionLifetime: SessionLifetime(
                idleSeconds: integer("HOSO_SESSION_IDLE_MINUTES", 30, 1...1440) * 60,
                absoluteSeconds: integer("HOSO_SESSION_MAX_HOURS", 12, 1...168) * 3600
            ),
            throttle: SignInThrottle(
                windowSeconds: integer("HOSO_SIGNIN_WINDOW_MINUTES", 15, 1...1440) * 60,
                maxFailuresPerLogin: integer("HOSO_SIGNIN_MAX_FAILURES_LOGIN", 5, 1...1000),
                maxFailuresPerAddress: integer("HOSO_SIGNIN_MAX_FAILURES_ADDRESS", 20, 1...100_000)
            ),
            secureCookies: flag("HOSO_SECURE_COOKIES"),
            trustProxy: flag("HOSO_TRUST_PROXY"),
            databaseTimeoutSeconds: integer("HOSO_DATABASE_TIMEOUT_SECONDS", 5, 1...120),
            healthCacheSeconds: integer("HOSO_HEALTH_CACHE_SECONDS", 5, 0...300),
            logLevel: level,
            blobDirectory: env["HOSO_BLOB_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/blobs",
            tenantsDirectory: env["HOSO_TENANTS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "tenants",
            environment: env
        )
        let maxConnections = integer("HOSO_DATABASE_MAX_CONNECTIONS", 20, 2...500)
        let anchorInterval = integer("HOSO_ANCHOR_INTERVAL_SECONDS", 300, 5...86_400)
        let viewCache = integer("HOSO_VIEW_CACHE_MIB", 16, 0...4_096)
        let mail = MailConfiguration.parse(env, problems: &problems, integer: integer)
        var anchorKey: AnchorKey?
        do {
            anchorKey = try AnchorKey.fromEnvironment(env)
        } catch {
            problems.append("HOSO_ANCHOR_KEY must be 32 random bytes in base64 (openssl rand -base64 32)")
        }
        let anchorDirectory = env["HOSO_ANCHOR_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        if anchorDirectory != nil, anchorKey?.canSign != true {
            problems.append("HOSO_ANCHOR_DIR is set but HOSO_ANCHOR_KEY is not: checkpoints of the audit chains need the key")
        }
        let limits = ConnectionLimits.defaults
        let connections = ConnectionLimits(
            headerTimeoutSeconds: integer("HOSO_HTTP_HEADER_TIMEOUT_SECONDS", limits.headerTimeoutSeconds, 1...300),
            idleTimeoutSeconds: integer("HOSO_HTTP_IDLE_TIMEOUT_SECONDS", limits.idleTimeoutSeconds, 1...3600),
            bodyTimeoutSeconds: integer("HOSO_HTTP_BODY_TIMEOUT_SECONDS", limits.bodyTimeoutSeconds, 1...3600),
            maxConnections: integer("HOSO_HTTP_MAX_CONNECTIONS", limits.maxConnections, 1...100_000)
        )
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        var result = configuration
        result.connections = connections
        result.databaseMaxConnections = maxConnections
        result.reportsDirectory = env["HOSO_REPORTS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        result.keysDirectory = env["HOSO_KEYS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/keys"
        result.anchorDirectory = anchorDirectory
        result.anchorIntervalSeconds = anchorInterval
        result.anchorKey = anchorKey
        result.viewCacheMiB = viewCache
        result.mail = mail
        return result
    }

    /// A tenant's directory settings as they apply here: the URL override, if any, wins. `nil`
    /// for a tenant without a directory.
    func directorySettings(for tenant: TenantRecord) -> DirectorySettings? {
        guard var settings = tenant.directory else { return nil }
        let perTenant = "HOSO_DIRECTORY_URL_" + tenant.code.uppercased().replacingOccurrences(of: "-", with: "_")
        if let url = environment[perTenant], !url.isEmpty { settings.url = url }
        else if let directoryURLOverride { settings.url = directoryURLOverride }
        return settings
    }

    /// An extra directory's settings, its URL overridden like a tenant's (`HOSO_DIRECTORY_URL_<NAME>`).
    func directorySettings(for extra: ExtraDirectory) -> DirectorySettings {
        var settings = extra.settings
        let perDirectory = "HOSO_DIRECTORY_URL_" + extra.name.uppercased().replacingOccurrences(of: "-", with: "_")
        if let url = environment[perDirectory], !url.isEmpty { settings.url = url }
        else if let directoryURLOverride { settings.url = directoryURLOverride }
        return settings
    }

    func bindPassword(for settings: DirectorySettings) -> String {
        environment[settings.bindPasswordEnv] ?? ""
    }
}

/// Limits that keep slow or idle clients from holding the server's connections (a client that
/// dribbles a header line every few seconds, or opens connections and sends nothing).
public struct ConnectionLimits: Sendable, Equatable {
    /// From a request's first byte to the end of its header.
    public var headerTimeoutSeconds: Int
    /// A connection with no request in progress is closed after this long.
    public var idleTimeoutSeconds: Int
    /// From the end of a request's header to the end of its body: generous, for a 20 MB upload
    /// over a slow school line.
    public var bodyTimeoutSeconds: Int
    /// Connections served at once; more wait in the listen queue until one closes.
    public var maxConnections: Int

    public static let defaults = ConnectionLimits()

    public init(headerTimeoutSeconds: Int = 10, idleTimeoutSeconds: Int = 60, bodyTimeoutSeconds: Int = 600,
                maxConnections: Int = 1024) {
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
        self.maxConnections = maxConnections
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { "configuration:\n" + problems.map { "  - " + $0 }.joined(separator: "\n") }
}
