import Foundation
import HosoCore
import Logging
import PostgresNIO

/// A message to queue: who gets it and what it says (the bodies are made by the caller).
public struct OutgoingMessage: Sendable, Equatable {
    public let kind: String
    /// Makes the message once per tenant (a digest's person and period); nil: always a new message.
    public let dedupe: String?
    public let recipientUserID: Int64?
    public let address: MailAddress
    /// `vi` or `en`.
    public let language: String
    public let subject: String
    public let text: String
    public let html: String

    public init(kind: String, dedupe: String?, recipientUserID: Int64?, address: MailAddress, language: String,
                subject: String, text: String, html: String) {
        self.kind = kind
        self.dedupe = dedupe
        self.recipientUserID = recipientUserID
        self.address = address
        self.language = language
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// An outbox row as the sender and the administrator's page see it.
public struct OutboxRow: Sendable, Equatable {
    public let id: Int64
    public let kind: String
    public let address: String
    public let displayName: String
    public let language: String
    public let subject: String
    public let text: String
    public let html: String
    public let messageID: String
    public let state: String
    public let attempts: Int
    public let lastAnswer: String?
    public let createdAt: Int64
    public let sentAt: Int64?
}

/// The outbox (migration 0014): queued in the transaction of what causes a message, claimed by one
/// sender at a time (`FOR UPDATE SKIP LOCKED`, a lease), and settled with the server's answer.
public struct OutboxStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Queues messages; a message whose `dedupe` is already in the outbox is not queued again.
    /// Returns how many were queued. `host` names the Message-IDs (`<uuid@host>`, fixed here: a
    /// message tried again after a crash carries the same one).
    @discardableResult
    public func enqueue(tenantID: Int64, _ messages: [OutgoingMessage], host: String) async throws -> Int {
        guard !messages.isEmpty else { return 0 }
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var queued = 0
            for message in messages {
                let messageID = "<" + UUID().uuidString.lowercased() + "@" + host + ">"
                let rows = try await connection.fetch("""
                    INSERT INTO outbox (tenant_id, kind, dedupe, recipient_user_id, address, display_name, language, subject,
                                        body_text, body_html, message_id)
                    VALUES (\(tenantID), \(message.kind), \(message.dedupe), \(message.recipientUserID), \(message.address.address),
                            \(message.address.name), \(message.language), \(message.subject), \(message.text), \(message.html), \(messageID))
                    ON CONFLICT (tenant_id, dedupe) DO NOTHING
                    RETURNING id
                    """, Int64.self, logger: logger)
                queued += rows.count
            }
            return queued
        }
    }

    /// Claims up to `limit` messages that are due (or whose sender's lease ran out: it died while
    /// sending), leasing them for `leaseSeconds`; each claim counts as an attempt.
    public func claim(tenantID: Int64, limit: Int, leaseSeconds: Int) async throws -> [OutboxRow] {
        guard limit > 0 else { return [] }
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("""
                WITH due AS (
                    SELECT id AS due_id FROM outbox
                    WHERE tenant_id = \(tenantID) AND next_attempt_at <= now()
                      AND (state = 'queued' OR (state = 'sending' AND lease_until < now()))
                    ORDER BY next_attempt_at, id LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                UPDATE outbox o SET state = 'sending', attempts = o.attempts + 1,
                                    lease_until = now() + make_interval(secs => \(Double(leaseSeconds)))
                FROM due WHERE o.id = due.due_id
                RETURNING \(unescaped: Self.columns)
                """, logger: logger))
        }
    }

    /// Settles a claimed message: sent, to be retried after `retryAfter` seconds, or failed. Only the
    /// claim that made `attempt` may settle it (a sender whose lease ran out and was taken over cannot).
    public func settle(tenantID: Int64, id: Int64, attempt: Int, _ outcome: DeliveryOutcome, retryAfter: Int64?) async throws {
        let logger = self.logger
        try await database.withTenant(tenantID) { connection in
            switch outcome {
            case .sent:
                try await connection.run("""
                    UPDATE outbox SET state = 'sent', sent_at = now(), lease_until = NULL, last_answer = '250'
                    WHERE id = \(id) AND state = 'sending' AND attempts = \(attempt)
                    """, logger: logger)
            case .retry(let answer) where retryAfter != nil:
                try await connection.run("""
                    UPDATE outbox SET state = 'queued', lease_until = NULL, last_answer = \(String(answer.prefix(500))),
                                      next_attempt_at = now() + make_interval(secs => \(Double(retryAfter ?? 60)))
                    WHERE id = \(id) AND state = 'sending' AND attempts = \(attempt)
                    """, logger: logger)
            case .retry(let answer), .failed(let answer):
                try await connection.run("""
                    UPDATE outbox SET state = 'failed', lease_until = NULL, last_answer = \(String(answer.prefix(500)))
                    WHERE id = \(id) AND state = 'sending' AND attempts = \(attempt)
                    """, logger: logger)
            }
        }
    }

    /// How many of the tenant's messages went in the last minute (for its sending rate).
    public func sentInLastMinute(tenantID: Int64) async throws -> Int {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT count(*)::int FROM outbox WHERE tenant_id = \(tenantID) AND state = 'sent' AND sent_at > now() - interval '1 minute'
                """, Int.self, logger: logger).first ?? 0
        }
    }

    /// The newest messages (optionally of one state), for the administrator's page.
    public func list(tenantID: Int64, state: String?, limit: Int) async throws -> [OutboxRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.decode(try await connection.query("""
                SELECT \(unescaped: Self.columns) FROM outbox
                WHERE tenant_id = \(tenantID) AND (\(state)::text IS NULL OR state = \(state))
                ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """, logger: logger))
        }
    }

    /// Counts by state.
    public func counts(tenantID: Int64) async throws -> [String: Int] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var result: [String: Int] = [:]
            for (state, count) in try await connection.fetch(
                "SELECT state, count(*)::int FROM outbox WHERE tenant_id = \(tenantID) GROUP BY state", (String, Int).self, logger: logger) {
                result[state] = count
            }
            return result
        }
    }

    static let columns = """
        id, kind, address, display_name, language, subject, body_text, body_html, message_id, state, attempts, last_answer,
        extract(epoch FROM created_at)::bigint, extract(epoch FROM sent_at)::bigint
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [OutboxRow] {
        var result: [OutboxRow] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            result.append(OutboxRow(
                id: try r[0].decode(Int64.self), kind: try r[1].decode(String.self), address: try r[2].decode(String.self),
                displayName: try r[3].decode(String.self), language: try r[4].decode(String.self), subject: try r[5].decode(String.self),
                text: try r[6].decode(String.self), html: try r[7].decode(String.self), messageID: try r[8].decode(String.self),
                state: try r[9].decode(String.self), attempts: try r[10].decode(Int.self), lastAnswer: try r[11].decode(String?.self),
                createdAt: try r[12].decode(Int64.self), sentAt: try r[13].decode(Int64?.self)))
        }
        return result
    }
}
