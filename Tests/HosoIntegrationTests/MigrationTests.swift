import Foundation
import HosoCore
@testable import HosoStore
import Testing

@Suite struct MigrationTests {
    @Test func splitsScriptsOnlyBetweenStatements() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'it''s; fine');
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
            /* block; comment */ CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 2; END $body$;
            SELECT "odd;name" FROM a
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 4)
        #expect(statements[0] == "CREATE TABLE a (x text DEFAULT 'it''s; fine')")
        #expect(statements[1].hasSuffix("$$ SELECT 1; $$"))
        #expect(statements[2].contains("BEGIN RETURN 2; END"))
        #expect(statements[3] == #"SELECT "odd;name" FROM a"#)
    }

    @Test func appliesOnceAndRecordsChecksums() async throws {
        // setup
        let database = try await TestDatabase.makeEmpty()
        let migrator = Migrator(migrations: try Migration.bundled(), logger: TestEnvironment.logger)
        // act
        let first = try await migrator.migrate(try database.ownerURL)
        let second = try await migrator.migrate(try database.ownerURL)
        // verify
        #expect(first == (try Migration.bundled()).map(\.name))
        #expect(second.isEmpty)
        let rows = try await withDatabase(try database.ownerURL) { pool in
            try await pool.withTransaction { connection in
                try await connection.fetch("SELECT version, checksum FROM schema_migrations ORDER BY version", (String, String).self, logger: TestEnvironment.logger)
            }
        }
        #expect(rows.map(\.0) == (try Migration.bundled()).map(\.version))
        #expect(rows.map(\.1) == (try Migration.bundled()).map(\.checksum))
    }

    @Test func refusesAnEditedAppliedMigration() async throws {
        let database = try await TestDatabase.makeEmpty()
        let original = [Migration(version: "0001", name: "0001_t.sql", sql: "CREATE TABLE t (x int);")]
        try await Migrator(migrations: original, logger: TestEnvironment.logger).migrate(try database.ownerURL)
        let edited = [Migration(version: "0001", name: "0001_t.sql", sql: "CREATE TABLE t (x bigint);")]
        await #expect(throws: HosoError("migrate.changed", ["migration": "0001_t.sql", "applied": "0001_t.sql"])) {
            try await Migrator(migrations: edited, logger: TestEnvironment.logger).migrate(try database.ownerURL)
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let database = try await TestDatabase.makeEmpty()
        let migrations = [
            Migration(version: "0001", name: "0001_ok.sql", sql: "CREATE TABLE ok (x int);"),
            Migration(version: "0002", name: "0002_bad.sql", sql: "CREATE TABLE half (x int); INSERT INTO nowhere VALUES (1);"),
        ]
        await #expect(throws: HosoError("migrate.failed", ["migration": "0002_bad.sql"])) {
            try await Migrator(migrations: migrations, logger: TestEnvironment.logger).migrate(try database.ownerURL)
        }
        let tables = try await withDatabase(try database.ownerURL) { pool in
            try await pool.withTransaction { connection in
                try await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", String.self, logger: TestEnvironment.logger)
            }
        }
        #expect(tables == ["ok", "schema_migrations"])
    }

    @Test func concurrentStartsMigrateOnce() async throws {
        let database = try await TestDatabase.makeEmpty()
        let url = try database.ownerURL
        let migrations = try Migration.bundled()
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<3 { group.addTask { try await Migrator(migrations: migrations, logger: TestEnvironment.logger).migrate(url) } }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        #expect(results.filter { !$0.isEmpty }.count == 1)
        #expect(results.flatMap { $0 } == migrations.map(\.name))
    }
}
