import HosoCore
import Logging
import PostgresNIO

/// Signatures beyond one approver per step (issue 14): the chain a manifest names, the
/// uploader's own signature.
extension SignatureStore {
    /// The chain a manifest states: the approval steps (the clerk's seal step is the manifest's
    /// seal), a subject teachers' step naming each teacher of the class.
    static func manifestChain(
        _ connection: PostgresConnection, type: RecordType, obligationID: Int64,
        logger: Logger
    ) async throws -> [RecordManifest.Step] {
        var steps: [RecordManifest.Step] = []
        for step in type.chain.approvalSteps {
            let signers =
                step.signers == .classSubjectTeachers
                ? try await SignerStore.subjectTeacherLogins(connection, obligationID: obligationID, logger: logger)
                : []
            steps.append(.init(role: step.role.rawValue, signatureRequired: step.signatureRequired, signers: signers))
        }
        return steps
    }

    /// The uploader's own signature on the current version (seed 004), in the transaction that
    /// holds the obligation's lock; `SignerDecisions.signSubmission` allowed it.
    static func signSubmission(
        _ connection: PostgresConnection, actor: Actor, locked: RecordStore.Locked,
        signing: SigningStep, now: Int64, logger: Logger
    ) async throws -> SignedManifest {
        let tenantID = actor.tenantID
        guard let versionID = locked.row.currentVersionID else { throw HosoError("signature.no_version") }
        let stored = try await manifest(connection, versionID: versionID, lock: true, logger: logger)
        let facts = try await Self.facts(
            connection, tenantID: tenantID, row: locked.row, type: locked.type, versionID: versionID,
            issuedAt: now, logger: logger)
        let name =
            try await connection.fetch(
                "SELECT display_name FROM users WHERE id = \(actor.userID)", String.self, logger: logger
            ).first ?? actor.login
        var context = SigningContext(
            manifestXML: stored?.xml, facts: facts, signatures: stored?.signatures ?? 0, step: 0,
            role: locked.type.submitter, signer: (actor.login, name), prior: [],
            personalKey: try await activeKey(
                connection, tenantID: tenantID, userID: actor.userID, at: now, logger: logger),
            sealKey: nil, sealDue: false,
            rootsPEM: Self.bundle(try await Self.roots(connection, tenantID: tenantID, logger: logger)),
            owners: { fingerprints in
                try await Self.owners(connection, tenantID: tenantID, fingerprints: fingerprints, logger: logger)
            },
            now: now)
        context.kind = .submission
        return try await store(
            connection, actor: actor, locked: locked, versionID: versionID, stored: stored,
            signed: try await signing(context), logger: logger)
    }
}
