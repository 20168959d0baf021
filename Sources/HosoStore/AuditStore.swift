import Crypto
import Foundation
import HosoCore
import Logging
import PostgresNIO

/// One event for the audit trail.
public struct AuditEvent: Sendable, Equatable {
    public let actorUserID: Int64?
    public let actorLogin: String?
    /// Stable, dotted: `session.sign_in`, `unit.view`, …
    public let action: String
    public let unitID: Int64?
    public let subject: String?
    public let details: [String: String]

    public init(actorUserID: Int64?, actorLogin: String?, action: String, unitID: Int64? = nil, subject: String? = nil,
                details: [String: String] = [:]) {
        self.actorUserID = actorUserID
        self.actorLogin = actorLogin
        self.action = action
        self.unitID = unitID
        self.subject = subject
        self.details = details
    }
}

/// What `verify` found: how many entries it checked and the first broken one, if any.
public struct AuditVerification: Sendable, Equatable {
    public let checked: Int
    /// The sequence number of the first entry whose hash, link or position is wrong.
    public let firstBroken: Int64?
    public let reason: String?
}

/// The append-only, hash-chained audit log of a tenant.
public struct AuditStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func append(tenantID: Int64, _ event: AuditEvent) async throws {
        try await database.withTenant(tenantID) { connection in
            try await Self.append(tenantID: tenantID, event, on: connection, logger: self.logger)
        }
    }

    /// Appends inside the caller's transaction, so the entry commits (or not) with the change it records.
    /// `clock`: the entry's time (the live clock unless a test fixes it).
    public static func append(tenantID: Int64, _ event: AuditEvent, on connection: PostgresConnection,
                              clock: any WallClock = SystemClock(), logger: Logger) async throws {
        // One writer at a time per tenant: the chain has no forks.
        try await connection.run("SELECT pg_advisory_xact_lock(hashtext(\("audit:" + String(tenantID))))", logger: logger)
        let last = try await connection.fetch(
            "SELECT seq, hash FROM audit_log WHERE tenant_id = \(tenantID) ORDER BY seq DESC LIMIT 1", (Int64, ByteBuffer).self, logger: logger
        ).first
        let seq = (last?.0 ?? 0) + 1
        let previous = last.map { Array(buffer: $0.1) } ?? [UInt8](repeating: 0, count: 32)
        let atMicroseconds = clock.nowMicroseconds()
        let details = canonicalJSON(event.details)
        let hash = chainHash(previous: previous, tenantID: tenantID, seq: seq, atMicroseconds: atMicroseconds, event: event, details: details)
        try await connection.run("""
            INSERT INTO audit_log (tenant_id, seq, at_us, actor_user_id, actor_login, action, unit_id, subject, details, previous_hash, hash)
            VALUES (\(tenantID), \(seq), \(atMicroseconds), \(event.actorUserID), \(event.actorLogin), \(event.action), \(event.unitID),
                    \(event.subject), \(details), \(ByteBuffer(bytes: previous)), \(ByteBuffer(bytes: hash)))
            """, logger: logger)
    }

    /// One entry as pages show it.
    public struct Entry: Sendable, Equatable {
        public let seq: Int64
        public let atMicroseconds: Int64
        public let actorLogin: String?
        public let actorName: String?
        public let action: String
        public let subject: String?
        public let details: String
    }

    /// The entries about one subject (e.g. `obligation:42`), oldest first; or, with `unitID`,
    /// the inspectors' views of a unit's records (a school sees who inspected it).
    public func entries(tenantID: Int64, subject: String? = nil, inspectionsOf unitID: Int64? = nil, limit: Int = 200) async throws -> [Entry] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT a.seq, a.at_us, a.actor_login, u.display_name, a.action, a.subject, a.details
                FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
                WHERE (a.tenant_id = \(tenantID) OR a.tenant_id IN (SELECT id FROM tenants WHERE merged_into = \(tenantID)))
                  AND (\(subject)::text IS NULL OR a.subject = \(subject))
                  AND (\(unitID)::bigint IS NULL OR (a.unit_id = \(unitID) AND a.action IN ('unit.view', 'record.view', 'record.download')
                       AND EXISTS (SELECT 1 FROM user_grants g WHERE g.user_id = a.actor_user_id
                                   AND g.role IN ('provincial_inspector', 'district_inspector'))))
                ORDER BY a.at_us DESC, a.seq DESC LIMIT \(limit)
                """, (Int64, Int64, String?, String?, String, String?, String).self, logger: logger).reversed().map {
                Entry(seq: $0.0, atMicroseconds: $0.1, actorLogin: $0.2, actorName: $0.3, action: $0.4, subject: $0.5, details: $0.6)
            }
        }
    }

    /// Recomputes the whole chain of a tenant.
    /// A tenant merged into another (`tenant.merged_in`) must still end with the `tenant.merged` entry
    /// whose hash the target recorded: nothing was appended to it, nor was it cut short, since.
    public func verify(tenantID: Int64) async throws -> AuditVerification {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.verify(tenantID: tenantID, on: connection, logger: logger)
        }
    }

    /// `verify` inside the caller's transaction (a merger verifies both chains under its lock).
    public static func verify(tenantID: Int64, on connection: PostgresConnection, logger: Logger) async throws -> AuditVerification {
        let result = try await chain(tenantID: tenantID, on: connection, logger: logger)
        guard result.firstBroken == nil else { return result }
        // Each merger this tenant received: the source's chain must still end where the target sealed it.
        let mergers = try await connection.fetch("""
            SELECT a.seq, a.details::jsonb ->> 'source_tenant_id', a.details::jsonb ->> 'source_head'
            FROM audit_log a WHERE a.tenant_id = \(tenantID) AND a.action = 'tenant.merged_in' ORDER BY a.seq
            """, (Int64, String?, String?).self, logger: logger)
        for (seq, sourceID, head) in mergers {
            guard let sourceID = sourceID.flatMap(Int64.init), let head else {
                return AuditVerification(checked: result.checked, firstBroken: seq, reason: "merger")
            }
            let last = try await connection.fetch("""
                SELECT action, encode(hash, 'hex') FROM audit_log WHERE tenant_id = \(sourceID) ORDER BY seq DESC LIMIT 1
                """, (String, String).self, logger: logger).first
            guard let last, last.0 == "tenant.merged", last.1 == head else {
                return AuditVerification(checked: result.checked, firstBroken: seq, reason: "merger")
            }
            let source = try await chain(tenantID: sourceID, on: connection, logger: logger)
            if source.firstBroken != nil {
                return AuditVerification(checked: result.checked, firstBroken: seq, reason: "merged_chain")
            }
        }
        return result
    }

    static func chain(tenantID: Int64, on connection: PostgresConnection, logger: Logger) async throws -> AuditVerification {
        try await chain(tenantID: tenantID, from: nil, through: nil, on: connection, logger: logger)
    }

    /// Recomputes the chain, from its start or from a checkpointed entry (which must still be there
    /// with the same hash), through `last` or to its end.
    static func chain(tenantID: Int64, from start: (seq: Int64, hash: String)?, through last: Int64?,
                      on connection: PostgresConnection, logger: Logger) async throws -> AuditVerification {
        let first = start?.seq ?? 0
        let rows = try await connection.query("""
            SELECT seq, at_us, actor_user_id, actor_login, action, unit_id, subject, details, previous_hash, hash
            FROM audit_log WHERE tenant_id = \(tenantID) AND seq >= \(first) AND (\(last)::bigint IS NULL OR seq <= \(last)) ORDER BY seq
            """, logger: logger)
        var previous = [UInt8](repeating: 0, count: 32)
        var expectedSeq: Int64 = 1
        var checked = 0
        var anchored = start == nil || first == 0
        for try await (seq, at, userID, login, action, unitID, subject, details, previousHash, hash) in rows.decode(
            (Int64, Int64, Int64?, String?, String, Int64?, String?, String, ByteBuffer, ByteBuffer).self
        ) {
            if !anchored {
                // The checkpointed entry itself: still there, with the hash the checkpoint signed.
                guard seq == first, Array(buffer: hash).hex == start?.hash else {
                    return AuditVerification(checked: checked, firstBroken: first, reason: "rewritten")
                }
                anchored = true
                previous = Array(buffer: hash)
                expectedSeq = seq + 1
                continue
            }
            if seq != expectedSeq {
                return AuditVerification(checked: checked, firstBroken: expectedSeq, reason: "missing")
            }
            if Array(buffer: previousHash) != previous {
                return AuditVerification(checked: checked, firstBroken: seq, reason: "link")
            }
            let event = AuditEvent(actorUserID: userID, actorLogin: login, action: action, unitID: unitID, subject: subject)
            let recomputed = Self.chainHash(previous: previous, tenantID: tenantID, seq: seq, atMicroseconds: at, event: event, details: details)
            if recomputed != Array(buffer: hash) {
                return AuditVerification(checked: checked, firstBroken: seq, reason: "hash")
            }
            previous = recomputed
            expectedSeq += 1
            checked += 1
        }
        if !anchored { return AuditVerification(checked: checked, firstBroken: first, reason: "tail_cut") }
        if let last, expectedSeq <= last { return AuditVerification(checked: checked, firstBroken: expectedSeq, reason: "missing") }
        return AuditVerification(checked: checked, firstBroken: nil, reason: nil)
    }

    /// SHA-256 over the previous hash and every field, each length-prefixed so that no two
    /// different entries share an encoding.
    static func chainHash(previous: [UInt8], tenantID: Int64, seq: Int64, atMicroseconds: Int64, event: AuditEvent, details: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        for field in [String(tenantID), String(seq), String(atMicroseconds), event.actorUserID.map(String.init) ?? "-",
                      event.actorLogin ?? "-", event.action, event.unitID.map(String.init) ?? "-", event.subject ?? "-", details] {
            let bytes = Array(field.utf8)
            hasher.update(data: withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { Array($0) })
            hasher.update(data: bytes)
        }
        return Array(hasher.finalize())
    }

    static func canonicalJSON(_ details: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(details), as: UTF8.self)) ?? "{}"
    }
}

extension Array where Element == UInt8 {
    /// Lowercase hex, as `encode(hash, 'hex')` writes it.
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
