import Foundation
import HosoCore
import HosoDirectory
import HosoServer
import HosoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging

/// A database of its own with the demo tenants imported from `tenants/`, and the configuration of
/// a server that uses it and the test slapd: what `make run` sets up, in miniature.
struct TestWorld {
    let database: TestDatabase
    var configuration: AppConfiguration

    /// `records`: also import the tenants' rule-sets, calendars and people, and generate the
    /// obligations of `years`, the way `make run` does.
    static func make(importing tenants: [String] = ["demo", "demo2"], records years: [String] = [],
                     configure: (inout AppConfiguration) throws -> Void = { _ in }) async throws -> TestWorld {
        let database = try await TestDatabase.make()
        let repo = try TestEnvironment.repoDirectory
        let definitions = try tenants.map { try TenantFile.load(directory: "\(repo)/tenants/\($0)") }
        try await withDatabase(try database.appURL) { pool in
            let store = TenantStore(database: pool, logger: TestEnvironment.logger)
            for definition in definitions { _ = try await store.importTenant(definition) }
            guard !years.isEmpty else { return }
            let setup = RecordsSetup(database: pool, logger: TestEnvironment.logger, tenantsDirectory: "\(repo)/tenants")
            for tenant in tenants {
                _ = try await setup.importRules(tenant: tenant)
                for year in years where FileManager.default.fileExists(atPath: "\(repo)/tenants/\(tenant)/calendars/\(year).yaml") {
                    for (school, path) in setup.peopleFiles(tenant: tenant) {
                        let csv = try String(contentsOfFile: path, encoding: .utf8)
                        _ = try await setup.importPeople(tenant: tenant, school: school, schoolYear: year, csv: csv)
                    }
                    _ = try await setup.generate(tenant: tenant, schoolYear: year)
                }
            }
        }
        var configuration = AppConfiguration(
            host: "127.0.0.1", port: 0, database: try database.appURL, webDirectory: "\(repo)/web",
            directoryURLOverride: try TestEnvironment.ldapURL, databaseTimeoutSeconds: 30, healthCacheSeconds: 0, logLevel: "warning",
            blobDirectory: try TestEnvironment.temporaryDirectory("blobs"), tenantsDirectory: "\(repo)/tenants",
            environment: ["HOSO_DEMO_DIRECTORY_PASSWORD": try TestEnvironment.directoryPassword]
        )
        // Many worlds run at once (Swift Testing runs tests in parallel), each with its own server's
        // pool: a small one each keeps them all within the test cluster's connections.
        configuration.databaseMaxConnections = 6
        try configure(&configuration)
        return TestWorld(database: database, configuration: configuration)
    }

    /// The server of this world, tested through its router (or live, where sockets matter).
    /// `clock`: the instant every time rule of the server sees (a fixed one to test a rule at a chosen instant).
    func withApp<T: Sendable>(_ mode: TestingSetup = .router, clock: any WallClock = SystemClock(),
                              _ body: @Sendable @escaping (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = try await buildApplication(configuration: configuration, clock: clock, logger: TestEnvironment.logger)
        return try await app.test(mode) { client in try await body(client) }
    }
}

/// Keeps cookies between requests like a browser does, and speaks JSON and forms.
struct Browser {
    var cookies: [String: String] = [:]
    /// The session's CSRF token, for tests that keep it with the browser.
    var csrf = ""
    var headers: HTTPFields = [:]

    @discardableResult
    mutating func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String,
        json: String? = nil, form: [(String, String)]? = nil, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = self.headers
        for field in extra { headers.append(field) }
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        } else if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            body = ByteBuffer(string: form.map {
                "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
            }.joined(separator: "&"))
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        for setCookie in response.headers[values: .setCookie] {
            let pair = setCookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || setCookie.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    /// Signs in through the API; returns the CSRF token.
    @discardableResult
    mutating func signIn(_ client: any TestClientProtocol, tenant: String = "demo", _ login: String, password: String = "Demo@2026!") async throws -> String {
        let response = try await send(client, .post, "/api/v1/session",
                                      json: #"{"tenant":"\#(tenant)","username":"\#(login)","password":"\#(password)"}"#)
        guard response.status == .created, let csrf = try response.json()["csrfToken"] as? String else {
            throw SignInFailed(status: response.status.code, body: String(buffer: response.body))
        }
        return csrf
    }

    struct SignInFailed: Error, CustomStringConvertible {
        let status: Int
        let body: String
        var description: String { "sign-in failed: \(status) \(body)" }
    }
}

extension TestResponse {
    func json() throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    var text: String { String(buffer: body) }

    /// `error.code` of a JSON error answer.
    var errorCode: String? { ((try? json())?["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { ((try? json())?["error"] as? [String: Any])?["message"] as? String }
}
