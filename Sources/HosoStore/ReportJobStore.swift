import Foundation
import HosoCore
import Logging
import PostgresNIO

public struct ReportJob: Sendable, Equatable {
    public enum State: String, Sendable { case queued, running, done, failed }
    public let id: Int64
    public let unitID: Int64
    public let requestedBy: Int64
    public let format: String
    public let parameters: String
    public let title: String
    public let state: State
    public let progress: Double
    public let stage: String?
    public let errorCode: String?
    public let sha256: String?
    public let size: Int64?
    public let filename: String?
    public let createdAt: Int64
    public let finishedAt: Int64?
}

/// Reports generated in the background: a row per request that the worker moves from queued to
/// running (with its progress) to done (naming the stored file) or failed. The file enters the
/// blob store, synced, before the row names it, so a report interrupted halfway leaves no file.
public struct ReportJobStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let columns = """
        id, unit_id, requested_by, format, parameters, title, state, progress::float8, stage, error_code, sha256, size, filename,
        extract(epoch FROM created_at)::bigint, extract(epoch FROM finished_at)::bigint FROM report_jobs
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [ReportJob] {
        var result: [ReportJob] = []
        for try await r in rows.decode((Int64, Int64, Int64, String, String, String, String, Double, String?, String?, String?, Int64?,
                                        String?, Int64, Int64?).self) {
            result.append(ReportJob(id: r.0, unitID: r.1, requestedBy: r.2, format: r.3, parameters: r.4, title: r.5,
                                    state: ReportJob.State(rawValue: r.6) ?? .failed, progress: r.7, stage: r.8, errorCode: r.9, sha256: r.10,
                                    size: r.11, filename: r.12, createdAt: r.13, finishedAt: r.14))
        }
        return result
    }

    public func create(_ actor: Actor, unitID: Int64, format: String, parameters: String, title: String) async throws -> Int64 {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            try await Self.sweep(connection, logger: logger)
            // One request at a time per person: two at once must not both see room for one more.
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext(\("report:\(actor.tenantID):\(actor.userID)")))",
                                     logger: logger)
            let pending = try await connection.fetch("""
                SELECT count(*)::int FROM report_jobs WHERE requested_by = \(actor.userID) AND state IN ('queued', 'running')
                """, Int.self, logger: logger).first ?? 0
            try ReportDecisions.queue(pending: pending)
            guard let id = try await connection.fetch("""
                INSERT INTO report_jobs (tenant_id, unit_id, requested_by, format, parameters, title)
                VALUES (\(actor.tenantID), \(unitID), \(actor.userID), \(format), \(parameters), \(title)) RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            try await AuditStore.append(tenantID: actor.tenantID, AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: "report.request", unitID: unitID, subject: "report:\(id)",
                details: ["format": format, "parameters": parameters]
            ), on: connection, logger: logger)
            return id
        }
    }

    public func job(tenantID: Int64, id: Int64) async throws -> ReportJob? {
        try await database.withTenant(tenantID) { connection in
            try await Self.sweep(connection, logger: self.logger)
            return try await Self.decode(try await connection.query("SELECT \(unescaped: Self.columns) WHERE id = \(id)", logger: self.logger)).first
        }
    }

    public func recent(tenantID: Int64, requestedBy userID: Int64, limit: Int = 20) async throws -> [ReportJob] {
        try await database.withTenant(tenantID) { connection in
            try await Self.sweep(connection, logger: self.logger)
            return try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns) WHERE requested_by = \(userID) ORDER BY id DESC LIMIT \(limit)
                """, logger: self.logger))
        }
    }

    public func started(tenantID: Int64, id: Int64) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run("""
                UPDATE report_jobs SET state = 'running', started_at = now(), heartbeat_at = now(), progress = 0 WHERE id = \(id) AND state = 'queued'
                """, logger: self.logger)
        }
    }

    public func progress(tenantID: Int64, id: Int64, _ fraction: Double, stage: String) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run("""
                UPDATE report_jobs SET progress = \(Float(min(max(fraction, 0), 1))), stage = \(stage), heartbeat_at = now() WHERE id = \(id) AND state = 'running'
                """, logger: self.logger)
        }
    }

    /// Names the finished file (already committed to the blob store).
    public func finish(tenantID: Int64, id: Int64, blob: StagedBlob, mediaType: String, filename: String) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run("""
                INSERT INTO blobs (tenant_id, sha256, size, media_type) VALUES (\(tenantID), \(blob.sha256), \(blob.size), \(mediaType))
                ON CONFLICT DO NOTHING
                """, logger: self.logger)
            try await connection.run("""
                UPDATE report_jobs SET state = 'done', progress = 1, stage = NULL, sha256 = \(blob.sha256), size = \(blob.size),
                       filename = \(filename), finished_at = now()
                WHERE id = \(id) AND state = 'running'
                """, logger: self.logger)
        }
    }

    public func fail(tenantID: Int64, id: Int64, code: String) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run("""
                UPDATE report_jobs SET state = 'failed', error_code = \(code), finished_at = now() WHERE id = \(id) AND state <> 'done'
                """, logger: self.logger)
        }
    }

    /// How long a job may go without a sign of life before it counts as cut short. A process
    /// beats for each job it holds (queued or running) every `heartbeatSeconds`.
    public static let staleAfterSeconds = 90
    public static let heartbeatSeconds = 15

    /// Says a job is still held by a living process (waiting its turn or running).
    public func heartbeat(tenantID: Int64, id: Int64) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run("""
                UPDATE report_jobs SET heartbeat_at = now() WHERE id = \(id) AND state IN ('queued', 'running')
                """, logger: self.logger)
        }
    }

    /// Jobs whose process stopped (a restart, a crash: no heartbeat for `staleAfterSeconds`) will
    /// not finish: they are marked interrupted, so their page says so instead of waiting forever.
    /// Runs before jobs are read or created; other processes' live jobs keep their heartbeat.
    @discardableResult
    static func sweep(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.fetch("""
            WITH x AS (UPDATE report_jobs SET state = 'failed', error_code = 'report.interrupted', finished_at = now()
                       WHERE state IN ('queued', 'running')
                         AND coalesce(heartbeat_at, created_at) < now() - make_interval(secs => \(Self.staleAfterSeconds))
                       RETURNING 1)
            SELECT count(*)::int FROM x
            """, Int.self, logger: logger).first ?? 0
    }

    /// At start-up: the sweep in every tenant. Returns how many jobs it marked interrupted.
    public func markInterrupted(tenantIDs: [Int64]) async throws -> Int {
        var total = 0
        for tenantID in tenantIDs {
            total += try await database.withTenant(tenantID) { connection in try await Self.sweep(connection, logger: self.logger) }
        }
        return total
    }
}
