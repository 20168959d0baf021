import ArgumentParser
import Foundation
import HosoCore
import HosoServer
import HosoStore

#if canImport(Glibc)
import Glibc
#endif

/// The backup settings from the environment (`scripts/services.sh env run` exports them all).
func backupSettings() throws -> BackupSettings {
    let env = ProcessInfo.processInfo.environment
    func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
    var problems: [String] = []
    let configuration = value("HOSO_PGBACKREST_CONFIG")
    if configuration == nil { problems.append("HOSO_PGBACKREST_CONFIG is not set (the pgBackRest configuration scripts/pg.sh writes)") }
    let repository = value("HOSO_BACKUP_DIR")
    if repository == nil { problems.append("HOSO_BACKUP_DIR is not set (Hoso's part of the backup repository)") }
    guard let owner = value("HOSO_MIGRATION_DATABASE_URL") ?? value("HOSO_DATABASE_URL") else {
        throw ConfigurationError(problems: problems + ["HOSO_MIGRATION_DATABASE_URL (the owner's connection) is not set"])
    }
    let key: AnchorKey?
    do {
        key = try AnchorKey.fromEnvironment(env)
    } catch {
        throw ConfigurationError(problems: problems + ["HOSO_ANCHOR_KEY must be 32 random bytes in base64 (openssl rand -base64 32)"])
    }
    guard let configuration, let repository, problems.isEmpty else { throw ConfigurationError(problems: problems) }
    return BackupSettings(
        pgBackRest: PgBackRest(configuration: configuration, stanza: value("HOSO_PGBACKREST_STANZA") ?? "hoso", user: value("HOSO_PGBACKREST_USER")),
        repository: repository, blobs: value("HOSO_BLOB_DIR") ?? "data/blobs", anchors: value("HOSO_ANCHOR_DIR"), anchorKey: key,
        pgBinaries: value("HOSO_PG_BINDIR") ?? postgresBinaries(), owner: try DatabaseURL(owner)
    )
}

/// Debian keeps pg_ctl out of PATH: the newest /usr/lib/postgresql/<version>/bin.
func postgresBinaries() -> String {
    let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted()
    return versions.last.map { "/usr/lib/postgresql/\($0)/bin" } ?? "/usr/bin"
}

/// Runs `cleanup` on SIGINT or SIGTERM, then exits 130. Cancel the returned sources to stop listening.
func onInterrupt(_ cleanup: @escaping @Sendable () -> Void) -> InterruptWatch {
    let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            cleanup()
            exit(130)
        }
        source.resume()
        return source
    }
    return InterruptWatch(sources: sources)
}

struct InterruptWatch {
    let sources: [any DispatchSourceSignal]
    func cancel() {
        sources.forEach { $0.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

func progressLine(_ line: String) {
    FileHandle.standardError.write(Data("hoso: \(line)\n".utf8))
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Point-in-time backups of the database (pgBackRest) with the blob objects and signed audit checkpoints.",
        subcommands: [Create.self, List.self, Verify.self],
        defaultSubcommand: Create.self
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Back up now: pgBackRest, a consistency point, new blob objects, checkpoints, then the manifest. Exits 1 and records nothing on failure."
        )
        @Option(help: "full, diff, incr, or auto (a full one when the newest full is older than 7 days or there is none, else diff).")
        var type: String = "auto"

        func run() async throws {
            let requested = type
            try await reporting {
                let service = BackupService(settings: try backupSettings(), logger: makeLogger("warning"), progress: progressLine)
                var type = requested
                if type == "auto" {
                    let backups = (try? await service.list()) ?? []
                    let newestFull = backups.filter { $0.type == "full" && $0.isComplete }.map(\.stoppedAt).max() ?? 0
                    type = Int64(Date().timeIntervalSince1970) - newestFull > 7 * 86_400 ? "full" : "diff"
                }
                let manifest = try await service.backup(type: type)
                print("hoso: backup \(manifest.label) (\(manifest.type)) done in \(String(format: "%.1f", manifest.seconds)) s: restore point \(manifest.restorePoint) "
                    + "at \(manifest.restorePointLSN), \(manifest.tables.values.reduce(0, +)) rows in \(manifest.tables.count) tables, "
                    + "\(manifest.objects) blob objects (\(manifest.objectsCopied) new), \(manifest.checkpoints.count) audit checkpoints; "
                    + "writers waited \(String(format: "%.2f", manifest.lockSeconds ?? 0)) s at the consistency point")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The backups in the repository, newest last, with sizes and ages.")

        func run() async throws {
            try await reporting {
                let service = BackupService(settings: try backupSettings(), logger: makeLogger("warning"))
                let backups = try await service.list()
                let now = Int64(Date().timeIntervalSince1970)
                print("label                               type  ended                       age     database   in repo    blobs")
                for backup in backups {
                    let blobs = backup.objects.map { "\($0) (\(BackupFormat.bytes(backup.objectBytes ?? 0)))" } ?? "incomplete: not restorable"
                    print([backup.label.padding(toLength: 35, withPad: " ", startingAt: 0), backup.type.padding(toLength: 5, withPad: " ", startingAt: 0),
                           VietnamTime.iso(epochSeconds: backup.stoppedAt).padding(toLength: 27, withPad: " ", startingAt: 0),
                           BackupFormat.age(now - backup.stoppedAt).padding(toLength: 7, withPad: " ", startingAt: 0),
                           BackupFormat.bytes(backup.databaseBytes).padding(toLength: 10, withPad: " ", startingAt: 0),
                           BackupFormat.bytes(backup.repositoryBytes).padding(toLength: 10, withPad: " ", startingAt: 0), blobs].joined(separator: " "))
                }
                if backups.isEmpty { print("hoso: no backup yet (hoso backup)") }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The restore drill: restore a backup into a scratch cluster on another port and check it. Exits 1 when a check fails."
        )
        @Option(help: "The backup (default: the newest).") var label: String?
        @Option(help: "Port of the scratch cluster.") var port: Int = 55499
        @Option(help: "Where the scratch folder is made (the cluster owner must be able to enter it).") var scratch: String = "/tmp"

        func run() async throws {
            let (label, port, scratch) = (self.label, self.port, self.scratch)
            var passed = false
            // Interrupted (Ctrl-C, a stop): the scratch cluster is stopped and its folder removed.
            let binaries = (try? backupSettings().pgBinaries) ?? postgresBinaries()
            let interruption = onInterrupt {
                let prefix = BackupService.scratchFolder(parent: scratch, label: "")
                for name in (try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? [] where (scratch + "/" + name).hasPrefix(prefix) {
                    let folder = scratch + "/" + name
                    _ = try? Subprocess([binaries + "/pg_ctl", "-D", folder + "/pgdata", "-m", "immediate", "stop"],
                                        user: ProcessInfo.processInfo.environment["HOSO_PGBACKREST_USER"]).runBlocking()
                    try? FileManager.default.removeItem(atPath: folder)
                }
                progressLine("interrupted: the scratch cluster is stopped and removed")
            }
            defer { interruption.cancel() }
            try await reporting {
                let service = BackupService(settings: try backupSettings(), logger: makeLogger("warning"), progress: progressLine)
                let expected = try Migration.bundled().map(\.version).max()
                let report = try await service.verify(label: label, port: port, scratchParent: scratch, expectedSchema: expected)
                print("hoso: restore drill of \(report.label)")
                for check in report.checks {
                    print("  \(check.passed ? "ok  " : "FAIL") \(check.name.padding(toLength: 12, withPad: " ", startingAt: 0)) "
                        + "\(String(format: "%7.2f", check.seconds)) s  \(check.detail)")
                }
                passed = report.passed
                print(passed ? "hoso: backup \(report.label) restores and checks out" : "hoso: backup \(report.label) FAILED the drill")
            }
            if !passed { throw ExitCode.failure }
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the database to a time or a backup, and the blob objects, into a new folder. Starts nothing."
    )
    @Option(help: "latest, a backup label, or a time (2026-12-07 14:30, 2026-12-07T07:30:00Z; Vietnam's time without an offset).")
    var to: String
    @Option(help: "An empty or new folder: <target>/pgdata and <target>/blobs are made in it.") var target: String

    func run() async throws {
        let (to, target) = (self.to, self.target)
        try await reporting {
            let service = BackupService(settings: try backupSettings(), logger: makeLogger("warning"), progress: progressLine)
            let destination = target.hasPrefix("/") ? target : FileManager.default.currentDirectoryPath + "/" + target
            let restored = try await service.restore(to: try RestoreTarget.parse(to), into: destination)
            let settings = service.settings
            print("""
                hoso: restored from backup \(restored.backup.label) into \(destination)
                  database: \(restored.dataDirectory) (replays the archived WAL to \(to) when started)
                  blobs:    \(restored.blobDirectory) (\(restored.objects) objects)
                Nothing is running. To start it (as the cluster's owner\(settings.pgBackRest.user.map { ", \($0)" } ?? "")):
                  \(settings.pgBinaries)/pg_ctl -D \(restored.dataDirectory) -o "-p 55498 -c archive_mode=off -c max_connections=400" -l \(destination)/postgresql.log start
                then point Hoso at it: HOSO_DATABASE_URL=...:55498/hoso HOSO_BLOB_DIR=\(restored.blobDirectory)
                (A cluster that stops with "recovery ended before configured recovery target was reached": the WAL of
                that instant never reached the repository; restore again to an earlier time.)
                """)
        }
    }
}
