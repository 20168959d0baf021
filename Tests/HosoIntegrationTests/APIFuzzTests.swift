import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Schemathesis (pinned in scripts/python-requirements.txt) generates requests from
/// `web/openapi.yaml` and sends them to a live server, signed in as a principal: no answer may be
/// a 5xx, and every answer must be one the document describes (status, content type, headers,
/// body schema). `make test` runs a few examples per operation; `make fuzz` many more
/// (`HOSO_FUZZ_EXAMPLES`), every operation included.
@Suite struct APIFuzzTests {
    static let checks = "not_a_server_error,status_code_conformance,content_type_conformance,"
        + "response_headers_conformance,response_schema_conformance"

    /// Left out of every run: signing out would end the session the rest of the run uses.
    static let neverFuzzed = ["deleteSession"]

    /// Left out of the short run only: operations whose known finding waits for a fix in a file
    /// this change does not own (see the closing note of issue 13). `make fuzz` includes them.
    static let knownFindings: [String] = []

    @Test func everyAnswerIsOneTheDocumentDescribes() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["HOSO_TEST_PYTHON"],
                                  "HOSO_TEST_PYTHON names the python with Schemathesis (make test sets it)")
        let examples = ProcessInfo.processInfo.environment["HOSO_FUZZ_EXAMPLES"].flatMap { Int($0) }
        let long = examples != nil
        let repo = try TestEnvironment.repoDirectory
        let world = try await TestWorld.make(importing: ["demo", "demo2"], records: ["2026-2027"])
        try await world.withApp(.live) { client in
            // setup
            let port = try #require(client.port)
            var principal = Browser()
            let csrf = try await principal.signIn(client, "s1.principal")
            let cookie = principal.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let config = try await Self.realisticParameters(world, client, principal: principal, csrf: csrf)
            let reports = repo + "/test-output/schemathesis"
            var arguments = [
                "-m", "schemathesis.cli", "--config-file", config,
                "run", repo + "/web/openapi.yaml", "--url", "http://localhost:\(port)",
                "-H", "Cookie: \(cookie)", "-H", "X-CSRF-Token: \(csrf)",
                "--checks", Self.checks, "--max-examples", String(examples ?? 10), "--seed", "13",
                "--phases", long ? "examples,coverage,fuzzing" : "examples,fuzzing",
                "--workers", "1", "--request-timeout", "30", "--no-shrink",
                "--report", "junit", "--report-dir", reports,
            ]
            for operation in Self.neverFuzzed + (long ? [] : Self.knownFindings) {
                arguments += ["--exclude-operation-id", operation]
            }

            // act
            let (status, output) = try await Self.run(python, arguments)

            // verify
            #expect(status == 0, "Schemathesis found answers the document does not describe:\n\(output.suffix(12_000))")
        }
    }

    /// A Schemathesis configuration that sends real identifiers (a unit, a record, a version, an
    /// inspection of the principal's school) so that requests reach the handlers' logic rather than
    /// stop at 404; the request bodies and the other parameters are still generated.
    static func realisticParameters(_ world: TestWorld, _ client: any TestClientProtocol, principal: Browser,
                                    csrf: String) async throws -> String {
        let token: HTTPFields = [HTTPField.Name("X-CSRF-Token")!: csrf]
        func obligation(_ period: Int) async throws -> Int64 {
            let value = try await TestEnvironment.ownerValue("""
                SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
                WHERE u.login = 's1.teacher' AND o.record_type = 'lesson_plan' AND o.period_number = \(period)
                """, database: world.database.name)
            return try #require(value.flatMap { Int64($0) })
        }
        let record = try await obligation(10)
        // A version to download: the teacher submits another week's plan.
        var teacher = Browser()
        let teacherCSRF = try await teacher.signIn(client, "s1.teacher")
        let pdf = "%PDF-1.4\n% giáo án\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
        var headers: HTTPFields = [.contentType: "application/pdf", HTTPField.Name("X-CSRF-Token")!: teacherCSRF]
        headers[.cookie] = teacher.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        let uploaded = try await client.execute(uri: "/api/v1/obligations/\(try await obligation(11))/versions?filename=tuan-11.pdf",
                                                method: .post, headers: headers, body: ByteBuffer(string: pdf))
        let version = try #require(try uploaded.json()["id"] as? Int, "\(uploaded.status) \(uploaded.text)")
        // A self-inspection the principal leads (its members must have signed in once).
        var vice = Browser()
        _ = try await vice.signIn(client, "s1.vice")
        var planner = principal
        let planned = try await planner.send(client, .post, "/api/v1/units/S01/inspections", json: """
            {"kind": "self", "title": "Tự kiểm tra", "place": "Hồng Bàng", "from": "2026-09-01", "to": "2026-09-30",
             "inspectors": ["s1.principal", "s1.vice"], "leader": "s1.principal"}
            """, headers: token)
        let inspection = try #require(try planned.json()["id"] as? Int, "\(planned.status) \(planned.text)")
        let file = try TestEnvironment.temporaryDirectory("fuzz-config") + "/schemathesis.toml"
        try """
            [parameters]
            "path.code" = "S01"

            [[operations]]
            include-path-regex = "^/api/v1/obligations/"
            parameters = { "path.id" = \(record) }

            [[operations]]
            include-path-regex = "^/api/v1/versions/"
            parameters = { "path.id" = \(version) }

            [[operations]]
            include-path-regex = "^/api/v1/inspections/"
            parameters = { "path.id" = \(inspection) }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs without holding a thread of the cooperative pool: the live server's handlers need them.
    static func run(_ python: String, _ arguments: [String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["SCHEMATHESIS_HOOKS"] = nil
        process.environment = environment
        let folder = try TestEnvironment.temporaryDirectory("fuzz")
        // Schemathesis keeps a cache in its working folder: a throwaway one, not the checkout.
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = folder + "/schemathesis.txt"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try handle.close()
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }
}
