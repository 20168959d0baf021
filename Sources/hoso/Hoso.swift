import ArgumentParser
import Foundation
import HosoCore
import HosoServer
import HosoSigning
import HosoStore
import Logging

/// The one binary: serving, migrating, importing tenants, creating local administrators.
@main
struct Hoso: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoso",
        abstract: "Hoso: oversight of electronic school records.",
        subcommands: [Serve.self, Migrate.self, TenantCommand.self, RulesCommand.self, PeopleCommand.self, ObligationsCommand.self,
                      AdminCommand.self, AuditCommand.self, BackupCommand.self, RestoreCommand.self, BlobsCommand.self, DemoCommand.self,
                      KeysCommand.self, VerifyCommand.self, RemindersCommand.self]
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

struct RemindersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reminders",
        abstract: "Make today's e-mail reminders now, whatever the hour (once a day per tenant: a second run queues nothing).")

    func run() async throws {
        try await reporting {
            let configuration = try AppConfiguration.fromEnvironment()
            let queued = try await makeRemindersNow(configuration: configuration, logger: makeLogger(configuration.logLevel))
            print("hoso: \(queued) reminders queued; the server sends them (its outbox: /outbox)")
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
/// `asOwner`: the owner's URL (`HOSO_MIGRATION_DATABASE_URL`) when it is set, else the application's.
func withDatabase<T: Sendable>(asOwner: Bool = false, _ body: @Sendable @escaping (Database, Logger) async throws -> T) async throws -> T {
    let env = ProcessInfo.processInfo.environment
    let owner = asOwner ? env["HOSO_MIGRATION_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } : nil
    guard let raw = owner ?? env["HOSO_DATABASE_URL"] else {
        throw ConfigurationError(problems: ["HOSO_DATABASE_URL is not set"])
    }
    let logger = makeLogger(ProcessInfo.processInfo.environment["HOSO_LOG_LEVEL"] ?? "warning")
    // One-off commands (a province-sized import) may take minutes: no request-sized timeout.
    return try await Database.using(try DatabaseURL(raw), logger: logger, timeout: .seconds(3600)) { try await body($0, logger) }
}


/// Where tenant folders are: `HOSO_TENANTS_DIR`, else `tenants` in the working directory.
func tenantsDirectory() -> String { ProcessInfo.processInfo.environment["HOSO_TENANTS_DIR"] ?? "tenants" }

func webDirectory() -> String { ProcessInfo.processInfo.environment["HOSO_WEB_DIR"] ?? "web" }

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return [UInt8](data)
}

func tenantID(_ database: Database, _ logger: Logger, _ code: String) async throws -> Int64 {
    guard let tenant = try await TenantStore(database: database, logger: logger).tenant(code: code) else {
        throw HosoError("signin.unknown_tenant")
    }
    return tenant.id
}

/// The certificates of PEM files, each kept as it was written (one PEM block per certificate).
func trustRoots(in paths: [String]) throws -> [(facts: CertificateFacts, pem: String)] {
    var roots: [(facts: CertificateFacts, pem: String)] = []
    for path in paths {
        let text = String(decoding: try readFile(path), as: UTF8.self)
        for block in text.components(separatedBy: "-----END CERTIFICATE-----") {
            guard let begin = block.range(of: "-----BEGIN CERTIFICATE-----") else { continue }
            let pem = String(block[begin.lowerBound...]) + "-----END CERTIFICATE-----\n"
            roots.append((try Certificates.read(pem: Array(pem.utf8))[0], pem))
        }
    }
    return roots
}
