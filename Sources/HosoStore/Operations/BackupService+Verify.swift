import Crypto
import Foundation
import HosoCore
import Logging
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// What the restore drill found, check by check.
public struct VerifyReport: Sendable {
    public struct Check: Sendable {
        public let name: String
        public let passed: Bool
        public let detail: String
        public let seconds: Double
    }

    public let label: String
    public internal(set) var checks: [Check] = []

    public var passed: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }
}

extension BackupService {
    /// The restore drill: the repository's files are checked (pgBackRest's checksums), the backup is
    /// restored to its consistency point into a scratch folder, a scratch cluster is started on
    /// `port`, and the restored data is checked against the manifest and against itself: the schema
    /// version, the row count of every table, every tenant's audit chain and its checkpoint, every
    /// blob the rows name (present, and hashing to its name), the kept counts against a recount.
    /// The scratch cluster is stopped and its folder removed whatever happens.
    public func verify(label: String?, port: Int, scratchParent: String, expectedSchema: String?) async throws -> VerifyReport {
        let catalogue = try await catalogue()
        let chosen = try (label.map { RestoreTarget.label($0) } ?? .latest).choose(from: catalogue.backups)
        guard let manifest = catalogue.manifests[chosen.label] else { throw HosoError("restore.unknown_label", ["label": chosen.label]) }
        var report = VerifyReport(label: chosen.label)

        var started = ContinuousClock.now
        let damaged = try await settings.pgBackRest.damaged()
        report.checks.append(.init(name: "repository", passed: damaged.isEmpty,
                                   detail: damaged.isEmpty ? "every file matches its checksum" : damaged.prefix(20).joined(separator: "; "),
                                   seconds: Self.seconds(ContinuousClock.now - started)))
        guard damaged.isEmpty else { return report }

        let scratch = Self.scratchFolder(parent: scratchParent, label: chosen.label)
        try? FileManager.default.removeItem(atPath: scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        started = ContinuousClock.now
        let restored: Restored
        do {
            restored = try await restore(chosen, manifest: manifest, to: .label(chosen.label), into: scratch)
        } catch let error as HosoError {
            report.checks.append(.init(name: "restore", passed: false, detail: error.description, seconds: Self.seconds(ContinuousClock.now - started)))
            return report
        }
        report.checks.append(.init(name: "restore", passed: true, detail: "\(restored.objects) blob objects",
                                   seconds: Self.seconds(ContinuousClock.now - started)))

        started = ContinuousClock.now
        let cluster = ScratchCluster(data: restored.dataDirectory, folder: scratch, port: port, binaries: settings.pgBinaries,
                                     user: settings.pgBackRest.user)
        do {
            try await cluster.start()
        } catch let error as HosoError {
            report.checks.append(.init(name: "recovery", passed: false, detail: error.description, seconds: Self.seconds(ContinuousClock.now - started)))
            await cluster.stop()
            return report
        }
        var url = settings.owner
        url.host = "127.0.0.1"
        url.port = port
        let logger = self.logger
        do {
            try await Self.withDatabase(url, logger: logger) { database in
                try await cluster.waitUntilPromoted(database, logger: logger)
            }
            report.checks.append(.init(name: "recovery", passed: true, detail: "replayed to \(manifest.restorePoint)",
                                       seconds: Self.seconds(ContinuousClock.now - started)))
            let checks = try await Self.withDatabase(url, logger: logger) { database in
                try await self.checkRestored(database, manifest: manifest, objects: restored.blobDirectory + "/objects", expectedSchema: expectedSchema)
            }
            report.checks += checks
        } catch {
            report.checks.append(.init(name: "checks", passed: false, detail: "\(error)", seconds: Self.seconds(ContinuousClock.now - started)))
        }
        await cluster.stop()
        return report
    }

    /// The drill's scratch folder: named by the process, so that an interrupted drill can be cleaned up.
    public static func scratchFolder(parent: String, label: String) -> String {
        "\(parent)/hoso-verify-\(getpid())-\(label)"
    }

    func checkRestored(_ database: Database, manifest: BackupManifest, objects: String, expectedSchema: String?) async throws -> [VerifyReport.Check] {
        let logger = self.logger
        var checks: [VerifyReport.Check] = []
        func timed(_ name: String, _ body: () async throws -> (Bool, String)) async throws {
            progress("checking \(name)")
            let started = ContinuousClock.now
            let (passed, detail) = try await body()
            checks.append(.init(name: name, passed: passed, detail: detail, seconds: Self.seconds(ContinuousClock.now - started)))
        }

        try await timed("migrations") {
            let version = try await database.withTransaction { connection in
                try await connection.fetch("SELECT coalesce(max(version), '') FROM schema_migrations", String.self, logger: logger).first ?? ""
            }
            let wanted = expectedSchema ?? manifest.schemaVersion
            return (version == manifest.schemaVersion && version == wanted,
                    "at \(version) (backup recorded \(manifest.schemaVersion), this build expects \(wanted))")
        }

        try await timed("rows") {
            let counts = try await database.withTransaction { connection in
                try await connection.fetch(Self.countRowsSQL, (String, Int64).self, logger: logger)
            }
            var restored: [String: Int64] = [:]
            for (table, count) in counts { restored[table] = count }
            let tables = Set(restored.keys).union(manifest.tables.keys).sorted()
            let wrong = tables.filter { restored[$0] != manifest.tables[$0] }
                .map { "\($0): \(restored[$0].map(String.init) ?? "absent") restored, \(manifest.tables[$0].map(String.init) ?? "absent") at the backup" }
            let total = restored.values.reduce(0, +)
            return (wrong.isEmpty, wrong.isEmpty ? "\(tables.count) tables, \(total) rows, each as at the backup" : wrong.joined(separator: "; "))
        }

        try await timed("audit") {
            let tenants = try await database.withTransaction { connection in
                try await connection.fetch("SELECT id, code FROM tenants ORDER BY id", (Int64, String).self, logger: logger)
            }
            let audit = AuditStore(database: database, logger: logger)
            var problems: [String] = []
            var entries = 0
            for (id, code) in tenants {
                let chain = try await audit.verify(tenantID: id)
                entries += chain.checked
                if let seq = chain.firstBroken {
                    problems.append("\(code): broken at entry \(seq) (\(chain.reason ?? "?"))")
                    continue
                }
                let taken = manifest.checkpoints.filter { $0.tenantID == id }
                let read = taken.map { ReadCheckpoint(checkpoint: $0, location: "manifest \(manifest.label)", valid: settings.anchorKey?.verifies($0) ?? true) }
                if let finding = try await audit.check(tenantID: id, against: read) {
                    problems.append("\(code): \(finding.reason) at entry \(finding.entry)")
                } else if let checkpoint = taken.last, chain.checked != Int(checkpoint.seq) {
                    problems.append("\(code): \(chain.checked) entries restored, the checkpoint says \(checkpoint.seq)")
                }
            }
            let anchored = settings.anchorKey == nil ? "" : ", each ending at its signed checkpoint"
            return (problems.isEmpty, problems.isEmpty ? "\(tenants.count) tenants, \(entries) entries intact\(anchored)" : problems.joined(separator: "; "))
        }

        try await timed("blobs") {
            let named = try await database.withTransaction { connection in
                try await connection.fetch("SELECT DISTINCT sha256 FROM blobs ORDER BY 1", String.self, logger: logger)
            }
            var problems: [String] = []
            for sha in named {
                let path = "\(objects)/\(sha.prefix(2))/\(sha)"
                guard let data = FileManager.default.contents(atPath: path) else {
                    problems.append("\(sha): missing")
                    continue
                }
                let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
                if digest != sha { problems.append("\(sha): content hashes to \(digest)") }
            }
            return (problems.isEmpty, problems.isEmpty ? "\(named.count) blobs named, each present and hashing to its name"
                        : "\(problems.count) of \(named.count): " + problems.prefix(10).joined(separator: "; "))
        }

        try await timed("kept counts") {
            let differences = try await database.withTransaction { connection in
                try await connection.run("""
                    CREATE TEMP TABLE kept_compliance ON COMMIT DROP AS SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0
                    """, logger: logger)
                try await connection.run("""
                    CREATE TEMP TABLE kept_signatures ON COMMIT DROP AS SELECT * FROM signature_counts WHERE signed <> 0 OR invalid <> 0
                    """, logger: logger)
                try await connection.run("SELECT hoso_compliance_rebuild(id) FROM tenants", logger: logger)
                return try await connection.fetch("""
                    SELECT (SELECT count(*) FROM ((TABLE kept_compliance EXCEPT SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0)
                                                  UNION ALL (SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0 EXCEPT TABLE kept_compliance)) d),
                           (SELECT count(*) FROM ((TABLE kept_signatures EXCEPT SELECT * FROM signature_counts WHERE signed <> 0 OR invalid <> 0)
                                                  UNION ALL (SELECT * FROM signature_counts WHERE signed <> 0 OR invalid <> 0 EXCEPT TABLE kept_signatures)) d),
                           (SELECT count(*) FROM kept_compliance)
                    """, (Int64, Int64, Int64).self, logger: logger).first ?? (Int64(-1), Int64(-1), Int64(0))
            }
            return (differences.0 == 0 && differences.1 == 0,
                    differences.0 == 0 && differences.1 == 0 ? "\(differences.2) kept rows equal a recount from the items"
                        : "\(differences.0) compliance rows and \(differences.1) signature rows differ from a recount")
        }
        return checks
    }
}

/// A PostgreSQL cluster started from a restored data folder, for the drill only: on its own port
/// and socket folder, archiving off (it must never push WAL into the repository it came from).
struct ScratchCluster: Sendable {
    let data: String
    let folder: String
    let port: Int
    let binaries: String
    let user: String?

    func start() async throws {
        let sockets = folder + "/sock"
        try FileManager.default.createDirectory(atPath: sockets, withIntermediateDirectories: true)
        if let user, geteuid() == 0, let account = getpwnam(user) {
            chown(sockets, account.pointee.pw_uid, account.pointee.pw_gid)
            chown(folder, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let busy = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        close(probe)
        if busy { throw HosoError("backup.verify_port_busy", ["port": String(port)]) }
        let output = try await Subprocess([
            binaries + "/pg_ctl", "-D", data, "-l", folder + "/postgresql.log", "-w", "-t", "3600",
            "-o", "-k \(sockets) -p \(port) -h 127.0.0.1 -c archive_mode=off -c max_connections=400", "start",
        ], user: user).run()
        guard output.status == 0 else {
            let log = (try? String(contentsOfFile: folder + "/postgresql.log", encoding: .utf8)) ?? output.message
            let lines = log.split(separator: "\n")
            let telling = lines.filter { $0.contains("FATAL:") || $0.contains("DETAIL:") || $0.contains("PANIC:") }
            throw HosoError("backup.recovery_failed", ["detail": PgBackRest.oneLine((telling.isEmpty ? lines.suffix(4) : telling.suffix(4)).joined(separator: "\n"))])
        }
    }

    /// Recovery ends with a promotion at the restore point; until then the cluster is read-only.
    func waitUntilPromoted(_ database: Database, logger: Logger) async throws {
        for _ in 0..<7200 {
            let recovering = try await database.withTransaction { connection in
                try await connection.fetch("SELECT pg_is_in_recovery()", Bool.self, logger: logger).first ?? true
            }
            if !recovering { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw HosoError("backup.recovery_failed", ["detail": "still recovering"])
    }

    func stop() async {
        _ = try? await Subprocess([binaries + "/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], user: user).run()
    }
}
