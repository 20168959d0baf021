import HosoCore
import Logging
import PostgresNIO

extension RecordStore {
    /// The uploader signs their current version (seed 004: signed after it is put on the system,
    /// then sent to leadership): `SignerDecisions.signSubmission` under the obligation's lock, the
    /// signature stored with its audit entry, all in one transaction.
    public func signSubmission(
        _ actor: Actor, obligationID: Int64, revision: Int? = nil,
        signing: @escaping SigningStep
    ) async throws -> ObligationRow {
        let logger = self.logger
        let now = clock.now()
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.load(connection, actor, obligationID, forUpdate: true, logger: logger)
            if let revision, revision != locked.row.revision {
                throw HosoError("workflow.stale", ["revision": String(locked.row.revision)])
            }
            try SignerDecisions.signSubmission(locked.snapshot)
            _ = try await SignatureStore.signSubmission(
                connection, actor: actor, locked: locked, signing: signing, now: now,
                logger: logger)
            try await connection.run(
                "UPDATE obligations SET revision = revision + 1 WHERE id = \(obligationID)", logger: logger)
            return try await ObligationStore.rows(
                connection, "\(unescaped: ObligationStore.select) WHERE o.id = \(obligationID)",
                logger: logger)[0]
        }
    }
}
