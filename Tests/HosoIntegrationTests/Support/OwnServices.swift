import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL cluster or slapd of a test's own, started and stopped through the project's
/// scripts (`scripts/pg.sh`, `scripts/ldap.sh`), for tests that take a dependency down.
struct OwnService {
    enum Kind: String {
        case postgres = "pg.sh"
        case directory = "ldap.sh"
    }

    let kind: Kind
    let stateDirectory: String
    let port: Int
    /// More for the script (`HOSO_PG_ARCHIVE=1`: WAL archiving into a pgBackRest repository).
    var environment: [String: String] = [:]

    static func make(_ kind: Kind, port: Int, environment: [String: String] = [:]) throws -> OwnService {
        let directory = "/tmp/hoso-test-own-\(kind == .postgres ? "pg" : "ldap")-\(port)"
        let service = OwnService(kind: kind, stateDirectory: directory, port: port, environment: environment)
        service.remove() // what an interrupted earlier run may have left
        return service
    }

    func start() throws { try run("start") }
    func stop() throws { try run("stop") }

    /// Stops the service and removes its data.
    func remove() {
        try? run("stop")
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    /// The passwords the scripts generated (`secrets.env`).
    func secret(_ name: String) throws -> String {
        let text = try String(contentsOfFile: stateDirectory + "/secrets.env", encoding: .utf8)
        for line in text.split(separator: "\n") {
            let trimmed = line.replacingOccurrences(of: "export ", with: "")
            let parts = trimmed.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name {
                return parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            }
        }
        throw TestEnvironment.Missing(name: "\(name) in \(stateDirectory)/secrets.env")
    }

    /// Runs the script with posix_spawn and waitpid. (Foundation's `Process` was seen to miss the
    /// exit of a script whose daemon lives on, and to hang.) Output goes to a file, not a pipe: the
    /// daemons inherit the descriptor and would hold a pipe open.
    private func run(_ action: String) throws {
        let script = try TestEnvironment.repoDirectory + "/scripts/" + kind.rawValue
        let log = "/tmp/hoso-own-\(port)-\(action).log"
        var environment = ProcessInfo.processInfo.environment.merging(self.environment) { $1 }
        environment["HOSO_PG_FAST"] = "1"
        let arguments = [script, action, stateDirectory, String(port)]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The daemons must not inherit this process's blocked or ignored signals (slapd would
        // then never see the SIGTERM that stops it).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid = pid_t()
        let spawned = posix_spawn(&pid, script, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw Failed(command: "\(kind.rawValue) \(action)", output: "posix_spawn: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = status & 0x7f == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw Failed(command: "\(kind.rawValue) \(action)", output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
    }

    struct Failed: Error, CustomStringConvertible {
        let command: String
        let output: String
        var description: String { "\(command) failed: \(output)" }
    }
}
