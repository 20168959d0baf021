import Foundation
import HosoStore
#if canImport(Glibc)
import Glibc
#endif

/// `hoso serve` as a process of its own (the binary `swift build` made next to the tests), for
/// what only a real process shows: being killed with SIGKILL and started again.
final class ServerProcess {
    let port: Int
    let environment: [String: String]
    let log: String
    private(set) var pid: pid_t = 0

    /// `settings`: more `HOSO_*` variables for this server (e.g. short connection timeouts).
    init(world: TestWorld, settings: [String: String] = [:]) throws {
        port = try Self.freePort()
        let url = try world.database.appURL
        let password = (url.password ?? "").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        var environment = ProcessInfo.processInfo.environment
        environment["HOSO_DATABASE_URL"] = "postgres://\(url.username):\(password)@\(url.host):\(url.port)/\(url.database)"
        environment["HOSO_MIGRATION_DATABASE_URL"] = nil
        environment["HOSO_DIRECTORY_URL"] = try TestEnvironment.ldapURL
        environment["HOSO_HTTP_HOST"] = "127.0.0.1"
        environment["HOSO_HTTP_PORT"] = String(port)
        environment["HOSO_BLOB_DIR"] = world.configuration.blobDirectory
        environment["HOSO_WEB_DIR"] = world.configuration.webDirectory
        environment["HOSO_TENANTS_DIR"] = world.configuration.tenantsDirectory
        environment["HOSO_LOG_LEVEL"] = "warning"
        environment.merge(settings) { _, new in new }
        self.environment = environment
        log = try TestEnvironment.temporaryDirectory("server") + "/hoso.log"
    }

    static var binary: String {
        get throws {
            let path = try TestEnvironment.repoDirectory + "/.build/debug/hoso"
            guard access(path, X_OK) == 0 else { throw TestEnvironment.Missing(name: "\(path) (run `swift build` first; make test does)") }
            return path
        }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length); return getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts the server and waits until `/healthz` answers.
    func start() throws {
        let binary = try Self.binary
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = [binary, "serve"].map { $0.withCString { strdup($0) } } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { "\($0.key)=\($0.value)".withCString { strdup($0) } } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        guard posix_spawn(&pid, binary, &actions, nil, argv, envp) == 0 else { throw RawHTTP.Failed() }
        for _ in 0..<150 {
            if let answer = try? RawHTTP.get(port: port, path: "/healthz", host: "127.0.0.1"), answer.status == 200 { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { break }
            usleep(100_000)
        }
        throw Exited(log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// SIGKILL: no shutdown code runs.
    func kill() {
        guard pid > 0 else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        pid = 0
    }

    deinit { kill() }

    struct Exited: Error, CustomStringConvertible {
        let log: String
        var description: String { "hoso serve did not become healthy: \(log.suffix(2000))" }
    }
}
