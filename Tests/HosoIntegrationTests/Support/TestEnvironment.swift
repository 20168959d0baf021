import Foundation
import HosoStore
import Logging
import PostgresNIO

/// What `make test` (scripts/test.sh) provides: a throwaway PostgreSQL and slapd and their
/// credentials. Integration tests never run against anything else; without these variables they
/// fail with a message that says to use `make test`.
enum TestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "\(name) is not set: run the integration tests with `make test`, which starts PostgreSQL and slapd" }
    }

    static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw Missing(name: name) }
        return value
    }

    static func ownerURL(database: String = "hoso") throws -> DatabaseURL {
        let host = try value("HOSO_TEST_PG_HOST")
        // A guard against pointing the suite at a real server: tests create and drop databases.
        guard host == "127.0.0.1" || host == "localhost" else { throw Missing(name: "HOSO_TEST_PG_HOST (must be local)") }
        return DatabaseURL(host: host, port: Int(try value("HOSO_TEST_PG_PORT")) ?? 0, username: try value("HOSO_TEST_PG_OWNER"),
                           password: try value("HOSO_TEST_PG_OWNER_PASSWORD"), database: database)
    }

    static func appURL(database: String) throws -> DatabaseURL {
        DatabaseURL(host: try value("HOSO_TEST_PG_HOST"), port: Int(try value("HOSO_TEST_PG_PORT")) ?? 0,
                    username: try value("HOSO_TEST_PG_APP"), password: try value("HOSO_TEST_PG_APP_PASSWORD"), database: database)
    }

    static var ldapURL: String { get throws { try value("HOSO_TEST_LDAP_URL") } }
    static var directoryPassword: String { get throws { try value("HOSO_DEMO_DIRECTORY_PASSWORD") } }
    static var repoDirectory: String { get throws { try value("HOSO_REPO_DIR") } }

    /// A new empty directory under the test services' state folder (removed by `make clean`).
    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = "\(try value("HOSO_TEST_STATE_DIR"))/tmp/\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static var logger: Logger {
        var logger = Logger(label: "hoso-test")
        logger.logLevel = .warning
        return logger
    }

    /// Rows of a query run as the owner (bypassing row-level security), every column as text:
    /// for tests that look at what was written, not through the application.
    static func ownerRows(_ sql: String, database: String) async throws -> [[String?]] {
        try await withOwnerConnection(database: database) { connection in
            var rows: [[String?]] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                rows.append(try row.map { try $0.decode(String?.self) })
            }
            return rows
        }
    }

    /// The first column of the first row, as text.
    static func ownerValue(_ sql: String, database: String) async throws -> String? {
        try await ownerRows(sql, database: database).first?.first ?? nil
    }

    /// Runs a one-off statement as the owner on the maintenance database.
    static func ownerExecute(_ sql: String, database: String = "hoso") async throws {
        try await withOwnerConnection(database: database) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    static func withOwnerConnection<T>(database: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let url = try ownerURL(database: database)
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: url.host, port: url.port, username: url.username, password: url.password,
                                 database: url.database, tls: .disable),
            id: 1, logger: logger
        )
        do {
            let value = try await body(connection)
            try await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
