import ArgumentParser
import Foundation
import HosoServer
import HosoCore
import HosoStore
import HosoSynthetic

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Synthetic data: a large province for load tests, a past for the demo.", subcommands: [Generate.self, Story.self])

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

    struct Story: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a tenant's untouched items a realistic past up to today (submissions, approvals by the people who hold each step's role, signed and sealed where the rule-set asks, returns), then an inspection concluded with minutes and follow-ups, one in progress, a correction with minutes and a report ready to download; deterministic from a seed; a second run writes nothing twice. Needs the server's environment (HOSO_DATABASE_URL, HOSO_BLOB_DIR, HOSO_KEYS_DIR and HOSO_KEYS_SECRET for signatures) and HOSO_MIGRATION_DATABASE_URL (the owner)."
        )
        @Option(name: .customLong("tenant"), help: "Tenant code (repeatable).") var tenants: [String] = ["demo"]
        @Option(help: "Random seed (the same seed tells the same past).") var seed: UInt64 = 2026

        func run() async throws {
            let (chosen, seed) = (tenants, seed)
            try await reporting { try await Self.tell(chosen, seed: seed) }
        }

        static func tell(_ chosen: [String], seed: UInt64) async throws {
            let env = ProcessInfo.processInfo.environment
            guard let ownerURL = env["HOSO_MIGRATION_DATABASE_URL"] else {
                throw ConfigurationError(problems: ["HOSO_MIGRATION_DATABASE_URL (the database owner) is not set"])
            }
            let blobs = try BlobStore(root: env["HOSO_BLOB_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/blobs")
            let interactive = isatty(STDERR_FILENO) != 0
            let logger = makeLogger()
            // The app's own services (its stores, signing, documents, report runner) for the acts,
            // on the application's role, with a clock each act sets to its day.
            let configuration = try AppConfiguration.fromEnvironment()
            let now = SystemClock().now()
            let clock = DemoClock(epochSeconds: now)
            let services = try await makeServices(configuration: configuration, clock: clock, logger: logger)
            if services.signing.signer == nil {
                print("hoso: demo story: no key store (HOSO_KEYS_SECRET): approvals that need a signature wait, minutes are not signed")
            }
            let signingService = services.signing
            var signing: (@Sendable (Int64) -> SigningStep)?
            if signingService.signer != nil { signing = { @Sendable tenantID in signingService.hosoSigning(tenantID: tenantID) } }
            let signingStep = signing
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await services.database.run() }
                defer { group.cancelAll() }
                try await Database.using(try DatabaseURL(ownerURL), logger: logger, maxConnections: 2, timeout: .seconds(600)) { owner in
                    let story = DemoStory(database: owner, blobs: blobs, clock: FixedClock(epochSeconds: now), logger: logger,
                                          signing: signingStep)
                    for tenant in chosen {
                        let summary = try await story.tell(tenant: tenant, seed: seed) { line in
                            let text = (interactive ? "\r\u{1B}[K" : "") + "hoso: demo \(line)" + (interactive ? "" : "\n")
                            FileHandle.standardError.write(Data(text.utf8))
                        }
                        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
                        print("hoso: demo story \(tenant): \(summary)")
                        let acts = try await DemoActs(services: services, clock: clock, owner: owner, now: now).tell(tenant: tenant, seed: seed)
                        print("hoso: demo story \(tenant): \(acts)")
                    }
                }
            }
        }
    }
}
