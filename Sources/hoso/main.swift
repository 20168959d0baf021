import ArgumentParser
import Foundation
import HosoCore
import HosoServer
import HosoStore
import HummingbirdBcrypt
import Logging

/// The one binary: serving, migrating, importing tenants, creating local administrators.
@main
struct Hoso: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoso",
        abstract: "Hoso: oversight of electronic school records.",
        subcommands: [Serve.self, Migrate.self, TenantCommand.self, AdminCommand.self, AuditCommand.self]
    )
}

/// Runs a command body and turns known errors into a readable message and exit code 1.
func reporting(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("hoso: \(error)\n".utf8))
        throw ExitCode.failure
    } catch let error as HosoErrors {
        let localizer = try? Localizer(directory: (ProcessInfo.processInfo.environment["HOSO_WEB_DIR"] ?? "web") + "/locales")
        for problem in error.errors {
            FileHandle.standardError.write(Data("hoso: \(localizer?.message(for: problem, .en) ?? problem.description) [\(problem.code)]\n".utf8))
        }
        throw ExitCode.failure
    } catch let error as HosoError {
        let localizer = try? Localizer(directory: (ProcessInfo.processInfo.environment["HOSO_WEB_DIR"] ?? "web") + "/locales")
        FileHandle.standardError.write(Data("hoso: \(localizer?.message(for: error, .en) ?? error.description) [\(error.code)]\n".utf8))
        throw ExitCode.failure
    }
}

func makeLogger(_ level: String = ProcessInfo.processInfo.environment["HOSO_LOG_LEVEL"] ?? "info") -> Logger {
    var logger = Logger(label: "hoso")
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the portal (migrates first when HOSO_MIGRATION_DATABASE_URL is set).")

    func run() async throws {
        try await reporting {
            let configuration = try AppConfiguration.fromEnvironment()
            let app = try await buildApplication(configuration: configuration, logger: makeLogger(configuration.logLevel))
            try await app.runService()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations (HOSO_MIGRATION_DATABASE_URL, else HOSO_DATABASE_URL).")

    func run() async throws {
        try await reporting {
            let env = ProcessInfo.processInfo.environment
            guard let raw = env["HOSO_MIGRATION_DATABASE_URL"] ?? env["HOSO_DATABASE_URL"] else {
                throw ConfigurationError(problems: ["HOSO_MIGRATION_DATABASE_URL (or HOSO_DATABASE_URL) is not set"])
            }
            let applied = try await Migrator(migrations: try Migration.bundled(), logger: makeLogger()).migrate(try DatabaseURL(raw))
            print(applied.isEmpty ? "hoso: schema is up to date" : "hoso: applied \(applied.joined(separator: ", "))")
        }
    }
}

/// Opens the pool for a one-off command and closes it after.
func withDatabase<T: Sendable>(_ body: @Sendable @escaping (Database, Logger) async throws -> T) async throws -> T {
    guard let raw = ProcessInfo.processInfo.environment["HOSO_DATABASE_URL"] else {
        throw ConfigurationError(problems: ["HOSO_DATABASE_URL is not set"])
    }
    let logger = makeLogger(ProcessInfo.processInfo.environment["HOSO_LOG_LEVEL"] ?? "warning")
    // One-off commands (a province-sized import) may take minutes: no request-sized timeout.
    let database = Database(url: try DatabaseURL(raw), logger: logger, timeout: .seconds(3600))
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { await database.run(); return nil }
        defer { group.cancelAll() }
        return try await body(database, logger)
    }
}

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tenant", abstract: "Manage tenants.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import tenants from their folders (tenants/<id>/tenant.yaml). Idempotent; each tenant all or nothing."
        )

        @Argument(help: "Tenant folders or tenant.yaml files.")
        var paths: [String]

        func run() async throws {
            try await reporting {
                let definitions = try paths.map { try TenantFile.load(directory: $0) }
                try await withDatabase { database, logger in
                    let store = TenantStore(database: database, logger: logger)
                    for definition in definitions {
                        let summary = try await store.importTenant(definition)
                        print("hoso: tenant \(definition.id): \(summary.tenantCreated ? "created" : "updated"); units created \(summary.created.count), updated \(summary.updated.count), moved \(summary.moved.count), closed \(summary.closed.count), reopened \(summary.reopened.count)")
                    }
                }
            }
        }
    }
}

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "admin", abstract: "Local tenant administrators.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (or reset) a tenant administrator who signs in without the directory. The password is read from HOSO_ADMIN_PASSWORD or standard input, never from the command line."
        )

        @Option(help: "Tenant id, e.g. demo.") var tenant: String
        @Option(help: "Login name.") var login: String
        @Option(help: "Display name.") var name: String = "Quản trị hệ thống"

        func run() async throws {
            try await reporting {
                let password = ProcessInfo.processInfo.environment["HOSO_ADMIN_PASSWORD"] ?? (readLine(strippingNewline: true) ?? "")
                guard password.count >= 12 else { throw HosoError("admin.weak_password", ["min": "12"]) }
                let hash = Bcrypt.hash(password, cost: 12)
                let login = self.login, name = self.name, tenantCode = self.tenant
                try await withDatabase { database, logger in
                    guard let tenant = try await TenantStore(database: database, logger: logger).tenant(code: tenantCode) else {
                        throw HosoError("signin.unknown_tenant")
                    }
                    try await UserStore(database: database, logger: logger).upsertLocalAdministrator(
                        tenantID: tenant.id, login: login, displayName: name, passwordHash: hash
                    )
                }
                print("hoso: local administrator \(login) ready in tenant \(tenantCode)")
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute each tenant's hash chain and name the first broken entry. Exits 1 when a chain is broken."
        )

        @Option(help: "Only this tenant (default: all).") var tenant: String?

        func run() async throws {
            let only = tenant
            var broken = false
            try await reporting {
                broken = try await withDatabase { database, logger in
                    let tenants = try await TenantStore(database: database, logger: logger).tenants().filter { only == nil || $0.code == only }
                    guard !tenants.isEmpty else { throw HosoError("signin.unknown_tenant") }
                    var broken = false
                    for tenant in tenants {
                        let result = try await AuditStore(database: database, logger: logger).verify(tenantID: tenant.id)
                        if let seq = result.firstBroken {
                            broken = true
                            print("hoso: tenant \(tenant.code): BROKEN at entry \(seq) (\(result.reason ?? "?")) after \(result.checked) good entries")
                        } else {
                            print("hoso: tenant \(tenant.code): \(result.checked) entries, chain intact")
                        }
                    }
                    return broken
                }
            }
            if broken { throw ExitCode.failure }
        }
    }
}
