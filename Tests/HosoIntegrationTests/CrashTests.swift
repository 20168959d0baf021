import Foundation
import HosoCore
import HosoSigning
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The server killed with SIGKILL in the middle of an upload: after a restart no row names a
/// missing file, no status is half-applied, and the half-written file is gone. Then one kill in
/// each of the four operations that write a file and rows together (an upload, a signed approval,
/// an inspection's conclusion, a report), with the kill drill's invariants after each restart
/// (`make kill-drill` repeats this a hundred times at random moments).
@Suite struct CrashTests {
    func signIn(_ server: ServerProcess, _ login: String) throws -> (cookie: String, csrf: String) {
        try signIn(port: server.port, login)
    }

    func signIn(port: Int, _ login: String) throws -> (cookie: String, csrf: String) {
        let answer = try RawHTTP.request(port: port, "POST", "/api/v1/session", headers: [("Content-Type", "application/json")],
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
        let port = server.port
        let socket = try await RawHTTP.offPool { try RawHTTP.dial(port: port) }
        defer { close(socket) }
        let total = 8 * 1024 * 1024
        let head = "POST /api/v1/obligations/\(id)/versions?filename=giao-an.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Cookie: \(session.cookie)\r\nX-CSRF-Token: \(session.csrf)\r\nContent-Type: application/pdf\r\nContent-Length: \(total)\r\n\r\n"
        let half = Array(head.utf8) + Array("%PDF-1.4\n".utf8) + [UInt8](repeating: 0x20, count: total / 2)
        try await RawHTTP.offPool { try RawHTTP.sendAll(socket, half) }
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

    // MARK: - One kill per operation

    /// What must hold after any restart (the same checks as scripts/kill-drill.py): each query
    /// returns the rows that break its rule.
    static let invariants: [(name: String, sql: String)] = [
        ("an obligation past 'open' names a current version of its own", """
            SELECT o.id::text FROM obligations o LEFT JOIN record_versions v ON v.id = o.current_version_id
            WHERE o.state <> 'open' AND (v.id IS NULL OR v.obligation_id <> o.id)
            """),
        ("every version has its submit event", """
            SELECT v.id::text FROM record_versions v
            WHERE NOT EXISTS (SELECT 1 FROM workflow_events e WHERE e.version_id = v.id AND e.kind = 'submit')
            """),
        ("a signed approval has its signature row", """
            SELECT e.id::text FROM workflow_events e WHERE e.kind = 'approve' AND e.signed AND NOT EXISTS (
                SELECT 1 FROM record_signatures s WHERE s.version_id = e.version_id AND s.kind = 'approval')
            """),
        ("a manifest counts its signatures", """
            SELECT m.version_id::text FROM record_manifests m
            WHERE m.signatures <> (SELECT count(*) FROM record_signatures s WHERE s.version_id = m.version_id)
            """),
        ("a concluded inspection has its minutes, and minutes only a concluded one", """
            SELECT i.id::text FROM inspections i LEFT JOIN inspection_minutes m ON m.inspection_id = i.id
            WHERE (i.state IN ('concluded', 'closed')) <> (m.inspection_id IS NOT NULL)
            """),
        ("a finished report names its file; an unfinished one names none", """
            SELECT id::text FROM report_jobs WHERE (state = 'done') <> (sha256 IS NOT NULL AND filename IS NOT NULL)
            """),
        ("every submission and approval has its audit entry", """
            SELECT o.id::text FROM obligations o
            WHERE (SELECT count(*) FROM workflow_events e WHERE e.obligation_id = o.id AND e.kind IN ('submit', 'approve'))
               <> (SELECT count(*) FROM audit_log a WHERE a.subject = 'obligation:' || o.id AND a.action IN ('record.submit', 'record.approve'))
            """),
    ]

    /// The invariants, the store's files (each named one there with its hash, tmp/ empty), the
    /// audit chains (`hoso audit verify`) and `hoso blobs gc --dry-run --grace-hours 0` listing
    /// only files nothing names. Returns what the dry run listed.
    func checkAfterRestart(_ world: TestWorld, _ operation: String) async throws -> [String] {
        let database = world.database.name
        for invariant in Self.invariants {
            let broken = try await TestEnvironment.ownerRows(invariant.sql, database: database).compactMap { $0[0] }
            #expect(broken.isEmpty, "after a kill in \(operation): \(invariant.name) (broken by \(broken))")
        }
        let root = world.configuration.blobDirectory
        #expect(files(root + "/tmp").isEmpty, "after a kill in \(operation): tmp/ is empty after the restart")
        let named = try await TestEnvironment.ownerRows("SELECT DISTINCT sha256 FROM blobs", database: database).compactMap { $0[0] }
        for sha in named {
            let content = FileManager.default.contents(atPath: "\(root)/objects/\(sha.prefix(2))/\(sha)")
            #expect(content.map { Digests.sha256([UInt8]($0)) } == sha, "after a kill in \(operation): the file of \(sha) is there with its hash")
        }
        var environment = try TenantMergeTests.environment(world)
        environment["HOSO_BLOB_DIR"] = root
        let settings = environment, binary = try ServerProcess.binary
        let audit = try await RawHTTP.offPool { try Tool.run(binary, ["audit", "verify"], environment: settings) }
        #expect(audit.status == 0, "after a kill in \(operation): audit verify: \(audit.output)")
        let gc = try await RawHTTP.offPool { try Tool.run(binary, ["blobs", "gc", "--dry-run", "--grace-hours", "0"], environment: settings) }
        #expect(gc.status == 0, "\(gc.output)")
        let listed = gc.output.split(separator: "\n").filter { $0.hasPrefix("object ") || $0.hasPrefix("upload ") }
            .map { String($0.split(separator: " ")[1]) }
        #expect(Set(listed).isDisjoint(with: named) && !listed.contains { $0.hasPrefix("tmp/") },
                "after a kill in \(operation): gc lists only files nothing names: \(gc.output)")
        return listed
    }

    /// What the restarted server shows (read twice: the second answer comes from its cache) equals
    /// the kept counts, and those equal a recount from the rows: a kill never leaves a count change
    /// without its counter's bump, or the other way round.
    func checkFigures(_ world: TestWorld, port: Int, _ who: (cookie: String, csrf: String), _ operation: String) async throws {
        let path = "/api/v1/units/SO/compliance?year=\(RecordTests.year)"
        func total() async throws -> (vector: [Int], tag: String) {
            let response = try await RawHTTP.request(port: port, "GET", path, headers: [("Cookie", who.cookie)])
            #expect(response.status == 200, "after a kill in \(operation): \(response.body.prefix(200))")
            let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
            return (DashboardTests().figures(json?["total"]).vector, response.headers.first { $0.0.lowercased() == "etag" }?.1 ?? "")
        }
        let first = try await total(), cached = try await total()
        #expect(first.vector == cached.vector && first.tag == cached.tag && !first.tag.isEmpty, "after a kill in \(operation)")
        let query = "SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0 ORDER BY 1, 2, 3, 4, 5, 6, basis"
        let people = "SELECT * FROM owner_counts WHERE expected <> 0 OR exempt <> 0 ORDER BY 1, 2, 3, 4, 5, 6"
        let database = world.database.name
        let (kept, keptPeople) = (try await TestEnvironment.ownerRows(query, database: database),
                                  try await TestEnvironment.ownerRows(people, database: database))
        try await TestEnvironment.ownerExecute("SELECT hoso_compliance_rebuild(id) FROM tenants", database: database)
        #expect(try await TestEnvironment.ownerRows(query, database: database) == kept, "after a kill in \(operation): kept counts")
        #expect(try await TestEnvironment.ownerRows(people, database: database) == keptPeople, "after a kill in \(operation): people's counts")
        let recounted = try await total()
        #expect(recounted.vector == first.vector && recounted.tag != first.tag, "after a kill in \(operation): recounted figures")
    }

    /// Sends `request` from a thread of its own, kills the server `after` it started (whether or
    /// not it has answered by then), and starts the server again.
    func kill(_ server: ServerProcess, after delay: Duration,
              during request: @escaping @Sendable () throws -> (status: Int, headers: [(String, String)], body: String)) async throws {
        let sent = Task { try await RawHTTP.offPool(request) }
        try await Task.sleep(for: delay)
        server.kill()
        _ = try? await sent.value
        try server.start()
    }

    @Test func oneKillInEachOperationLeavesNothingHalfWritten() async throws {
        // setup: the signing world (keys of s1.vice, s1.principal and the seal of S01), a live server
        let setup = try await SignatureTests().setup()
        let world = setup.world
        let server = try ServerProcess(world: world, settings: ["HOSO_KEYS_DIR": world.configuration.keysDirectory,
                                                               "HOSO_KEYS_SECRET": SignatureTests.secret])
        try server.start()
        let port = server.port
        func session(_ login: String) async throws -> (cookie: String, csrf: String) {
            try await RawHTTP.offPool { try CrashTests().signIn(port: port, login) }
        }
        let teacher = try await session("s1.teacher"), admin = try await session("s1.admin"), vice = try await session("s1.vice")
        let officer = try await session("d1.officer"), inspector = try await session("d1.inspector")
        let reporter = try await session("so.officer")
        func headers(_ who: (cookie: String, csrf: String), _ type: String = "application/json") -> [(String, String)] {
            [("Cookie", who.cookie), ("X-CSRF-Token", who.csrf), ("Content-Type", type)]
        }
        var orphans: [String: Int] = [:]

        // act 1: an 8 MB upload killed 40 ms in
        let lessonPlan = try await RecordTests().obligation(world, owner: "s1.teacher")
        let big = Array("%PDF-1.4\n".utf8) + [UInt8](repeating: 0x20, count: 8 * 1024 * 1024)
        let upload = headers(teacher, "application/pdf")
        try await kill(server, after: .milliseconds(40)) {
            try RawHTTP.request(port: port, "POST", "/api/v1/obligations/\(lessonPlan)/versions?filename=giao-an.pdf",
                                headers: upload, body: big)
        }
        orphans["upload"] = try await checkAfterRestart(world, "an upload").count
        try await checkFigures(world, port: port, reporter, "an upload")

        // act 2: a signed approval (the vice principal's step of the student register) killed 20 ms in
        let register = setup.obligation
        let submitted = try await RawHTTP.request(port: port, "POST", "/api/v1/obligations/\(register)/versions?filename=so-dang-bo.pdf",
                                                  headers: headers(admin, "application/pdf"), body: Array(RecordTests.pdf("sổ đăng bộ").utf8))
        #expect(submitted.status == 201, "\(submitted.body)")
        let approval = headers(vice)
        try await kill(server, after: .milliseconds(20)) {
            try RawHTTP.request(port: port, "POST", "/api/v1/obligations/\(register)/approve", headers: approval,
                                body: Array(#"{"step":1,"sign":true}"#.utf8))
        }
        orphans["approval"] = try await checkAfterRestart(world, "a signed approval").count
        try await checkFigures(world, port: port, reporter, "a signed approval")

        // act 3: an inspection's conclusion (its minutes drawn and stored) killed 30 ms in
        let planned = try await RawHTTP.request(port: port, "POST", "/api/v1/units/D01/inspections", headers: headers(officer), body: Array(
            (#"{"kind": "periodic", "title": "Kiểm tra giáo án", "symbol": "PGDĐT", "place": "Hồng Bàng", "#
                + #""from": "2026-09-01", "to": "2026-09-14", "recordTypes": ["lesson_plan"], "scope": ["S01"], "inspectors": ["d1.inspector"]}"#).utf8))
        #expect(planned.status == 201, "\(planned.body)")
        let inspection = try #require((try JSONSerialization.jsonObject(with: Data(planned.body.utf8)) as? [String: Any])?["id"] as? Int)
        let base = "/api/v1/inspections/\(inspection)"
        #expect(try await RawHTTP.request(port: port, "POST", base + "/start", headers: headers(inspector), body: Array("{}".utf8)).status == 200)
        let list = try await RawHTTP.request(port: port, "GET", base + "/items", headers: headers(inspector))
        let items = (try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(!items.isEmpty, "\(list.body)")
        for item in items {
            let marked = try await RawHTTP.request(port: port, "PUT", base + "/items/\(item["id"] as? Int ?? 0)", headers: headers(inspector),
                                                   body: Array(#"{"verdict": "compliant"}"#.utf8))
            #expect(marked.status == 200, "\(marked.body)")
        }
        let conclusion = headers(inspector)
        try await kill(server, after: .milliseconds(30)) {
            try RawHTTP.request(port: port, "POST", base + "/conclude", headers: conclusion, body: Array(#"{"conclusions": "Đạt yêu cầu."}"#.utf8))
        }
        orphans["conclusion"] = try await checkAfterRestart(world, "a conclusion").count

        // act 4: a report killed 60 ms after it was asked for (generated in the background)
        let report = headers(reporter)
        try await kill(server, after: .milliseconds(60)) {
            try RawHTTP.request(port: port, "POST", "/api/v1/units/SO/reports", headers: report,
                                body: Array(#"{"format": "pdf", "period": "semester", "semester": "1", "year": "\#(RecordTests.year)"}"#.utf8))
        }
        orphans["report"] = try await checkAfterRestart(world, "a report").count

        // verify: after all four, the cleanup path removes whatever the kills orphaned, and every check still holds
        var environment = try TenantMergeTests.environment(world)
        environment["HOSO_BLOB_DIR"] = world.configuration.blobDirectory
        let settings = environment, binary = try ServerProcess.binary
        let gc = try await RawHTTP.offPool { try Tool.run(binary, ["blobs", "gc", "--grace-hours", "0"], environment: settings) }
        #expect(gc.status == 0, "\(gc.output)")
        #expect(try await checkAfterRestart(world, "the collection").isEmpty, "orphans left by the kills: \(orphans)")
        server.kill()
    }
}
