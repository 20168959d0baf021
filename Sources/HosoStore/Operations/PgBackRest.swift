import Foundation
import HosoCore

/// pgBackRest, as the project's scripts configure it (scripts/pg.sh writes the configuration file:
/// the cluster, the repository, WAL archiving). The repository may be a local folder or an
/// S3-compatible store: that is the configuration file's business, the calls here are the same.
public struct PgBackRest: Sendable {
    public let configuration: String
    public let stanza: String
    /// The cluster owner's account, when Hoso runs as root (`HOSO_PGBACKREST_USER`).
    public let user: String?

    public init(configuration: String, stanza: String, user: String?) {
        self.configuration = configuration
        self.stanza = stanza
        self.user = user
    }

    /// One backup as `pgbackrest info --output=json` describes it.
    public struct Backup: Sendable, Equatable {
        public let label: String
        public let type: String
        public let startedAt: Int64
        public let stoppedAt: Int64
        public let stopLSN: String
        public let databaseBytes: Int64
        public let repositoryBytes: Int64
        public let prior: String?
    }

    /// Runs a pgBackRest command; a failure becomes `code` with pgBackRest's own last words.
    @discardableResult
    public func run(_ command: String, _ options: [String] = [], console: String = "warn", failing code: String) async throws -> Subprocess.Output {
        let output = try await Subprocess(
            ["pgbackrest", "--config=\(configuration)", "--stanza=\(stanza)", "--log-level-console=\(console)", "--log-level-stderr=error"]
                + options + [command],
            user: user
        ).run()
        guard output.status == 0 else {
            throw HosoError(code, ["detail": Self.oneLine(output.message)])
        }
        return output
    }

    /// The repository's backups, oldest first (only those pgBackRest finished without error).
    public func backups() async throws -> [Backup] {
        let output = try await run("info", ["--output=json"], failing: "backup.repository_unavailable")
        return try Self.parseInfo(output.standardOutput, stanza: stanza)
    }

    /// The part of `pgbackrest info --output=json` Hoso reads.
    struct Info: Decodable {
        struct Entry: Decodable {
            let label: String
            let type: String
            let error: Bool?
            let prior: String?
            let timestamp: Times
            let lsn: Positions?
            let info: Sizes?
        }
        struct Times: Decodable { let start: Int64, stop: Int64 }
        struct Positions: Decodable { let stop: String? }
        struct Sizes: Decodable {
            struct Repository: Decodable { let size: Int64? }
            let size: Int64?
            let repository: Repository?
        }
        let name: String
        let backup: [Entry]?
    }

    static func parseInfo(_ json: String, stanza: String) throws -> [Backup] {
        guard let stanzas = try? JSONDecoder().decode([Info].self, from: Data(json.utf8)) else {
            throw HosoError("backup.repository_unavailable", ["detail": "pgbackrest info: not the JSON expected"])
        }
        return (stanzas.first { $0.name == stanza }?.backup ?? []).filter { $0.error != true }.map { entry in
            Backup(label: entry.label, type: entry.type, startedAt: entry.timestamp.start, stoppedAt: entry.timestamp.stop,
                   stopLSN: entry.lsn?.stop ?? "", databaseBytes: entry.info?.size ?? 0,
                   repositoryBytes: entry.info?.repository?.size ?? 0, prior: entry.prior)
        }.sorted { $0.stoppedAt < $1.stoppedAt }
    }

    /// What `pgbackrest verify` found wrong, one line per damaged file or backup (empty: all sound).
    public func damaged() async throws -> [String] {
        let output = try await run("verify", [], console: "info", failing: "backup.repository_unavailable")
        return Self.parseVerify(output.standardOutput)
    }

    static func parseVerify(_ text: String) -> [String] {
        var problems: [String] = []
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let range = trimmed.range(of: "INFO: ") {
                let message = String(trimmed[range.upperBound...])
                if message.hasPrefix("invalid ") || message.hasPrefix("missing ") || message.contains("is missing") {
                    problems.append(message)
                }
            } else if trimmed.hasPrefix("backup: "), trimmed.contains("status: invalid") || trimmed.contains("status: missing") {
                problems.append(trimmed)
            } else if trimmed.hasPrefix("archiveId: "), trimmed.contains("invalid") {
                problems.append(trimmed)
            }
        }
        return problems
    }

    static func oneLine(_ text: String) -> String {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " | ")
    }
}
