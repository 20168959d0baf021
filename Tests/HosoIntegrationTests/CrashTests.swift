import Foundation
import HosoCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The server killed with SIGKILL in the middle of an upload: after a restart no row names a
/// missing file, no status is half-applied, and the half-written file is gone.
@Suite struct CrashTests {
    func signIn(_ server: ServerProcess, _ login: String) throws -> (cookie: String, csrf: String) {
        let answer = try RawHTTP.request(port: server.port, "POST", "/api/v1/session", headers: [("Content-Type", "application/json")],
                                         body: Array(#"{"tenant":"demo","username":"\#(login)","password":"Demo@2026!"}"#.utf8))
        #expect(answer.status == 201, "\(answer.body)")
        let cookie = try #require(answer.headers.first { $0.0 == "set-cookie" }?.1.split(separator: ";").first.map(String.init))
        let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        return (cookie, try #require(json?["csrfToken"] as? String))
    }

    func files(_ directory: String) -> [String] {
        ((FileManager.default.enumerator(atPath: directory)?.allObjects as? [String]) ?? [])
            .filter { !FileManager.default.fileExists(atPath: directory + "/" + $0 + "/.") }
    }

    @Test func killedMidUploadLeavesNoTrace() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [RecordTests.year])
        let id = try await RecordTests().obligation(world, owner: "s1.teacher")
        let before = try await TestEnvironment.ownerRows("SELECT state, status, revision::text FROM obligations WHERE id = \(id)",
                                                         database: world.database.name)
        let server = try ServerProcess(world: world)
        try server.start()
        let session = try signIn(server, "s1.teacher")

        // Half of an 8 MB PDF, then silence: the server is writing it to tmp/.
        let socket = try await RawHTTP.dial(port: server.port)
        defer { close(socket) }
        let total = 8 * 1024 * 1024
        let head = "POST /api/v1/obligations/\(id)/versions?filename=giao-an.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Cookie: \(session.cookie)\r\nX-CSRF-Token: \(session.csrf)\r\nContent-Type: application/pdf\r\nContent-Length: \(total)\r\n\r\n"
        try await RawHTTP.sendAll(socket, Array(head.utf8) + Array("%PDF-1.4\n".utf8) + [UInt8](repeating: 0x20, count: total / 2))
        let tmp = world.configuration.blobDirectory + "/tmp"
        var written = 0
        for _ in 0..<100 where written < total / 4 {
            written = files(tmp).compactMap { try? FileManager.default.attributesOfItem(atPath: tmp + "/" + $0)[.size] as? Int }.max() ?? 0
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(written >= total / 4, "the upload was being written when the server died")
        server.kill()

        try server.start()
        #expect(files(tmp).isEmpty, "the half-written upload is removed at start")
        #expect(files(world.configuration.blobDirectory + "/objects").isEmpty)
        #expect(try await TestEnvironment.ownerValue("SELECT count(*)::text FROM record_versions", database: world.database.name) == "0")
        let after = try await TestEnvironment.ownerRows("SELECT state, status, revision::text FROM obligations WHERE id = \(id)",
                                                        database: world.database.name)
        #expect(after == before, "no status was half-applied")

        // And the same upload, whole, goes through after the restart.
        let again = try signIn(server, "s1.teacher")
        let content = Array("%PDF-1.4\n".utf8) + [UInt8](repeating: 0x20, count: 4096)
        let uploaded = try await RawHTTP.request(port: server.port, "POST", "/api/v1/obligations/\(id)/versions?filename=giao-an.pdf",
                                           headers: [("Cookie", again.cookie), ("X-CSRF-Token", again.csrf), ("Content-Type", "application/pdf")],
                                           body: content)
        #expect(uploaded.status == 201, "\(uploaded.body)")
        let named = try await TestEnvironment.ownerRows("SELECT sha256 FROM record_versions", database: world.database.name)
        #expect(named.count == 1)
        for row in named {
            let sha = try #require(row[0])
            #expect(FileManager.default.fileExists(atPath: "\(world.configuration.blobDirectory)/objects/\(sha.prefix(2))/\(sha)"))
        }
        server.kill()
    }
}
