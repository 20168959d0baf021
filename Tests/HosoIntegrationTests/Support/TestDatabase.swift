import Foundation
import HosoStore
import Logging

/// Each test gets its own database, copied from a template that is migrated once per run
/// (`CREATE DATABASE … TEMPLATE …` takes a fraction of a second).
actor TemplateDatabase {
    static let shared = TemplateDatabase()
    static let name = "hoso_template"
    private var ready: Task<Void, any Error>?

    func prepare() async throws {
        if ready == nil {
            ready = Task {
                try await TestEnvironment.ownerExecute("DROP DATABASE IF EXISTS \(Self.name)")
                try await TestEnvironment.ownerExecute("CREATE DATABASE \(Self.name) OWNER hoso_owner")
                try await Migrator(migrations: try Migration.bundled(), logger: TestEnvironment.logger)
                    .migrate(try TestEnvironment.ownerURL(database: Self.name))
            }
        }
        try await ready?.value
    }
}

struct TestDatabase {
    let name: String
    var appURL: DatabaseURL { get throws { try TestEnvironment.appURL(database: name) } }
    var ownerURL: DatabaseURL { get throws { try TestEnvironment.ownerURL(database: name) } }

    /// A fresh, migrated database of its own.
    static func make() async throws -> TestDatabase {
        try await TemplateDatabase.shared.prepare()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try await TestEnvironment.ownerExecute("CREATE DATABASE \(name) TEMPLATE \(TemplateDatabase.name) OWNER hoso_owner")
        return TestDatabase(name: String(name))
    }

    /// An empty database (no migrations), for the migrator's own tests.
    static func makeEmpty() async throws -> TestDatabase {
        let name = "e_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try await TestEnvironment.ownerExecute("CREATE DATABASE \(name) OWNER hoso_owner")
        return TestDatabase(name: String(name))
    }
}

/// Runs `body` with a connection pool open on `url`, and closes it afterwards. The timeout is
/// generous: set-up transactions (imports, generation) run beside many other tests on 2 cores.
func withDatabase<T: Sendable>(_ url: DatabaseURL, timeout: Duration = .seconds(60), _ body: @Sendable @escaping (Database) async throws -> T) async throws -> T {
    let database = Database(url: url, logger: TestEnvironment.logger, maxConnections: 8, timeout: timeout)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { await database.run(); return nil }
        defer { group.cancelAll() }
        return try await body(database)
    }
}
