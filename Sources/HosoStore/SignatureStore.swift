import Foundation
import HosoCore
import Logging
import PostgresNIO

/// A certificate Hoso knows, and whose key it is.
public struct KeyRow: Sendable, Equatable {
    public let id: Int64
    /// A person's login, or a unit's code for a seal.
    public let owner: String
    public let ownerName: String
    public let seal: Bool
    public let fingerprint: String
    public let serial: String
    public let commonName: String
    public let issuer: String
    public let algorithm: String
    public let notBefore: Int64
    public let notAfter: Int64
    public let keyReference: String?
    public let state: String
    public let certificatePEM: String
}

public struct ManifestRow: Sendable, Equatable {
    public let versionID: Int64
    public let obligationID: Int64
    public let xml: String
    public let signatures: Int
    public let sealed: Bool
    public let state: SignatureState
    public let problem: String?
}

public struct SignatureRow: Sendable, Equatable {
    public let position: Int
    public let kind: String
    public let step: Int
    public let role: String
    public let signer: String
    public let fingerprint: String
    public let serial: String
    public let commonName: String
    public let algorithm: String
    public let signedAt: Int64
    public let madeBy: String
}

/// What a signing step sees (inside the approval's transaction, the obligation locked) and what
/// it hands back: the manifest with its new signatures, already verified by the caller.
public struct SigningContext: Sendable {
    /// The stored manifest, or `nil` when this version has none yet (build it from `facts`).
    public let manifestXML: String?
    public let facts: RecordManifest
    public let signatures: Int
    /// 1-based chain step being approved.
    public let step: Int
    public let role: Role
    public let signer: (login: String, name: String)
    public let prior: [SignatureClaim.Prior]
    public let personalKey: KeyRow?
    /// The school's seal key, when this approval is the chain's last step and a seal is required.
    public let sealKey: KeyRow?
    public let sealDue: Bool
    /// The tenant's trusted roots (PEM), read on the approval's own connection.
    public let rootsPEM: String
    /// Whose certificates these are, read on the approval's own connection: a signing step never
    /// takes a second pooled connection while the record's row lock is held.
    public let owners: @Sendable ([String]) async throws -> [String: KeyOwner]
    /// The approval's instant (the injected clock's).
    public let now: Int64
    /// `approval` (a chain step), `submission` (the uploader's own, step 0) or `seal` (the
    /// clerk's seal step: the seal alone, no personal signature).
    public var kind: SignatureClaim.Kind = .approval
}

public struct SignedManifest: Sendable {
    public struct Added: Sendable {
        public let claim: SignatureClaim
        public let certificate: CertificateFacts
        public let algorithm: String
        public let keyID: Int64?
        public let madeBy: String
        public init(claim: SignatureClaim, certificate: CertificateFacts, algorithm: String, keyID: Int64?, madeBy: String) {
            self.claim = claim
            self.certificate = certificate
            self.algorithm = algorithm
            self.keyID = keyID
            self.madeBy = madeBy
        }
    }

    public let xml: String
    public let added: [Added]
    public let sealed: Bool
    /// Every required signature (and the seal) present: the record counts as signed.
    public let complete: Bool
    public init(xml: String, added: [Added], sealed: Bool, complete: Bool) {
        self.xml = xml
        self.added = added
        self.sealed = sealed
        self.complete = complete
    }
}

public typealias SigningStep = @Sendable (SigningContext) async throws -> SignedManifest

/// Trusted roots, the key registry, manifests and signatures in PostgreSQL.
public struct SignatureStore: Sendable {
    let database: Database
    let logger: Logger
    let clock: any WallClock

    public init(database: Database, logger: Logger, clock: any WallClock = SystemClock()) {
        self.database = database
        self.logger = logger
        self.clock = clock
    }

    // MARK: - Trusted roots

    /// Adds roots (already parsed); returns how many were new.
    public func addRoots(tenantID: Int64, _ roots: [(facts: CertificateFacts, pem: String)], source: String, actorLogin: String) async throws -> Int {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var added = 0
            for root in roots {
                let inserted = try await connection.fetch("""
                    INSERT INTO trust_roots (tenant_id, fingerprint, subject, not_after, pem, source)
                    VALUES (\(tenantID), \(root.facts.fingerprint), \(root.facts.subject), to_timestamp(\(Double(root.facts.notAfter))), \(root.pem), \(source))
                    ON CONFLICT (tenant_id, fingerprint) DO NOTHING RETURNING id
                    """, Int64.self, logger: logger)
                if !inserted.isEmpty {
                    added += 1
                    try await AuditStore.append(tenantID: tenantID, AuditEvent(
                        actorUserID: nil, actorLogin: actorLogin, action: "keys.trust", unitID: nil, subject: "root:" + root.facts.fingerprint,
                        details: ["subject": root.facts.subject, "source": source]), on: connection, logger: logger)
                }
            }
            return added
        }
    }

    public func roots(tenantID: Int64) async throws -> [(subject: String, fingerprint: String, notAfter: Int64, pem: String)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { try await Self.roots($0, tenantID: tenantID, logger: logger) }
    }

    /// The tenant's trusted roots, on the caller's connection (a signing step reads them on the
    /// approval's own).
    static func roots(_ connection: PostgresConnection, tenantID: Int64,
                      logger: Logger) async throws -> [(subject: String, fingerprint: String, notAfter: Int64, pem: String)] {
        try await connection.fetch("""
            SELECT subject, fingerprint, extract(epoch FROM not_after)::bigint, pem FROM trust_roots
            WHERE tenant_id = \(tenantID) ORDER BY id
            """, (String, String, Int64, String).self, logger: logger).map { (subject: $0.0, fingerprint: $0.1, notAfter: $0.2, pem: $0.3) }
    }

    /// Roots as one PEM bundle, the form OpenSSL and an export's `trust-roots.pem` take.
    public static func bundle(_ roots: [(subject: String, fingerprint: String, notAfter: Int64, pem: String)]) -> String {
        roots.map(\.pem).joined(separator: "\n")
    }

    // MARK: - Keys

    public enum Owner: Sendable {
        case person(login: String)
        case unit(code: String)
    }

    static let keyColumns = """
        k.id, coalesce(k.owner_as, u.login, un.code), coalesce(u.display_name, un.name_vi), k.owner_unit_id IS NOT NULL, k.fingerprint, k.serial,
        k.common_name, k.issuer, k.algorithm, extract(epoch FROM k.not_before)::bigint, extract(epoch FROM k.not_after)::bigint, k.key_ref,
        k.state, k.certificate_pem
        FROM signing_keys k LEFT JOIN users u ON u.id = k.owner_user_id LEFT JOIN units un ON un.id = k.owner_unit_id
        """

    static func keys(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [KeyRow] {
        try await connection.fetch(query, (Int64, String, String, Bool, String, String, String, String, String, Int64, Int64, String?, String, String).self,
                                   logger: logger).map {
            KeyRow(id: $0.0, owner: $0.1, ownerName: $0.2, seal: $0.3, fingerprint: $0.4, serial: $0.5, commonName: $0.6, issuer: $0.7,
                   algorithm: $0.8, notBefore: $0.9, notAfter: $0.10, keyReference: $0.11, state: $0.12, certificatePEM: $0.13)
        }
    }

    /// Registers a certificate (and, with `keyReference`, its private key in the key store) for a
    /// person or a school. A person not yet known is created from the certificate's name; their
    /// directory details fill in at their first sign-in.
    public func register(tenantID: Int64, owner: Owner, certificate: CertificateFacts, pem: String, keyReference: String?,
                         actorLogin: String) async throws -> KeyRow {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            let userID: Int64?, unitID: Int64?
            switch owner {
            case .person(let login):
                let trimmed = Text.trimmed(login)
                guard !trimmed.isEmpty else { throw HosoError("keys.unknown_owner", ["owner": login]) }
                try await connection.run("""
                    INSERT INTO users (tenant_id, login, source, display_name) VALUES (\(tenantID), \(trimmed), 'directory', \(certificate.commonName))
                    ON CONFLICT (tenant_id, login) DO NOTHING
                    """, logger: logger)
                userID = try await connection.fetch("SELECT id FROM users WHERE tenant_id = \(tenantID) AND login = \(trimmed)", Int64.self, logger: logger).first
                unitID = nil
            case .unit(let code):
                userID = nil
                unitID = try await connection.fetch("SELECT id FROM units WHERE tenant_id = \(tenantID) AND code = \(code)", Int64.self, logger: logger).first
                guard unitID != nil else { throw HosoError("keys.unknown_owner", ["owner": code]) }
            }
            let id = try await connection.fetch("""
                INSERT INTO signing_keys (tenant_id, owner_user_id, owner_unit_id, fingerprint, serial, subject, common_name, issuer, algorithm,
                                          not_before, not_after, certificate_pem, key_ref)
                VALUES (\(tenantID), \(userID), \(unitID), \(certificate.fingerprint), \(certificate.serial), \(certificate.subject),
                        \(certificate.commonName), \(certificate.issuer), \(certificate.keyAlgorithm), to_timestamp(\(Double(certificate.notBefore))),
                        to_timestamp(\(Double(certificate.notAfter))), \(pem), \(keyReference))
                ON CONFLICT (tenant_id, fingerprint) DO NOTHING RETURNING id
                """, Int64.self, logger: logger).first
            guard let id else { throw HosoError("keys.duplicate", ["fingerprint": String(certificate.fingerprint.prefix(16))]) }
            try await AuditStore.append(tenantID: tenantID, AuditEvent(
                actorUserID: nil, actorLogin: actorLogin, action: "keys.import", unitID: unitID, subject: "key:\(id)",
                details: ["fingerprint": certificate.fingerprint, "serial": certificate.serial, "subject": certificate.subject,
                          "private_key": keyReference == nil ? "external" : "store"]), on: connection, logger: logger)
            return try await Self.keys(connection, "SELECT \(unescaped: Self.keyColumns) WHERE k.id = \(id)", logger: logger)[0]
        }
    }

    public func keys(tenantID: Int64) async throws -> [KeyRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.keys(connection, "SELECT \(unescaped: Self.keyColumns) WHERE k.tenant_id = \(tenantID) ORDER BY k.state, k.id", logger: logger)
        }
    }

    /// Retires the key whose fingerprint starts with `prefix` (at least 8 hex digits); its old
    /// signatures keep their value, it signs nothing more.
    public func retire(tenantID: Int64, fingerprintPrefix prefix: String, actorLogin: String) async throws -> KeyRow {
        let logger = self.logger
        let clean = prefix.lowercased().filter { $0 != ":" }
        guard clean.count >= 8, clean.allSatisfy(\.isHexDigit) else { throw HosoError("keys.bad_fingerprint") }
        return try await database.withTenant(tenantID) { connection in
            let found = try await Self.keys(connection, """
                SELECT \(unescaped: Self.keyColumns) WHERE k.tenant_id = \(tenantID) AND k.state = 'active' AND starts_with(k.fingerprint, \(clean)) FOR UPDATE OF k
                """, logger: logger)
            guard found.count == 1 else { throw HosoError(found.isEmpty ? "keys.not_found" : "keys.ambiguous", ["fingerprint": clean]) }
            try await connection.run("UPDATE signing_keys SET state = 'retired', retired_at = now() WHERE id = \(found[0].id)", logger: logger)
            try await AuditStore.append(tenantID: tenantID, AuditEvent(
                actorUserID: nil, actorLogin: actorLogin, action: "keys.retire", unitID: nil, subject: "key:\(found[0].id)",
                details: ["fingerprint": found[0].fingerprint]), on: connection, logger: logger)
            return try await Self.keys(connection, "SELECT \(unescaped: Self.keyColumns) WHERE k.id = \(found[0].id)", logger: logger)[0]
        }
    }

    /// Whose certificates these are (retired keys included: their old signatures still count).
    public func owners(tenantID: Int64, fingerprints: [String]) async throws -> [String: KeyOwner] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.owners(connection, tenantID: tenantID, fingerprints: fingerprints, logger: logger)
        }
    }

    static func owners(_ connection: PostgresConnection, tenantID: Int64, fingerprints: [String],
                       logger: Logger) async throws -> [String: KeyOwner] {
        let rows = try await keys(connection, """
            SELECT \(unescaped: keyColumns) WHERE k.tenant_id = \(tenantID) AND k.fingerprint = ANY (\(fingerprints)::text[])
            """, logger: logger)
        return Dictionary(rows.map { ($0.fingerprint, KeyOwner(owner: $0.owner, seal: $0.seal)) }) { first, _ in first }
    }

    /// A person's key that may sign now (the newest, a key in the store before a token's).
    public func activeKey(tenantID: Int64, userID: Int64) async throws -> KeyRow? {
        let logger = self.logger
        let now = clock.now()
        return try await database.withTenant(tenantID) {
            try await Self.activeKey($0, tenantID: tenantID, userID: userID, at: now, logger: logger)
        }
    }

    /// `at`: the instant the key must be valid at (the injected clock's, not the database's).
    static func activeKey(_ connection: PostgresConnection, tenantID: Int64, userID: Int64? = nil, unitID: Int64? = nil,
                          at now: Int64, logger: Logger) async throws -> KeyRow? {
        try await keys(connection, """
            SELECT \(unescaped: keyColumns)
            WHERE k.tenant_id = \(tenantID) AND k.state = 'active'
              AND k.not_after >= to_timestamp(\(Double(now))) AND k.not_before <= to_timestamp(\(Double(now)))
              AND (k.owner_user_id = \(userID) OR k.owner_unit_id = \(unitID))
            ORDER BY k.key_ref IS NULL, k.not_after DESC LIMIT 1
            """, logger: logger).first
    }

    // MARK: - Manifests

    public func manifest(tenantID: Int64, versionID: Int64) async throws -> ManifestRow? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { try await Self.manifest($0, versionID: versionID, lock: false, logger: logger) }
    }

    static func manifest(_ connection: PostgresConnection, versionID: Int64, lock: Bool, logger: Logger) async throws -> ManifestRow? {
        try await connection.fetch("""
            SELECT version_id, obligation_id, xml, signatures, sealed, signature_state, problem FROM record_manifests
            WHERE version_id = \(versionID) \(unescaped: lock ? "FOR UPDATE" : "")
            """, (Int64, Int64, String, Int, Bool, String, String?).self, logger: logger).first.map {
            ManifestRow(versionID: $0.0, obligationID: $0.1, xml: $0.2, signatures: $0.3, sealed: $0.4,
                        state: SignatureState(rawValue: $0.5) ?? .invalid, problem: $0.6)
        }
    }

    /// The facts a version's manifest states, from the database.
    static func facts(_ connection: PostgresConnection, tenantID: Int64, row: ObligationRow, type: RecordType, versionID: Int64,
                      issuedAt: Int64, logger: Logger) async throws -> RecordManifest {
        guard let version = try await connection.fetch("""
            SELECT t.code, t.name_vi, v.version, v.sha256, v.size, v.media_type, v.filename, u.login, u.display_name,
                   extract(epoch FROM v.uploaded_at)::bigint
            FROM record_versions v JOIN tenants t ON t.id = v.tenant_id JOIN users u ON u.id = v.uploaded_by
            WHERE v.id = \(versionID) AND v.tenant_id = \(tenantID)
            """, (String, String, Int, String, Int64, String, String, String, String, Int64).self, logger: logger).first
        else { throw HosoError("record.not_found") }
        let documents = try await RecordStore.documents(connection, tenantID: tenantID, versionIDs: [versionID], logger: logger)
        let more = (documents[versionID] ?? []).filter { $0.position > 1 }.map {
            RecordManifest.Document(sha256: $0.sha256, size: $0.size, mediaType: $0.mediaType, filename: $0.filename)
        }
        return RecordManifest(
            tenant: .init(code: version.0, name: version.1), unit: .init(code: row.unitCode, name: row.unitNameVi),
            recordType: .init(code: row.recordType, name: row.typeNameVi),
            period: .init(schoolYear: row.schoolYear, kind: row.periodKind, number: row.periodNumber, first: row.periodFirst, last: row.periodLast),
            obligationID: row.id, version: version.2,
            document: .init(sha256: version.3, size: version.4, mediaType: version.5, filename: version.6),
            submitted: .init(login: version.7, name: version.8, role: type.submitter.rawValue, at: version.9),
            chain: try await manifestChain(connection, type: type, obligationID: row.id, logger: logger),
            sealRequired: type.chain.sealRequired, issuedAt: issuedAt, moreDocuments: more,
            submissionSignatureRequired: type.submissionSignatureRequired)
    }

    /// The facts of a version's manifest (for one made before any signature, e.g. to export).
    public func facts(tenantID: Int64, obligationID: Int64, versionID: Int64) async throws -> RecordManifest {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            guard let row = try await ObligationStore.rows(connection, "\(unescaped: ObligationStore.select) WHERE o.tenant_id = \(tenantID) AND o.id = \(obligationID)",
                                                           logger: logger).first else { throw HosoError("record.not_found") }
            let type = try await RuleSetStore.recordType(connection, ruleSetID: row.ruleSetID, code: row.recordType, logger: logger)
            return try await Self.facts(connection, tenantID: tenantID, row: row, type: type, versionID: versionID,
                                        issuedAt: clock.now(), logger: logger)
        }
    }

    /// Keeps a version's manifest once written (the first export or signature writes it).
    public func keep(tenantID: Int64, versionID: Int64, obligationID: Int64, xml: String) async throws -> ManifestRow {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.run("""
                INSERT INTO record_manifests (tenant_id, version_id, obligation_id, xml) VALUES (\(tenantID), \(versionID), \(obligationID), \(xml))
                ON CONFLICT (version_id) DO NOTHING
                """, logger: logger)
            return try await Self.manifest(connection, versionID: versionID, lock: false, logger: logger)!
        }
    }

    public func signatures(tenantID: Int64, versionID: Int64) async throws -> [SignatureRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT s.position, s.kind, s.step, s.role, coalesce(u.display_name, un.name_vi, ''), s.fingerprint, s.serial, s.common_name,
                       s.algorithm, extract(epoch FROM s.signed_at)::bigint, s.made_by
                FROM record_signatures s LEFT JOIN users u ON u.id = s.signer_user_id LEFT JOIN units un ON un.id = s.signer_unit_id
                WHERE s.tenant_id = \(tenantID) AND s.version_id = \(versionID) ORDER BY s.position
                """, (Int, String, Int, String, String, String, String, String, String, Int64, String).self, logger: logger).map {
                SignatureRow(position: $0.0, kind: $0.1, step: $0.2, role: $0.3, signer: $0.4, fingerprint: $0.5, serial: $0.6,
                             commonName: $0.7, algorithm: $0.8, signedAt: $0.9, madeBy: $0.10)
            }
        }
    }

    /// Records the outcome of a fresh verification (a page view, `hoso verify --store`, an export):
    /// a manifest or document found tampered turns the record's state to invalid, and back.
    public func recordCheck(tenantID: Int64, versionID: Int64, state: SignatureState, problem: String?) async throws {
        let logger = self.logger
        try await database.withTenant(tenantID) { connection in
            guard let current = try await Self.manifest(connection, versionID: versionID, lock: true, logger: logger) else { return }
            try await connection.run("""
                UPDATE record_manifests SET signature_state = \(state.rawValue), problem = \(problem), checked_at = now() WHERE version_id = \(versionID)
                """, logger: logger)
            try await connection.run("""
                UPDATE obligations SET signature_state = \(state.rawValue) WHERE id = \(current.obligationID) AND current_version_id = \(versionID)
                  AND signature_state <> \(state.rawValue)
                """, logger: logger)
            if current.state != state {
                try await AuditStore.append(tenantID: tenantID, AuditEvent(
                    actorUserID: nil, actorLogin: nil, action: "signature.state", unitID: nil, subject: "obligation:\(current.obligationID)",
                    details: ["version_id": String(versionID), "state": state.rawValue, "problem": problem ?? ""]), on: connection, logger: logger)
            }
        }
    }

    /// Signed and invalid current versions in a unit's subtree for a school year, along the tree
    /// as it stood or as it is (the rows the obligations' trigger keeps, migrations 0006 and 0011).
    public func counts(tenantID: Int64, unitID: Int64, schoolYear: String, basis: TreeBasis = .now) async throws -> [SignatureState: Int] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            let row = try await connection.fetch("""
                SELECT coalesce(sum(signed), 0)::int, coalesce(sum(invalid), 0)::int FROM signature_counts
                WHERE tenant_id = \(tenantID) AND unit_id = \(unitID) AND school_year = \(schoolYear)
                  AND basis::text = ANY (\(basis.storedBases))
                """, (Int, Int).self, logger: logger).first
            return [.signed: row?.0 ?? 0, .invalid: row?.1 ?? 0]
        }
    }

    // MARK: - Inside an approval

    /// The approvals of a version since it was last submitted, in order: what a new signature
    /// states came before it.
    public func priorApprovals(tenantID: Int64, obligationID: Int64, versionID: Int64) async throws -> [SignatureClaim.Prior] {
        let logger = self.logger
        return try await database.withTenant(tenantID) {
            try await Self.priorApprovals($0, obligationID: obligationID, versionID: versionID, logger: logger)
        }
    }

    static func priorApprovals(_ connection: PostgresConnection, obligationID: Int64, versionID: Int64,
                               logger: Logger) async throws -> [SignatureClaim.Prior] {
        try await connection.fetch("""
            SELECT e.step, e.actor_role, coalesce(u.display_name, ''), extract(epoch FROM e.at)::bigint, e.signed
            FROM workflow_events e LEFT JOIN users u ON u.id = e.actor_user_id
            WHERE e.obligation_id = \(obligationID) AND e.version_id = \(versionID) AND e.kind = 'approve'
              AND e.id > coalesce((SELECT max(id) FROM workflow_events WHERE obligation_id = \(obligationID) AND kind = 'submit'), 0)
            ORDER BY e.id
            """, (Int?, String?, String, Int64, Bool).self, logger: logger).map {
            SignatureClaim.Prior(step: ($0.0 ?? 0) + 1, role: $0.1 ?? "", name: $0.2, at: $0.3, signed: $0.4)
        }
    }

    /// Runs `step` for the locked obligation and stores what it made. Called by `RecordStore` in
    /// the approval's transaction, after the workflow allowed the approval.
    static func sign(_ connection: PostgresConnection, actor: Actor, locked: RecordStore.Locked, stepIndex: Int,
                     signing: SigningStep, now: Int64, logger: Logger) async throws -> SignedManifest {
        let tenantID = actor.tenantID
        guard let versionID = locked.row.currentVersionID else { throw HosoError("signature.no_version") }
        let stored = try await manifest(connection, versionID: versionID, lock: true, logger: logger)
        let facts = try await Self.facts(connection, tenantID: tenantID, row: locked.row, type: locked.type, versionID: versionID,
                                         issuedAt: now, logger: logger)
        let prior = try await priorApprovals(connection, obligationID: locked.row.id, versionID: versionID, logger: logger)
        let name = try await connection.fetch("SELECT display_name FROM users WHERE id = \(actor.userID)", String.self, logger: logger).first ?? actor.login
        let last = stepIndex == locked.type.chain.steps.count - 1
        // The clerk's seal step seals; a chain without one (`seal: automatic`) seals with its last approval.
        let sealStep = locked.type.chain.sealStepIndex == stepIndex
        let sealDue = sealStep || (last && locked.type.chain.sealAutomatic)
        var context = SigningContext(
            manifestXML: stored?.xml, facts: facts, signatures: stored?.signatures ?? 0, step: stepIndex + 1,
            role: locked.type.chain.steps[stepIndex].role, signer: (actor.login, name), prior: prior,
            personalKey: try await activeKey(connection, tenantID: tenantID, userID: actor.userID, at: now, logger: logger),
            sealKey: sealDue ? try await activeKey(connection, tenantID: tenantID, unitID: locked.row.unitID, at: now, logger: logger) : nil,
            sealDue: sealDue,
            rootsPEM: Self.bundle(try await Self.roots(connection, tenantID: tenantID, logger: logger)),
            owners: { fingerprints in try await Self.owners(connection, tenantID: tenantID, fingerprints: fingerprints, logger: logger) },
            now: now)
        if sealStep { context.kind = .seal }
        return try await store(connection, actor: actor, locked: locked, versionID: versionID, stored: stored,
                               signed: try await signing(context), logger: logger)
    }

    /// Stores what a signing step made: one `record_signatures` row and one audit entry per new
    /// signature, the manifest, the obligation's signature state.
    static func store(_ connection: PostgresConnection, actor: Actor, locked: RecordStore.Locked, versionID: Int64, stored: ManifestRow?,
                      signed: SignedManifest, logger: Logger) async throws -> SignedManifest {
        let tenantID = actor.tenantID
        let start = stored?.signatures ?? 0
        for (offset, added) in signed.added.enumerated() {
            let seal = added.claim.kind == .seal
            try await connection.run("""
                INSERT INTO record_signatures (tenant_id, version_id, position, kind, step, role, signer_user_id, signer_unit_id, key_id, fingerprint,
                                               serial, common_name, algorithm, signed_at, made_by)
                VALUES (\(tenantID), \(versionID), \(start + offset + 1), \(added.claim.kind.rawValue), \(added.claim.step), \(added.claim.role),
                        \(seal ? nil : actor.userID), \(seal ? locked.row.unitID : nil), \(added.keyID), \(added.certificate.fingerprint),
                        \(added.certificate.serial), \(added.certificate.commonName), \(added.algorithm),
                        to_timestamp(\(Double(added.claim.signingTime))), \(added.madeBy))
                """, logger: logger)
            try await AuditStore.append(tenantID: tenantID, AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login,
                action: seal ? "record.seal" : added.claim.kind == .submission ? "record.sign_submission" : "record.sign",
                unitID: locked.row.unitID,
                subject: "obligation:\(locked.row.id)",
                details: ["version_id": String(versionID), "step": String(added.claim.step), "fingerprint": added.certificate.fingerprint,
                          "serial": added.certificate.serial, "made_by": added.madeBy]), on: connection, logger: logger)
        }
        let count = start + signed.added.count
        if stored == nil {
            try await connection.run("""
                INSERT INTO record_manifests (tenant_id, version_id, obligation_id, xml, signatures, sealed, signature_state, checked_at)
                VALUES (\(tenantID), \(versionID), \(locked.row.id), \(signed.xml), \(count), \(signed.sealed), 'signed', now())
                """, logger: logger)
        } else {
            try await connection.run("""
                UPDATE record_manifests SET xml = \(signed.xml), signatures = \(count), sealed = \(signed.sealed), signature_state = 'signed',
                       problem = NULL, updated_at = now(), checked_at = now()
                WHERE version_id = \(versionID)
                """, logger: logger)
        }
        try await connection.run("UPDATE obligations SET signature_state = 'signed' WHERE id = \(locked.row.id)", logger: logger)
        return signed
    }
}
