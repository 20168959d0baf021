import HosoCore
import Logging
import PostgresNIO

extension SignatureStore {
    /// Signs an approval of a past that is being told (`hoso demo story`), on the caller's
    /// connection and inside its transaction: the same context an approval's signing step gets in
    /// `RecordStore.decide` (the manifest, the approvals before it, the approver's key and, when due,
    /// the school's seal, each valid at `at`), signed and verified by `signing`, stored as an
    /// approval's signatures are. The caller writes the approval's event (signed) right after, as
    /// `decide` does. `stepIndex`: 0-based chain step.
    public static func signTold(
        _ connection: PostgresConnection, tenantID: Int64, obligationID: Int64, stepIndex: Int,
        approver: (id: Int64, login: String), at: Int64, signing: SigningStep, logger: Logger
    ) async throws -> SignedManifest {
        let name =
            try await connection.fetch(
                "SELECT display_name FROM users WHERE id = \(approver.id)", String.self, logger: logger
            ).first ?? approver.login
        let actor = Actor(userID: approver.id, tenantID: tenantID, login: approver.login, displayName: name, grants: [])
        let locked = try await RecordStore.load(connection, actor, obligationID, forUpdate: false, logger: logger)
        return try await sign(
            connection, actor: actor, locked: locked, stepIndex: stepIndex, signing: signing, now: at, logger: logger)
    }
}
