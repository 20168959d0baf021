import Crypto
import Foundation
import HosoCore
import HosoStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Backups for real: a PostgreSQL cluster of the test's own with WAL archiving into a pgBackRest
/// repository (started by scripts/pg.sh, as `make run` starts its own), the demo tenant imported
/// and its blobs stored, then the real `hoso` binary: backup, list, the restore drill, a
/// point-in-time restore to the instant before a row was deleted, and the refusals.
@Suite(.serialized) struct BackupTests {
    struct Cluster {
        let service: OwnService
        let environment: [String: String]
        let owner: String
        let port: Int

        var state: String { service.stateDirectory }
        var binaries: String { environment["HOSO_PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin" }
    }

    static func hoso(_ cluster: Cluster, _ arguments: [String], _ more: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try Tool.run(try TestEnvironment.repoDirectory + "/.build/debug/hoso", arguments, environment: cluster.environment.merging(more) { $1 })
    }

    @discardableResult
    static func expectSuccess(_ cluster: Cluster, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let run = try hoso(cluster, arguments)
        #expect(run.status == 0, "hoso \(arguments.joined(separator: " ")): \(run.output)", sourceLocation: sourceLocation)
        return run.output
    }

    static func psql(_ cluster: Cluster, _ sql: String, port: Int? = nil) throws -> String {
        let url = port.map { cluster.owner.replacingOccurrences(of: ":\(cluster.port)/", with: ":\($0)/") } ?? cluster.owner
        let run = try Tool.run("psql", ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        #expect(run.status == 0, "psql \(sql): \(run.output)")
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The own cluster with archiving on, the demo tenant with a year of items, and two stored blobs.
    static func start() async throws -> Cluster {
        let port = (Int(try TestEnvironment.value("HOSO_TEST_PG_PORT")) ?? 55433) + 60
        let service = try OwnService.make(.postgres, port: port, environment: ["HOSO_PG_ARCHIVE": "1"])
        try service.start()
        let state = service.stateDirectory
        let password = try service.secret("HOSO_PG_OWNER_PASSWORD")
        let owner = "postgres://hoso_owner:\(password)@127.0.0.1:\(port)/hoso"
        let repo = try TestEnvironment.repoDirectory
        let environment = [
            "HOSO_DATABASE_URL": "postgres://hoso_app:\(try service.secret("HOSO_PG_APP_PASSWORD"))@127.0.0.1:\(port)/hoso",
            "HOSO_MIGRATION_DATABASE_URL": owner, "HOSO_PGBACKREST_CONFIG": state + "/pgbackrest/pgbackrest.conf",
            "HOSO_PGBACKREST_USER": "postgres", "HOSO_BACKUP_DIR": state + "/backup/hoso", "HOSO_BLOB_DIR": state + "/blobs",
            "HOSO_ANCHOR_DIR": state + "/anchors", "HOSO_ANCHOR_KEY": AuditAnchorTests.randomKey(),
            "HOSO_TENANTS_DIR": repo + "/tenants", "HOSO_WEB_DIR": repo + "/web", "HOSO_LOG_LEVEL": "error",
        ]
        let cluster = Cluster(service: service, environment: environment, owner: owner, port: port)
        try expectSuccess(cluster, ["migrate"])
        try expectSuccess(cluster, ["tenant", "import", repo + "/tenants/demo"])
        try expectSuccess(cluster, ["rules", "import", "--tenant", "demo", "--year", RecordTests.year])
        let people = try FileManager.default.contentsOfDirectory(atPath: repo + "/tenants/demo/people").filter { $0.hasSuffix(".csv") }
            .map { repo + "/tenants/demo/people/" + $0 }
        try expectSuccess(cluster, ["people", "import", "--tenant", "demo", "--year", RecordTests.year] + people)
        try expectSuccess(cluster, ["obligations", "generate", "--tenant", "demo", "--year", RecordTests.year])
        // Two blobs as an upload stores them: the object first, then the row that names it.
        let blobs = try BlobStore(root: state + "/blobs")
        for text in ["Giáo án tuần 1", "Sổ điểm lớp 6A"] {
            let writer = try blobs.writer(limit: 1 << 20)
            try writer.write(Array(("%PDF-1.4\n" + text).utf8))
            let staged = try writer.finish()
            try staged.commit()
            _ = try psql(cluster, "INSERT INTO blobs (tenant_id, sha256, size, media_type) SELECT id, '\(staged.sha256)', \(staged.size), 'application/pdf' FROM tenants WHERE code = 'demo'")
        }
        return cluster
    }

    static func manifests(_ cluster: Cluster) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cluster.state + "/backup/hoso/manifests")) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test func backupRestoreDrillPointInTimeAndRefusals() async throws {
        let cluster = try await Self.start()
        defer { cluster.service.remove() }

        // Refused before anything is written: a repository that cannot be written.
        let blocked = try Self.hoso(cluster, ["backup"], ["HOSO_BACKUP_DIR": "/proc/hoso-backup"])
        #expect(blocked.status == 1)
        #expect(blocked.output.contains("[backup.repository_unwritable]"), "\(blocked.output)")
        #expect(Self.manifests(cluster).isEmpty)
        // pgBackRest's repository unwritable for the cluster's owner: its own words, exit 1, nothing recorded.
        let backrestBackups = cluster.state + "/backup/pgbackrest/backup/hoso"
        #expect(chmod(backrestBackups, 0o000) == 0)
        let refused = try Self.hoso(cluster, ["backup"])
        chmod(backrestBackups, 0o750)
        #expect(refused.status == 1 && refused.output.contains("[backup.failed]"), "\(refused.output)")
        #expect(Self.manifests(cluster).isEmpty)
        // A restore with nothing backed up yet.
        let nothing = try Self.hoso(cluster, ["restore", "--to", "latest", "--target", cluster.state + "/nothing"])
        #expect(nothing.status == 1 && nothing.output.contains("[restore.no_backup]"), "\(nothing.output)")

        // The first backup: full, with a consistency point, the blobs and the checkpoints.
        let made = try Self.expectSuccess(cluster, ["backup"])
        #expect(made.contains("(full) done"), "\(made)")
        #expect(made.contains("2 blob objects (2 new)"), "\(made)")
        #expect(made.contains("1 audit checkpoints"), "\(made)")
        #expect(Self.manifests(cluster).count == 1)
        let list = try Self.expectSuccess(cluster, ["backup", "list"])
        #expect(list.contains(" full ") && list.contains("2 (") && !list.contains("incomplete"), "\(list)")

        // The drill restores it on another port and checks everything.
        let drill = try Self.expectSuccess(cluster, ["backup", "verify", "--port", String(cluster.port + 1), "--scratch", cluster.state])
        for check in ["repository", "restore", "recovery", "migrations", "rows", "audit", "blobs", "kept counts"] {
            #expect(drill.contains("ok   \(check)"), "\(check): \(drill)")
        }
        #expect(drill.contains("2 blobs named, each present and hashing to its name"), "\(drill)")
        #expect(drill.contains("restores and checks out"), "\(drill)")

        // A differential backup names no new object (content-addressed copies are incremental).
        let diff = try Self.expectSuccess(cluster, ["backup", "--type", "diff"])
        #expect(diff.contains("(diff) done") && diff.contains("2 blob objects (0 new)"), "\(diff)")

        // A blob copy gone from the repository: the drill names it.
        let named = try Self.psql(cluster, "SELECT min(sha256) FROM blobs")
        let copy = cluster.state + "/backup/hoso/blobs/objects/\(named.prefix(2))/\(named)"
        let content = try Data(contentsOf: URL(fileURLWithPath: copy))
        try FileManager.default.removeItem(atPath: copy)
        let lost = try Self.hoso(cluster, ["backup", "verify", "--port", String(cluster.port + 1), "--scratch", cluster.state])
        #expect(lost.status == 1)
        #expect(lost.output.contains("FAIL blobs") && lost.output.contains("\(named): missing"), "\(lost.output)")
        try content.write(to: URL(fileURLWithPath: copy))

        // A row deleted after an instant; the restore to that instant still has it.
        let victim = try Self.psql(cluster, """
            SELECT min(o.id) FROM obligations o WHERE o.status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM record_versions v WHERE v.obligation_id = o.id)
            """)
        #expect(!victim.isEmpty)
        try await Task.sleep(for: .milliseconds(1100))
        let instant = try Self.psql(cluster, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
        try await Task.sleep(for: .milliseconds(1100))
        _ = try Self.psql(cluster, "DELETE FROM obligations WHERE id = \(victim)")
        #expect(try Self.psql(cluster, "SELECT count(*) FROM obligations WHERE id = \(victim)") == "0")
        // The WAL of the deletion reaches the archive (at most archive_timeout later; here at once).
        let segment = try Self.psql(cluster, "SELECT pg_walfile_name(pg_switch_wal())")
        for _ in 0..<120 where try Self.psql(cluster, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") < segment {
            try await Task.sleep(for: .milliseconds(250))
        }

        let target = cluster.state + "/restored"
        let restored = try Self.expectSuccess(cluster, ["restore", "--to", instant, "--target", target])
        #expect(restored.contains("Nothing is running"), "\(restored)")
        #expect(FileManager.default.fileExists(atPath: target + "/blobs/objects"))
        let port = cluster.port + 2
        try FileManager.default.createDirectory(atPath: target + "/sock", withIntermediateDirectories: true)
        _ = try Tool.run("chown", ["postgres:", target, target + "/sock"])
        // posix_spawn and waitpid (Subprocess): Foundation's Process misses the exit of pg_ctl, whose daemon lives on.
        let started = try await Subprocess([cluster.binaries + "/pg_ctl", "-D", target + "/pgdata", "-l", target + "/log", "-w",
                                            "-o", "-k \(target)/sock -p \(port) -h 127.0.0.1 -c archive_mode=off -c max_connections=400", "start"],
                                           user: "postgres").run()
        #expect(started.status == 0, "\(started.message) \((try? String(contentsOfFile: target + "/log", encoding: .utf8)) ?? "")")
        let stop = Subprocess([cluster.binaries + "/pg_ctl", "-D", target + "/pgdata", "-m", "immediate", "stop"], user: "postgres")
        var recovering = "t"
        for _ in 0..<240 where recovering != "f" {
            recovering = (try? Tool.run("psql", ["-X", "-A", "-t", "-h", target + "/sock", "-p", String(port), "-U", "postgres", "-d", "hoso",
                                                 "-c", "SELECT pg_is_in_recovery()"]).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "t"
            if recovering != "f" { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(recovering == "f")
        #expect(try Self.psql(cluster, "SELECT count(*) FROM obligations WHERE id = \(victim)", port: port) == "1", "the row is back as it was at \(instant)")
        _ = try await stop.run()

        // Refusals of a restore: a folder that is not empty, a time before the first backup.
        let full = try Self.hoso(cluster, ["restore", "--to", "latest", "--target", target])
        #expect(full.status == 1 && full.output.contains("[restore.target_not_empty]"), "\(full.output)")
        let early = try Self.hoso(cluster, ["restore", "--to", "2020-01-01 00:00", "--target", cluster.state + "/early"])
        #expect(early.status == 1 && early.output.contains("[restore.before_first_backup]") && early.output.contains("+07:00"), "\(early.output)")
        #expect(!FileManager.default.fileExists(atPath: cluster.state + "/early/pgdata"), "nothing was written")
        let bad = try Self.hoso(cluster, ["restore", "--to", "hôm qua", "--target", cluster.state + "/bad"])
        #expect(bad.status == 1 && bad.output.contains("[restore.bad_target]"), "\(bad.output)")

        // A damaged backup file: the drill names it.
        let repository = cluster.state + "/backup/pgbackrest/backup/hoso"
        let files = (FileManager.default.enumerator(atPath: repository)?.allObjects as? [String] ?? [])
            .filter { $0.contains("/pg_data/base/") && $0.hasSuffix(".lz4") }.sorted()
        let damaged = try #require(files.first { ((try? FileManager.default.attributesOfItem(atPath: repository + "/" + $0)[.size] as? Int) ?? 0) > 256 })
        let handle = try #require(FileHandle(forUpdatingAtPath: repository + "/" + damaged))
        try handle.seek(toOffset: 100)
        handle.write(Data("damaged".utf8))
        try handle.close()
        let caught = try Self.hoso(cluster, ["backup", "verify", "--port", String(cluster.port + 1), "--scratch", cluster.state])
        #expect(caught.status == 1)
        #expect(caught.output.contains("FAIL repository") && caught.output.contains(String(damaged.split(separator: "/").last ?? "")), "\(caught.output)")

        // The database down during a backup: an error, and nothing recorded.
        let before = Self.manifests(cluster)
        try cluster.service.stop()
        let down = try Self.hoso(cluster, ["backup"])
        #expect(down.status == 1 && down.output.contains("[backup.database_unavailable]"), "\(down.output)")
        #expect(Self.manifests(cluster) == before)
    }
}
