import ArgumentParser
import Foundation
import HosoCore
import HosoServer
import HosoStore
import HummingbirdBcrypt
import Logging

// Setting tenants up and looking after them: tenants, local administrators, the audit trail,
// rule-sets, people and obligations.

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tenant", abstract: "Manage tenants.", subcommands: [Import.self, Merge.self])

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
                        if !summary.moved.isEmpty { print("hoso:   moved (on their dates in the file, or today): \(summary.moved.joined(separator: ", "))") }
                        if !summary.handedOver.isEmpty { print("hoso:   inspections handed to a closed unit's successor: \(summary.handedOver.joined(separator: ", "))") }
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
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit trail.", subcommands: [Verify.self, Checkpoint.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute each tenant's hash chain and check it against its signed checkpoints (HOSO_ANCHOR_DIR and --anchors). "
                + "Names the entry where a break, a cut tail or a rewrite starts; exits 1 when one is found."
        )

        @Option(help: "Only this tenant (default: all).") var tenant: String?
        @Option(help: "Another folder of checkpoint files to check against too (e.g. the backup repository's anchors/).") var anchors: [String] = []

        func run() async throws {
            let (only, extra) = (tenant, anchors)
            var broken = false
            try await reporting {
                let env = ProcessInfo.processInfo.environment
                let key = try AnchorKey.fromEnvironment(env)
                let folders = ([env["HOSO_ANCHOR_DIR"]].compactMap { $0 }.filter { !$0.isEmpty } + extra)
                broken = try await withDatabase { database, logger in
                    let tenants = try await TenantStore(database: database, logger: logger).tenants().filter { only == nil || $0.code == only }
                    guard !tenants.isEmpty else { throw HosoError("signin.unknown_tenant") }
                    if key == nil, !folders.isEmpty {
                        print("hoso: warning: no HOSO_ANCHOR_KEY or HOSO_ANCHOR_PUBLIC_KEY: checkpoints cannot be checked")
                    } else if folders.isEmpty {
                        print("hoso: warning: no checkpoint folder (HOSO_ANCHOR_DIR): a cut tail or a rehashed chain cannot be seen")
                    }
                    let audit = AuditStore(database: database, logger: logger)
                    var broken = false
                    for tenant in tenants {
                        let result = try await audit.verify(tenantID: tenant.id)
                        if let seq = result.firstBroken {
                            broken = true
                            print("hoso: tenant \(tenant.code): BROKEN at entry \(seq) (\(result.reason ?? "?")) after \(result.checked) good entries")
                            continue
                        }
                        let checkpoints = key.map { key in folders.flatMap { AnchorLedger(directory: $0).read(tenantCode: tenant.code, key: key) } } ?? []
                        if let finding = try await audit.check(tenantID: tenant.id, against: checkpoints) {
                            broken = true
                            print("hoso: tenant \(tenant.code): BROKEN at entry \(finding.entry) (\(finding.reason)): \(Self.explain(finding))")
                        } else {
                            let newest = checkpoints.map(\.checkpoint).max { $0.seq < $1.seq }
                            let anchored = newest.map { ", matches \(checkpoints.count) signed checkpoints up to entry \($0.seq)" } ?? ", no checkpoint yet"
                            print("hoso: tenant \(tenant.code): \(result.checked) entries, chain intact\(key == nil ? "" : anchored)")
                        }
                    }
                    return broken
                }
            }
            if broken { throw ExitCode.failure }
        }

        static func explain(_ finding: AnchorFinding) -> String {
            switch finding {
            case .forged(let location, let seq):
                "the checkpoint at \(location) (entry \(seq)) does not verify with the anchor key: forged or damaged"
            case .cutTail(let first, let seq, let at):
                "the chain ends at entry \(first - 1), but a checkpoint of \(VietnamTime.iso(epochSeconds: at / 1_000_000)) signed entry \(seq): entries \(first)–\(seq) were removed"
            case .rewritten(let first, let seq, let at):
                "entry \(seq) no longer has the hash a checkpoint of \(VietnamTime.iso(epochSeconds: at / 1_000_000)) signed: the chain was rewritten from entry \(first) at the earliest"
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a signed checkpoint of every tenant's chain now (HOSO_ANCHOR_KEY, into HOSO_ANCHOR_DIR). The server also takes them at an interval."
        )

        func run() async throws {
            try await reporting {
                let env = ProcessInfo.processInfo.environment
                guard let key = try AnchorKey.fromEnvironment(env), key.canSign, let directory = env["HOSO_ANCHOR_DIR"], !directory.isEmpty else {
                    throw ConfigurationError(problems: ["HOSO_ANCHOR_KEY and HOSO_ANCHOR_DIR must both be set"])
                }
                try await withDatabase { database, logger in
                    let audit = AuditStore(database: database, logger: logger)
                    for tenant in try await TenantStore(database: database, logger: logger).tenants() {
                        if let checkpoint = try await audit.checkpoint(tenantID: tenant.id, tenantCode: tenant.code, key: key,
                                                                       ledger: AnchorLedger(directory: directory), reason: "command") {
                            print("hoso: tenant \(tenant.code): checkpoint at entry \(checkpoint.seq)")
                        }
                    }
                }
            }
        }
    }
}

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
                        print("hoso: people \(tenant) \(code): \(result.summary.people) lines applied, \(result.summary.groups) groups, \(result.summary.classes) classes, "
                            + "\(result.summary.duties) duties, \(result.rejected.count) rejected")
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
