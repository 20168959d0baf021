import Crypto
import Foundation
import HosoCore
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// Where backups go and what they need, from the environment the scripts export
/// (`scripts/services.sh env run|test`).
public struct BackupSettings: Sendable {
    public var pgBackRest: PgBackRest
    /// Hoso's part of the backup repository (`HOSO_BACKUP_DIR`): `blobs/objects/`, `manifests/`, `anchors/`.
    public var repository: String
    /// The live blob store (`HOSO_BLOB_DIR`).
    public var blobs: String
    /// The checkpoint ledger outside the database (`HOSO_ANCHOR_DIR`).
    public var anchors: String?
    public var anchorKey: AnchorKey?
    /// PostgreSQL's programs (`HOSO_PG_BINDIR`): pg_ctl for the verify drill's scratch cluster.
    public var pgBinaries: String
    /// The owner's connection (`HOSO_MIGRATION_DATABASE_URL`): it can lock every table for the
    /// consistency point and create restore points (scripts/pg.sh grants that).
    public var owner: DatabaseURL

    public init(pgBackRest: PgBackRest, repository: String, blobs: String, anchors: String?, anchorKey: AnchorKey?, pgBinaries: String,
                owner: DatabaseURL) {
        self.pgBackRest = pgBackRest
        self.repository = repository
        self.blobs = blobs
        self.anchors = anchors
        self.anchorKey = anchorKey
        self.pgBinaries = pgBinaries
        self.owner = owner
    }
}

/// Hoso's record of one backup, written last (so a backup without one never finished): the
/// consistency point (a named restore point taken while every table was share-locked, with the
/// row count of each table and each tenant's chain head at that instant) and the blob objects.
public struct BackupManifest: Codable, Sendable, Equatable {
    public var label: String
    public var type: String
    public var startedAt: Int64
    public var stoppedAt: Int64
    public var stopLSN: String
    public var restorePoint: String
    public var restorePointLSN: String
    public var schemaVersion: String
    public var tables: [String: Int64]
    public var objects: Int
    public var objectBytes: Int64
    public var objectsCopied: Int
    public var checkpoints: [AuditCheckpoint]
    public var seconds: Double
    /// How long the consistency point held writers back.
    public var lockSeconds: Double?
}

public struct BackupService: Sendable {
    public let settings: BackupSettings
    let logger: Logger
    /// Progress lines (the CLI writes them to standard error).
    let progress: @Sendable (String) -> Void

    public init(settings: BackupSettings, logger: Logger, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.logger = logger
        self.progress = progress
    }

    var manifestDirectory: String { settings.repository + "/manifests" }
    var objectDirectory: String { settings.repository + "/blobs/objects" }

    // MARK: backup

    /// A backup: pgBackRest's copy of the cluster, then the consistency point, then the blob objects
    /// (every blob the database names was stored before its row committed, so a copy taken now holds
    /// them all), then checkpoints of every chain, then the manifest. Until the manifest is written
    /// nothing is claimed as backed up; a failure at any step says which and exits non-zero.
    public func backup(type: String) async throws -> BackupManifest {
        guard ["full", "diff", "incr"].contains(type) else { throw HosoError("backup.bad_type", ["type": type]) }
        let clock = ContinuousClock.now
        try ensureWritable()
        try await Self.withDatabase(settings.owner, logger: logger) { database in
            guard await database.with(timeout: .seconds(10)).ping() else { throw HosoError("backup.database_unavailable") }
        }
        progress("pgBackRest: \(type) backup of the cluster")
        try await settings.pgBackRest.run("backup", ["--type=\(type)"], failing: "backup.failed")
        guard let made = try await settings.pgBackRest.backups().last else {
            throw HosoError("backup.failed", ["detail": "pgBackRest lists no backup"])
        }
        progress("consistency point after \(made.label)")
        let point = try await consistencyPoint(label: made.label)
        progress("copying blob objects")
        let copied = try copyObjects()
        var checkpoints: [AuditCheckpoint] = []
        if let key = settings.anchorKey, key.canSign, let directory = settings.anchors {
            let ledger = AnchorLedger(directory: directory)
            let logger = self.logger
            checkpoints = try await Self.withDatabase(settings.owner, logger: logger) { database in
                let audit = AuditStore(database: database, logger: logger)
                var taken: [AuditCheckpoint] = []
                for (id, code) in point.tenants {
                    let head = point.heads[id] ?? (0, String(repeating: "0", count: 64))
                    if let checkpoint = try await audit.checkpoint(tenantID: id, tenantCode: code, head: head, key: key, ledger: ledger,
                                                                   reason: "backup:\(made.label)") {
                        taken.append(checkpoint)
                    }
                }
                return taken
            }
            _ = try ledger.copy(to: settings.repository + "/anchors")
        } else {
            progress("warning: HOSO_ANCHOR_KEY or HOSO_ANCHOR_DIR is not set: no checkpoint of the audit chains")
        }
        let manifest = BackupManifest(
            label: made.label, type: made.type, startedAt: made.startedAt, stoppedAt: made.stoppedAt, stopLSN: made.stopLSN,
            restorePoint: point.name, restorePointLSN: point.lsn, schemaVersion: point.schemaVersion, tables: point.tables,
            objects: copied.objects, objectBytes: copied.bytes, objectsCopied: copied.copied, checkpoints: checkpoints,
            seconds: Self.seconds(ContinuousClock.now - clock), lockSeconds: point.lockSeconds
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try FileCopy.writeSynced(Array(try encoder.encode(manifest)), to: "\(manifestDirectory)/\(made.label).json")
        return manifest
    }

    func ensureWritable() throws {
        for directory in [settings.repository, manifestDirectory, objectDirectory] {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw HosoError("backup.repository_unwritable", ["path": directory, "detail": "\(error.localizedDescription)"])
            }
        }
        let probe = "\(settings.repository)/.probe"
        try FileCopy.writeSynced(Array("hoso".utf8), to: probe)
        unlink(probe)
    }

    struct ConsistencyPoint {
        var name: String
        var lsn: String
        var schemaVersion: String
        var tables: [String: Int64]
        var heads: [Int64: (seq: Int64, hash: String)]
        var tenants: [(Int64, String)]
        var lockSeconds: Double = 0
    }

    /// One short transaction that share-locks every table (writers wait, readers do not), counts
    /// each table's rows, reads every chain head and writes a named restore point: restoring to that
    /// point gives exactly those counts. Then the WAL segment is closed and archived. Writers take
    /// their tables in another order (a change, then its audit entry), so each lock waits at most
    /// half a second, less than PostgreSQL's deadlock_timeout (1 s): the backup always gives up
    /// first, and tries again, rather than a writer being chosen as a deadlock's victim.
    func consistencyPoint(label: String) async throws -> ConsistencyPoint {
        let name = "hoso-\(label)"
        let logger = self.logger
        return try await Self.withDatabase(settings.owner, logger: logger) { database in
            var attempt = 0
            while true {
                attempt += 1
                do {
                    let began = ContinuousClock.now
                    var point = try await database.withTransaction { connection in
                        try await connection.run("SET LOCAL lock_timeout = '500ms'", logger: logger)
                        try await connection.run("""
                            DO $$ DECLARE t text; BEGIN
                                FOR t IN SELECT format('%I', tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename LOOP
                                    EXECUTE 'LOCK TABLE ' || t || ' IN SHARE MODE';
                                END LOOP;
                            END $$
                            """, logger: logger)
                        var tables: [String: Int64] = [:]
                        for (table, count) in try await connection.fetch(Self.countRowsSQL, (String, Int64).self, logger: logger) {
                            tables[table] = count
                        }
                        let version = try await connection.fetch("SELECT coalesce(max(version), '') FROM schema_migrations",
                                                                  String.self, logger: logger).first ?? ""
                        let heads = try await AuditStore.heads(on: connection, logger: logger)
                        let tenants = try await connection.fetch("SELECT id, code FROM tenants ORDER BY id", (Int64, String).self, logger: logger)
                        let lsn = try await connection.fetch("SELECT pg_create_restore_point(\(name))::text", String.self, logger: logger).first ?? ""
                        return ConsistencyPoint(name: name, lsn: lsn, schemaVersion: version, tables: tables, heads: heads, tenants: tenants)
                    }
                    point.lockSeconds = Self.seconds(ContinuousClock.now - began)
                    try await waitForArchive(database)
                    return point
                } catch let error as PSQLError where ["55P03", "40P01"].contains(error.serverInfo?[.sqlState] ?? "") && attempt < 20 {
                    progress("writers are busy; trying the consistency point again (\(attempt))")
                    try await Task.sleep(for: .milliseconds(500))
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
                    throw HosoError("backup.not_permitted", ["detail": error.serverInfo?[.message] ?? ""])
                }
            }
        }
    }

    /// Every table of the schema with its row count, in one statement (the table names come from the
    /// catalogue and reach SQL only through `format('%I')`).
    static let countRowsSQL: PostgresQuery = """
        SELECT tablename::text, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', tablename), false, true, '')))[1]::text::bigint
        FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename
        """

    /// Closes the current WAL segment and waits until the archive holds it (the restore point is in it).
    func waitForArchive(_ database: Database) async throws {
        let logger = self.logger
        let segment = try await database.withTransaction { connection in
            try await connection.fetch("SELECT pg_walfile_name(pg_switch_wal())", String.self, logger: logger).first ?? ""
        }
        for _ in 0..<240 {
            let (archived, failed) = try await database.withTransaction { connection in
                try await connection.fetch("SELECT coalesce(last_archived_wal, ''), coalesce(last_failed_wal, '') FROM pg_stat_archiver",
                                           (String, String).self, logger: logger).first ?? ("", "")
            }
            if archived >= segment { return }
            if failed >= segment, failed != archived {
                progress("archiving \(segment) failed; PostgreSQL retries")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw HosoError("backup.archive_failed", ["segment": segment])
    }

    /// Copies the objects the repository does not hold yet (by name: content-addressed, never changed).
    func copyObjects() throws -> (objects: Int, bytes: Int64, copied: Int) {
        var objects = 0, copied = 0
        var bytes: Int64 = 0
        let source = settings.blobs + "/objects"
        let fanouts = ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).sorted()
        for (index, fanout) in fanouts.enumerated() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(source)/\(fanout)")) ?? []
            for name in names where name.count == 64 {
                objects += 1
                let from = "\(source)/\(fanout)/\(name)"
                let to = "\(objectDirectory)/\(fanout)/\(name)"
                var info = stat()
                guard stat(from, &info) == 0 else { continue }
                bytes += Int64(info.st_size)
                if access(to, F_OK) == 0 { continue }
                guard let data = FileManager.default.contents(atPath: from) else {
                    throw HosoError("backup.blob_unreadable", ["path": from])
                }
                try FileManager.default.createDirectory(atPath: "\(objectDirectory)/\(fanout)", withIntermediateDirectories: true)
                try FileCopy.writeSynced(Array(data), to: to)
                copied += 1
            }
            if index % 16 == 15 || index == fanouts.count - 1 {
                progress("blob objects: \(index + 1)/\(fanouts.count) folders, \(objects) objects, \(copied) new")
            }
        }
        return (objects, bytes, copied)
    }

    // MARK: list

    func manifests() -> [String: BackupManifest] {
        var result: [String: BackupManifest] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: manifestDirectory)) ?? [] where name.hasSuffix(".json") {
            if let data = FileManager.default.contents(atPath: "\(manifestDirectory)/\(name)"),
               let manifest = try? JSONDecoder().decode(BackupManifest.self, from: data) {
                result[manifest.label] = manifest
            }
        }
        return result
    }

    public func list() async throws -> [BackupSummary] {
        try await catalogue().backups
    }

    /// pgBackRest's backups joined with Hoso's manifests, each read once.
    func catalogue() async throws -> (backups: [BackupSummary], manifests: [String: BackupManifest]) {
        let manifests = self.manifests()
        let backups = try await settings.pgBackRest.backups().map { backup in
            let manifest = manifests[backup.label]
            return BackupSummary(label: backup.label, type: backup.type, startedAt: backup.startedAt, stoppedAt: backup.stoppedAt,
                                 databaseBytes: backup.databaseBytes, repositoryBytes: backup.repositoryBytes, prior: backup.prior,
                                 objects: manifest?.objects, objectBytes: manifest?.objectBytes)
        }
        return (backups, manifests)
    }

    // MARK: restore

    public struct Restored: Sendable {
        public let backup: BackupSummary
        public let manifest: BackupManifest
        public let dataDirectory: String
        public let blobDirectory: String
        public let objects: Int
    }

    /// Restores the cluster (to a backup's consistency point, or to an instant through the WAL) and
    /// the blob objects into `target`, which must be empty or absent. Starts nothing: the cluster
    /// replays its WAL when it is started (`pg_ctl -D <target>/pgdata start`).
    public func restore(to target: RestoreTarget, into directory: String) async throws -> Restored {
        let directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: directory), !entries.isEmpty {
            throw HosoError("restore.target_not_empty", ["path": directory])
        }
        let catalogue = try await catalogue()
        let backup = try target.choose(from: catalogue.backups, now: Int64(Date().timeIntervalSince1970))
        guard let manifest = catalogue.manifests[backup.label] else { throw HosoError("restore.unknown_label", ["label": backup.label]) }
        return try await restore(backup, manifest: manifest, to: target, into: directory)
    }

    /// The restore itself, of a backup already chosen, into an empty folder.
    func restore(_ backup: BackupSummary, manifest: BackupManifest, to target: RestoreTarget, into directory: String) async throws -> Restored {
        let data = directory + "/pgdata", blobs = directory + "/blobs"
        do {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: blobs + "/objects", withIntermediateDirectories: true)
        } catch {
            throw HosoError("restore.target_unwritable", ["path": directory])
        }
        try handOver(directory, data)
        var options = ["--pg1-path=\(data)", "--set=\(backup.label)", "--archive-mode=off", "--target-action=promote"]
        switch target {
        case .latest, .label:
            options += ["--type=name", "--target=\(manifest.restorePoint)"]
        case .time(let seconds):
            options += ["--type=time", "--target=\(VietnamTime.iso(epochSeconds: seconds))"]
        }
        progress("pgBackRest: restoring \(backup.label) into \(data)")
        try await settings.pgBackRest.run("restore", options, failing: "restore.failed")
        progress("copying blob objects into \(blobs)")
        let objects = try copyTree(from: objectDirectory, to: blobs + "/objects")
        if FileManager.default.fileExists(atPath: settings.repository + "/anchors") {
            _ = try copyTree(from: settings.repository + "/anchors", to: directory + "/anchors")
        }
        return Restored(backup: backup, manifest: manifest, dataDirectory: data, blobDirectory: blobs, objects: objects)
    }

    /// The cluster's folders belong to its owner (PostgreSQL refuses a data folder it does not own).
    func handOver(_ parent: String, _ data: String) throws {
        chmod(data, 0o700)
        guard let user = settings.pgBackRest.user, geteuid() == 0, let account = getpwnam(user) else { return }
        chown(parent, account.pointee.pw_uid, account.pointee.pw_gid)
        chown(data, account.pointee.pw_uid, account.pointee.pw_gid)
    }

    func copyTree(from source: String, to destination: String) throws -> Int {
        var count = 0
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let enumerator = FileManager.default.enumerator(atPath: source)
        while let relative = enumerator?.nextObject() as? String {
            var info = stat()
            let from = "\(source)/\(relative)"
            guard stat(from, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try FileManager.default.createDirectory(atPath: "\(destination)/\(relative)", withIntermediateDirectories: true)
            } else if let data = FileManager.default.contents(atPath: from) {
                try FileCopy.writeSynced(Array(data), to: "\(destination)/\(relative)")
                count += 1
            }
        }
        return count
    }

    // MARK: helpers

    static func withDatabase<T: Sendable>(_ url: DatabaseURL, logger: Logger, _ body: @Sendable @escaping (Database) async throws -> T) async throws -> T {
        try await Database.using(url, logger: logger, maxConnections: 4, timeout: .seconds(600), body)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
