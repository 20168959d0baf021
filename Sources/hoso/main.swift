import ArgumentParser
import Foundation
import HosoCore
import HosoServer
import HosoSigning
import HosoStore
import HosoSynthetic
import HummingbirdBcrypt
import Logging

/// The one binary: serving, migrating, importing tenants, creating local administrators.
@main
struct Hoso: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoso",
        abstract: "Hoso: oversight of electronic school records.",
        subcommands: [Serve.self, Migrate.self, TenantCommand.self, RulesCommand.self, PeopleCommand.self, ObligationsCommand.self,
                      AdminCommand.self, AuditCommand.self, DemoCommand.self, KeysCommand.self, VerifyCommand.self]
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
            abstract: "Import tenants from their folders (tenants/<id>/tenant.yaml, and the CA roots it trusts in trust-roots.pem when present). Idempotent; each tenant all or nothing."
        )

        @Argument(help: "Tenant folders or tenant.yaml files.")
        var paths: [String]

        func run() async throws {
            try await reporting {
                let definitions = try paths.map { try TenantFile.load(directory: $0) }
                try await withDatabase { database, logger in
                    let store = TenantStore(database: database, logger: logger)
                    for (definition, path) in zip(definitions, paths) {
                        let summary = try await store.importTenant(definition)
                        print("hoso: tenant \(definition.id): \(summary.tenantCreated ? "created" : "updated"); units created \(summary.created.count), updated \(summary.updated.count), moved \(summary.moved.count), closed \(summary.closed.count), reopened \(summary.reopened.count)")
                        // The CA roots the tenant trusts, when its folder has them (tenants/<id>/trust-roots.pem).
                        let folder = path.hasSuffix(".yaml") ? (path as NSString).deletingLastPathComponent : path
                        let roots = try trustRoots(in: [folder + "/trust-roots.pem"].filter { FileManager.default.fileExists(atPath: $0) })
                        if !roots.isEmpty, let tenant = try await store.tenant(code: definition.id) {
                            let added = try await SignatureStore(database: database, logger: logger).addRoots(
                                tenantID: tenant.id, roots, source: folder + "/trust-roots.pem", actorLogin: "cli")
                            print("hoso: tenant \(definition.id): \(added) new trusted root(s), \(roots.count - added) already trusted")
                        }
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

/// Where tenant folders are: `HOSO_TENANTS_DIR`, else `tenants` in the working directory.
func tenantsDirectory() -> String { ProcessInfo.processInfo.environment["HOSO_TENANTS_DIR"] ?? "tenants" }

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "Rule-sets and school calendars.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate and load a tenant's calendars and rule-sets (tenants/shared/rulesets, tenants/<id>/rules, tenants/<id>/calendars). A changed rule-set is a new version; other years are never touched."
        )
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "School year (e.g. 2025-2026); every year with a calendar when omitted.") var year: [String] = []

        func run() async throws {
            try await reporting {
                let (tenant, years) = (self.tenant, self.year)
                try await withDatabase { database, logger in
                    let setup = RecordsSetup(database: database, logger: logger, tenantsDirectory: tenantsDirectory())
                    for line in try await setup.importRules(tenant: tenant, years: years.isEmpty ? nil : years) { print("hoso: rules \(line)") }
                }
            }
        }
    }
}

struct PeopleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "people", abstract: "The people of schools.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a school's teachers, groups and homeroom classes from CSV (header: login,display_name,subject_group,...). Bad lines are listed and skipped."
        )
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "School year (e.g. 2025-2026).") var year: String
        @Option(help: "School code; taken from the file name (SCHOOL.csv) when omitted.") var school: String?
        @Argument(help: "CSV files (UTF-8).") var files: [String]

        func run() async throws {
            try await reporting {
                let (tenant, year, school, files) = (self.tenant, self.year, self.school, self.files)
                try await withDatabase { database, logger in
                    let setup = RecordsSetup(database: database, logger: logger, tenantsDirectory: tenantsDirectory())
                    let localizer = try? Localizer(directory: (ProcessInfo.processInfo.environment["HOSO_WEB_DIR"] ?? "web") + "/locales")
                    for file in files {
                        guard let data = FileManager.default.contents(atPath: file) else { throw HosoError("people.file_missing", ["path": file]) }
                        let code = school ?? String((file.split(separator: "/").last ?? "").replacingOccurrences(of: ".csv", with: ""))
                        let result = try await setup.importPeople(tenant: tenant, school: code, schoolYear: year, csv: String(decoding: data, as: UTF8.self))
                        print("hoso: people \(tenant) \(code): \(result.summary.people) lines applied, \(result.summary.groups) groups, \(result.summary.classes) classes, \(result.rejected.count) rejected")
                        for rejection in result.rejected {
                            print("hoso:   line \(rejection.line): \(localizer?.message(for: rejection.error, .en) ?? rejection.error.description) [\(rejection.error.code)]")
                        }
                    }
                }
            }
        }
    }
}

struct ObligationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "obligations", abstract: "Expected items.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a school year's obligations from the rule-set, the calendar and the people. Idempotent; keeps what is fulfilled; one school per transaction."
        )
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "School year (e.g. 2025-2026).") var year: String
        @Option(help: "Only this unit's subtree.") var unit: String?

        func run() async throws {
            try await reporting {
                let (tenant, year, unit) = (self.tenant, self.year, self.unit)
                let interactive = isatty(STDERR_FILENO) != 0
                try await withDatabase { database, logger in
                    let setup = RecordsSetup(database: database, logger: logger, tenantsDirectory: tenantsDirectory())
                    let summary = try await setup.generate(tenant: tenant, schoolYear: year, unit: unit) { done, total in
                        if interactive || done == total {
                            FileHandle.standardError.write(Data("\rhoso: obligations \(done)/\(total) schools\(done == total ? "\n" : "")".utf8))
                        }
                    }
                    print("hoso: obligations \(tenant) \(year): \(summary.schools) schools, \(summary.planned) expected, \(summary.inserted) new, \(summary.updated) updated, \(summary.withdrawn) withdrawn")
                }
            }
        }
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Synthetic data for load tests.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a large synthetic province (tenant bigdemo): offices, schools, people, a school year of obligations and submissions, loaded with COPY a batch of schools per transaction. Interrupt it at will: a second run carries on. Needs HOSO_DATABASE_URL and HOSO_MIGRATION_DATABASE_URL (the owner: bulk loads bypass the per-row count trigger and count per batch)."
        )
        @Option(help: "Number of schools.") var schools: Int?
        @Option(help: "Number of teachers in all.") var teachers: Int?
        @Option(help: "Preset: small (24 schools, 600 teachers) or large (3500 schools, 100000 teachers).") var preset: String = "large"
        @Option(help: "Random seed (the same seed gives the same province).") var seed: UInt64 = 2026

        func run() async throws {
            try await reporting {
                var options: SyntheticProvince.Options
                switch preset {
                case "small": options = .small
                case "large": options = .large
                default: throw ConfigurationError(problems: ["--preset must be small or large, not \(preset)"])
                }
                if let schools { options.schools = schools }
                if let teachers { options.teachers = teachers }
                guard (1...20_000).contains(options.schools), (options.schools...2_000_000).contains(options.teachers) else {
                    throw ConfigurationError(problems: ["--schools must be 1–20000 and --teachers at least the number of schools"])
                }
                options.seed = seed
                let env = ProcessInfo.processInfo.environment
                guard let ownerURL = env["HOSO_MIGRATION_DATABASE_URL"] else {
                    throw ConfigurationError(problems: ["HOSO_MIGRATION_DATABASE_URL (the database owner) is not set"])
                }
                let blobs = try BlobStore(root: env["HOSO_BLOB_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/blobs")
                let chosen = options
                let interactive = isatty(STDERR_FILENO) != 0
                try await withDatabase { app, logger in
                    let owner = Database(url: try DatabaseURL(ownerURL), logger: logger, maxConnections: 4, timeout: .seconds(3600))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { await owner.run() }
                        defer { group.cancelAll() }
                        let generator = SyntheticProvince(app: app, owner: owner, blobs: blobs, clock: SystemClock(),
                                                          logger: logger)
                        let base = try TenantFile.load(directory: tenantsDirectory() + "/" + chosen.tenant)
                        let setup = RecordsSetup(database: app, logger: logger, tenantsDirectory: tenantsDirectory())
                        let summary = try await generator.generate(chosen, base: base, importRules: {
                            try await setup.importRules(tenant: chosen.tenant, years: [chosen.schoolYear])
                        }) { line in
                            let text = (interactive ? "\r\u{1B}[K" : "") + "hoso: demo \(line)" + (interactive ? "" : "\n")
                            FileHandle.standardError.write(Data(text.utf8))
                        }
                        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
                        print("hoso: demo \(summary)")
                    }
                }
            }
        }
    }
}

// MARK: - Keys and signatures

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

func date(_ seconds: Int64) -> String { String(UTCTime.format(seconds).prefix(10)) }

/// The certificates of PEM files, each kept as it was written (one PEM block per certificate).
func trustRoots(in paths: [String]) throws -> [(facts: CertificateFacts, pem: String)] {
    var roots: [(facts: CertificateFacts, pem: String)] = []
    for path in paths {
        let text = String(decoding: try readFile(path), as: UTF8.self)
        for block in text.components(separatedBy: "-----END CERTIFICATE-----") where block.contains("-----BEGIN CERTIFICATE-----") {
            let pem = String(block[block.range(of: "-----BEGIN CERTIFICATE-----")!.lowerBound...]) + "-----END CERTIFICATE-----\n"
            roots.append((try Certificates.read(pem: Array(pem.utf8))[0], pem))
        }
    }
    return roots
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Signing keys and trusted CA roots (the key store is HOSO_KEYS_DIR, its secret HOSO_KEYS_SECRET).",
        subcommands: [List.self, Import.self, Retire.self, Trust.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's signing keys and trusted roots.")
        @Option(help: "Tenant id.") var tenant: String

        func run() async throws {
            try await reporting {
                let code = tenant
                try await withDatabase { database, logger in
                    let store = SignatureStore(database: database, logger: logger)
                    let id = try await tenantID(database, logger, code)
                    for root in try await store.roots(tenantID: id) {
                        print("root   \(root.fingerprint.prefix(16))  until \(date(root.notAfter))  \(root.subject)")
                    }
                    for key in try await store.keys(tenantID: id) {
                        let holder = key.seal ? "seal:\(key.owner)" : key.owner
                        let place = key.keyReference == nil ? "external" : "store"
                        print("\(key.state == "active" ? "key   " : "retired") \(key.fingerprint.prefix(16))  \(holder)  \(key.algorithm)  serial \(key.serial)  \(date(key.notBefore))..\(date(key.notAfter))  \(place)  \(key.commonName)")
                    }
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a PKCS#12 key (kept in the key store under HOSO_KEYS_SECRET) or, with --certificate, only a certificate whose key stays on the person's token.",
            discussion: "The PKCS#12 file's own password is read from HOSO_KEYS_IMPORT_PASSWORD (default: HOSO_KEYS_SECRET); passwords are never arguments.")
        @Option(help: "Tenant id.") var tenant: String
        @Option(help: "The person's login (an approver's key).") var user: String?
        @Option(help: "A school's code (its organisation seal).") var unit: String?
        @Flag(help: "The file is a PEM certificate only.") var certificate = false
        @Argument(help: "PKCS#12 (.p12) file, or PEM certificate with --certificate.") var file: String

        func validate() throws {
            guard (user == nil) != (unit == nil) else { throw ValidationError("give exactly one of --user and --unit") }
        }

        func run() async throws {
            try await reporting {
                let (code, user, unit, certificateOnly) = (tenant, user, unit, certificate)
                let bytes = try readFile(file)
                let environment = ProcessInfo.processInfo.environment
                let keysDirectory = environment["HOSO_KEYS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/keys"
                try await withDatabase { database, logger in
                    let id = try await tenantID(database, logger, code)
                    let owner: SignatureStore.Owner = user.map { .person(login: $0) } ?? .unit(code: unit ?? "")
                    let schema = try SigningService.loadSchema(webDirectory: webDirectory())
                    let facts: CertificateFacts, pem: String, reference: String?
                    if certificateOnly {
                        facts = try Certificates.read(pem: bytes)[0]
                        pem = String(decoding: bytes, as: UTF8.self)
                        reference = nil
                    } else {
                        guard let secret = environment["HOSO_KEYS_SECRET"], !secret.isEmpty else { throw HosoError("keys.no_secret") }
                        let store = try PKCS12KeyStore(directory: keysDirectory, secret: secret, schema: schema)
                        let password = environment["HOSO_KEYS_IMPORT_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 } ?? secret
                        (reference, facts, pem) = try store.importKey(bytes, password: password, tenant: code)
                    }
                    let roots = try await SignatureStore(database: database, logger: logger).roots(tenantID: id)
                    if roots.isEmpty { print("hoso: warning: tenant \(code) trusts no CA root yet (hoso keys trust)") }
                    let row = try await SignatureStore(database: database, logger: logger).register(
                        tenantID: id, owner: owner, certificate: facts, pem: pem, keyReference: reference, actorLogin: "cli")
                    print("hoso: key \(row.fingerprint.prefix(16)) for \(row.seal ? "seal:" : "")\(row.owner) (\(row.commonName), serial \(row.serial), until \(date(row.notAfter)))")
                }
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a key: it signs nothing more; its signatures keep their value.")
        @Option(help: "Tenant id.") var tenant: String
        @Argument(help: "The certificate's SHA-256 fingerprint (at least its first 8 hex digits).") var fingerprint: String

        func run() async throws {
            try await reporting {
                let (code, fingerprint) = (tenant, fingerprint)
                try await withDatabase { database, logger in
                    let row = try await SignatureStore(database: database, logger: logger).retire(
                        tenantID: try await tenantID(database, logger, code), fingerprintPrefix: fingerprint, actorLogin: "cli")
                    print("hoso: retired \(row.fingerprint.prefix(16)) (\(row.owner), \(row.commonName))")
                }
            }
        }
    }

    struct Trust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add CA root certificates the tenant trusts (default: the tenant's own file, tenants/<id>/trust-roots.pem).")
        @Option(help: "Tenant id.") var tenant: String
        @Argument(help: "PEM files of root certificates.") var files: [String] = []

        func run() async throws {
            try await reporting {
                let code = tenant
                let paths = files.isEmpty ? [tenantsDirectory() + "/\(code)/trust-roots.pem"] : files
                let roots = try trustRoots(in: paths)
                guard !roots.isEmpty else { throw HosoError("certificate.unreadable") }
                let found = roots
                try await withDatabase { database, logger in
                    let added = try await SignatureStore(database: database, logger: logger).addRoots(
                        tenantID: try await tenantID(database, logger, code), found, source: paths.joined(separator: ", "), actorLogin: "cli")
                    print("hoso: \(added) new trusted root(s) for \(code), \(found.count - added) already trusted")
                }
            }
        }
    }
}

/// `hoso verify manifest.xml [document]`: who signed, in which role, when, with which
/// certificate, whether the chain reaches a trusted root at the signing time, and whether the
/// document still matches. Offline with --trusted; with --tenant, the tenant's roots and key registry.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify a signed record manifest (and its document).")
    @Option(help: "PEM file of trusted CA roots (offline check).") var trusted: String?
    @Option(help: "Tenant id: use its trusted roots and key registry (needs HOSO_DATABASE_URL).") var tenant: String?
    @Argument(help: "The manifest (XML).") var manifest: String
    @Argument(help: "The document it describes.") var document: String?

    func validate() throws {
        guard (trusted == nil) != (tenant == nil) else { throw ValidationError("give exactly one of --trusted and --tenant") }
    }

    func run() async throws {
        try await reporting {
            let bytes = try readFile(manifest)
            let digest = try document.map { Digests.sha256(try readFile($0)) }
            let schema = try SigningService.loadSchema(webDirectory: webDirectory())
            let roots: TrustRoots
            var owners: [String: KeyOwner]?
            if let trusted {
                roots = try TrustRoots(pem: try readFile(trusted))
            } else {
                let code = tenant ?? ""
                (roots, owners) = try await withDatabase { database, logger in
                    let store = SignatureStore(database: database, logger: logger)
                    let id = try await tenantID(database, logger, code)
                    let pem = try await store.roots(tenantID: id).map(\.pem).joined(separator: "\n")
                    let roots = pem.isEmpty ? TrustRoots.empty : try TrustRoots(pem: Array(pem.utf8))
                    let check = try ManifestSignatures.verify(bytes, roots: roots, schema: schema)
                    return (roots, try await store.owners(tenantID: id, fingerprints: check.evidence.compactMap { $0.certificate?.fingerprint }))
                }
            }
            let check = try ManifestSignatures.verify(bytes, roots: roots, schema: schema)
            let review = SignatureReview(manifest: check.manifest, evidence: check.evidence, owners: owners, documentSHA256: digest)
            let m = check.manifest
            print("Record: \(m.recordType.name) [\(m.recordType.code)] · \(m.unit.name) [\(m.unit.code)] · \(m.period.schoolYear) \(m.period.kind) \(m.period.number) · version \(m.version)")
            print("Document: \(m.document.filename) \(m.document.size) bytes sha256 \(m.document.sha256)")
            if let digest {
                print("  " + (review.documentProblem == nil ? "matches the file given" : "DOES NOT MATCH the file given (sha256 \(digest))"))
            } else {
                print("  (no document given: its hash was not checked)")
            }
            for checked in review.signatures {
                let e = checked.evidence
                let claim = e.claim
                print("Signature \(e.index + 1) [\(e.id)]: \(claim?.kind.rawValue ?? "?") step \(claim?.step ?? 0) as \(claim?.role ?? "?") by \(claim?.signerName ?? "?") (\(claim?.signer ?? "?")) at \(claim.map { UTCTime.format($0.signingTime) } ?? "?")")
                if let c = e.certificate {
                    print("  certificate \(c.subject) · serial \(c.serial) · issuer \(c.issuer) · valid \(UTCTime.format(c.notBefore))..\(UTCTime.format(c.notAfter)) · \(e.algorithm)")
                }
                print("  " + (checked.valid ? "VALID" : "INVALID: " + checked.problems.map { problem in
                    problem.code + (problem.parameters.isEmpty ? "" : " (" + problem.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")")
                }.joined(separator: "; ")))
            }
            if owners == nil { print("(offline: whose keys these are was not checked against a key registry)") }
            print("Result: \(review.state.rawValue)" + (review.complete(m) ? ", complete" : review.missingSteps.isEmpty ? "" : ", steps missing a required signature: \(review.missingSteps.map(String.init).joined(separator: ", "))")
                  + (m.sealRequired && !review.sealed ? ", not sealed" : ""))
            if review.state == .invalid { throw ExitCode.failure }
        }
    }
}
