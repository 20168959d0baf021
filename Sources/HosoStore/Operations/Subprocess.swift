import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs an outside tool (pgBackRest, pg_ctl) to its end. posix_spawn and waitpid, on a thread of
/// its own so that no thread of Swift's cooperative pool waits; output goes to files, not pipes, so
/// a daemon the tool leaves running (pg_ctl start) cannot hold the reader open.
public struct Subprocess: Sendable {
    public let arguments: [String]
    /// Run as this operating-system user (through `runuser`) when Hoso runs as root: PostgreSQL's
    /// files belong to the cluster's owner, and pgBackRest must write its repository as that user.
    public let user: String?
    public let environment: [String: String]

    public init(_ arguments: [String], user: String? = nil, environment: [String: String] = [:]) {
        self.arguments = arguments
        self.user = user
        self.environment = environment
    }

    /// What of Hoso's environment a tool gets: the locale, the path and pgBackRest's own settings
    /// (an S3 store's keys), never Hoso's secrets (the anchor key, database passwords), which a
    /// process of the cluster's owner would otherwise carry where that account can read them.
    static func passedOn(_ environment: [String: String]) -> [String: String] {
        environment.filter { key, _ in
            ["PATH", "LANG", "TZ", "TMPDIR"].contains(key) || key.hasPrefix("LC_") || key.hasPrefix("PGBACKREST_")
        }
    }

    public struct Output: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String

        /// The last lines of the tool's own words, for an error message.
        public var message: String {
            let text = standardError.isEmpty ? standardOutput : standardError
            return text.split(separator: "\n").suffix(6).joined(separator: "\n")
        }
    }

    public func run() async throws -> Output {
        let spawned = self
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try spawned.runBlocking() })
            }
            thread.start()
        }
    }

    /// The same, waiting on the calling thread (a signal handler's clean-up, never a task).
    public func runBlocking() throws -> Output {
        var argv = arguments
        if let user, geteuid() == 0, user != "root" {
            argv = ["/usr/sbin/runuser", "-u", user, "--"] + argv
        }
        // The tool runs from `/`: the cluster's owner may not be able to enter our working folder.
        argv = ["/bin/sh", "-c", "cd / && exec \"$@\"", "sh"] + argv
        let scratch = FileManager.default.temporaryDirectory.path + "/hoso-sub-\(UUID().uuidString.lowercased())"
        defer {
            unlink(scratch + ".out")
            unlink(scratch + ".err")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, scratch + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, scratch + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let variables = Self.passedOn(ProcessInfo.processInfo.environment).merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = variables.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else {
            throw HosoError("backup.tool_missing", ["tool": argv[0]])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: code,
                      standardOutput: (try? String(contentsOfFile: scratch + ".out", encoding: .utf8)) ?? "",
                      standardError: (try? String(contentsOfFile: scratch + ".err", encoding: .utf8)) ?? "")
    }
}
