import Foundation
import HosoCore
import Logging
import PostgresNIO

public struct VersionRow: Sendable, Equatable {
    public let id: Int64
    public let obligationID: Int64
    public let version: Int
    public let sha256: String
    public let size: Int64
    public let mediaType: String
    public let format: String
    public let filename: String
    public let uploadedBy: String
    public let uploadedAt: Int64
    public let supersededAt: Int64?
    public let correctionID: Int64?
}

public struct EventRow: Sendable, Equatable {
    public let id: Int64
    public let kind: String
    public let step: Int?
    public let actorName: String
    public let actorRole: String?
    public let comment: String?
    public let signed: Bool
    public let at: Int64
    public let versionID: Int64?
}

public struct CorrectionRow: Sendable, Equatable {
    public let id: Int64
    public let obligationID: Int64
    public let requestedBy: String
    public let reason: String
    public let requestedAt: Int64
    public let state: String
    public let decidedBy: String?
    public let decidedAt: Int64?
    /// The minutes' JSON: witnesses and text.
    public let minutes: String?
}

public struct WindowRow: Sendable, Equatable {
    public let id: Int64
    public let recordType: String
    public let periodKind: String?
    public let periodNumber: Int?
    public let isOpen: Bool
    public let orderedBy: String
    public let setBy: String
    public let note: String?
    public let at: Int64
}

/// Minutes of a correction: who witnessed it (the leader, the system administrator, the
/// requester) and what was decided.
public struct CorrectionMinutes: Sendable, Equatable, Codable {
    public let leader: String
    public let administrator: String
    public let requester: String
    public let text: String
    public init(leader: String, administrator: String, requester: String, text: String) {
        self.leader = leader
        self.administrator = administrator
        self.requester = requester
        self.text = text
    }
}

/// The record workflow in the database: every event locks its obligation row, checks the actor's
/// scope and the workflow's rules on what it read, and writes the new state, the status, the
/// event and the audit entry in one transaction. Of two people acting at once, the second reads
/// the first one's result and gets a conflict.
public struct RecordStore: Sendable {
    let database: Database
    let logger: Logger
    let policy = Policy()

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public enum Decision: Sendable {
        case approve(step: Int)
        case returnToSubmitter(step: Int, comment: String)
        case lock
    }

    struct Locked {
        let row: ObligationRow
        let type: RecordType
        let roles: Set<Role>
        let unitPath: String
    }

    /// The obligation, locked for this transaction, if the actor may do `action` on its unit.
    static func lock(_ connection: PostgresConnection, _ actor: Actor, _ id: Int64, _ action: Action, policy: Policy,
                     revision: Int?, logger: Logger) async throws -> Locked {
        guard let row = try await ObligationStore.rows(connection, """
            \(unescaped: ObligationStore.select) WHERE o.tenant_id = \(actor.tenantID) AND o.id = \(id) FOR UPDATE OF o
            """, logger: logger).first,
              let path = try await connection.fetch("SELECT path::text FROM units WHERE id = \(row.unitID)", String.self, logger: logger).first
        else { throw HosoError("record.not_found") }
        let ancestry = path.split(separator: ".").compactMap { Int64($0) }
        switch policy.decide(actor, action, on: UnitPosition(tenantID: actor.tenantID, unitID: row.unitID, ancestry: ancestry)) {
        case .allowed: break
        case .outOfScope: throw HosoError("record.not_found")
        case .forbidden: throw HosoError("scope.forbidden")
        }
        if let revision, revision != row.revision { throw HosoError("workflow.stale", ["revision": String(row.revision)]) }
        let type = try await RuleSetStore.recordType(connection, ruleSetID: row.ruleSetID, code: row.recordType, logger: logger)
        let roles = Set(actor.grants.filter { ancestry.contains($0.unitID) }.map(\.role))
        return Locked(row: row, type: type, roles: roles, unitPath: path)
    }

    static func write(_ connection: PostgresConnection, _ actor: Actor, _ locked: Locked, state: RecordWorkflow.State,
                      status: ObligationStatus, extra: PostgresQuery? = nil, logger: Logger) async throws {
        let stored = state.stored
        let awaiting: String? = if case .awaitingStep(let step) = state { locked.type.chain.steps[step].role.rawValue } else { nil }
        try await connection.run("""
            UPDATE obligations SET state = \(stored.name), step = \(stored.step), awaiting_role = \(awaiting), status = \(status.rawValue),
                   revision = revision + 1, last_event_at = now()
            WHERE id = \(locked.row.id)
            """, logger: logger)
    }

    static func event(_ connection: PostgresConnection, _ actor: Actor, _ locked: Locked, kind: String, step: Int? = nil, role: Role?,
                      comment: String? = nil, versionID: Int64? = nil, signed: Bool = false, details: [String: String] = [:],
                      logger: Logger) async throws {
        try await connection.run("""
            INSERT INTO workflow_events (tenant_id, obligation_id, version_id, kind, step, actor_user_id, actor_role, comment, signed)
            VALUES (\(actor.tenantID), \(locked.row.id), \(versionID), \(kind), \(step), \(actor.userID), \(role?.rawValue), \(comment), \(signed))
            """, logger: logger)
        var all = details
        all["record_type"] = locked.row.recordType
        all["period"] = "\(locked.row.periodKind):\(locked.row.periodNumber)"
        if let step { all["step"] = String(step + 1) }
        if let comment { all["comment"] = comment }
        try await AuditStore.append(tenantID: actor.tenantID, AuditEvent(
            actorUserID: actor.userID, actorLogin: actor.login, action: "record." + kind, unitID: locked.row.unitID,
            subject: "obligation:\(locked.row.id)", details: all
        ), on: connection, logger: logger)
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    // MARK: - Submit

    /// Records a new version of the obligation's document. `blob` is already committed to the
    /// blob store (synced), so the row this commits never names missing content.
    public func submit(_ actor: Actor, obligationID: Int64, blob: StagedBlob, format: FileFormat, filename: String,
                       revision: Int? = nil) async throws -> VersionRow {
        let logger = self.logger
        let policy = self.policy
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, obligationID, .submitRecords, policy: policy, revision: revision, logger: logger)
            try await Self.checkSubmittable(connection, actor, locked, logger: logger)
            guard locked.type.formats.contains(format) else {
                throw HosoError("upload.format_not_accepted", ["formats": locked.type.formats.map(\.rawValue).joined(separator: ", ")])
            }
            guard blob.size <= locked.type.maxBytes else { throw HosoError("upload.too_large", ["limit": String(locked.type.maxBytes / 1024 / 1024)]) }
            let next = try locked.type.workflow.apply(.submit, to: locked.row.state, by: locked.roles)
            try await connection.run("""
                INSERT INTO blobs (tenant_id, sha256, size, media_type) VALUES (\(actor.tenantID), \(blob.sha256), \(blob.size), \(format.mediaType))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            var correctionID: Int64?
            if locked.row.state == .correcting {
                correctionID = try await connection.fetch("""
                    SELECT id FROM corrections WHERE obligation_id = \(obligationID) AND state = 'consented' ORDER BY id DESC LIMIT 1
                    """, Int64.self, logger: logger).first
                try await connection.run("""
                    UPDATE record_versions SET superseded_at = now() WHERE obligation_id = \(obligationID) AND superseded_at IS NULL
                    """, logger: logger)
            }
            let number = (try await connection.fetch("SELECT coalesce(max(version), 0) FROM record_versions WHERE obligation_id = \(obligationID)",
                                                      Int.self, logger: logger).first ?? 0) + 1
            guard let versionID = try await connection.fetch("""
                INSERT INTO record_versions (tenant_id, obligation_id, version, sha256, size, media_type, format, filename, uploaded_by, correction_id)
                VALUES (\(actor.tenantID), \(obligationID), \(number), \(blob.sha256), \(blob.size), \(format.mediaType), \(format.rawValue),
                        \(filename), \(actor.userID), \(correctionID))
                RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            let now = Self.now()
            let status = ObligationStatus.of(state: next, exempt: false, submittedAt: locked.row.firstSubmittedAt ?? now,
                                             dueAt: locked.row.dueAt, now: now)
            try await Self.write(connection, actor, locked, state: next, status: status, logger: logger)
            try await connection.run("""
                UPDATE obligations SET current_version_id = \(versionID), first_submitted_at = coalesce(first_submitted_at, now()), signature_state = 'unsigned'
                WHERE id = \(obligationID)
                """, logger: logger)
            try await Self.event(connection, actor, locked, kind: "submit", role: locked.type.submitter, versionID: versionID,
                                 details: ["version": String(number), "sha256": blob.sha256, "size": String(blob.size), "filename": filename],
                                 logger: logger)
            guard let version = try await Self.versions(connection, id: versionID, logger: logger).first else {
                throw HosoError("store.insert_failed")
            }
            return version
        }
    }

    /// Whether the actor may submit this item now (before any byte is stored, and again in the
    /// transaction that records it).
    public func checkSubmittable(_ actor: Actor, obligationID: Int64) async throws -> RecordType {
        let logger = self.logger
        let policy = self.policy
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, obligationID, .submitRecords, policy: policy, revision: nil, logger: logger)
            try await Self.checkSubmittable(connection, actor, locked, logger: logger)
            _ = try locked.type.workflow.apply(.submit, to: locked.row.state, by: locked.roles)
            return locked.type
        }
    }

    static func checkSubmittable(_ connection: PostgresConnection, _ actor: Actor, _ locked: Locked, logger: Logger) async throws {
        let row = locked.row
        if row.withdrawn { throw HosoError("record.withdrawn") }
        if row.exemptReason != nil { throw HosoError("record.exempt") }
        if locked.type.storage == .paper { throw HosoError("record.paper") }
        // A person's book is theirs to submit; a group's, its members'.
        // Someone who is only a teacher here does not even see another teacher's item.
        if let owner = row.ownerUserID, owner != actor.userID {
            throw HosoError(locked.roles.subtracting([.teacher]).isEmpty ? "record.not_found" : "record.not_owner")
        }
        if row.ownerKey.hasPrefix("group:") {
            let member = try await connection.fetch("""
                SELECT EXISTS (SELECT 1 FROM group_members m JOIN obligations o ON o.owner_group_id = m.group_id
                               WHERE o.id = \(row.id) AND m.user_id = \(actor.userID) AND (m.valid_to IS NULL OR m.valid_to >= current_date))
                """, Bool.self, logger: logger).first ?? false
            if !member && !locked.roles.contains(.principal) { throw HosoError("record.not_owner") }
        }
        let window = try await connection.fetch("""
            SELECT is_open FROM entry_windows
            WHERE tenant_id = \(actor.tenantID) AND unit_id = \(row.unitID) AND school_year = \(row.schoolYear) AND record_type = \(row.recordType)
              AND (period_kind IS NULL OR (period_kind = \(row.periodKind) AND period_number = \(row.periodNumber)))
            ORDER BY id DESC LIMIT 1
            """, Bool.self, logger: logger).first
        if window == false || (locked.type.entryWindow && window != true) { throw HosoError("window.closed") }
    }

    // MARK: - Approve, return, lock

    /// `signing`, for an approval: signs the manifest in this transaction (the approval then counts
    /// as signed, which a step marked "signature required" needs).
    public func decide(_ actor: Actor, obligationID: Int64, _ decision: Decision, revision: Int? = nil,
                       signing: SigningStep? = nil) async throws -> ObligationRow {
        let logger = self.logger
        let policy = self.policy
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, obligationID, .reviewRecords, policy: policy, revision: revision, logger: logger)
            let workflow = locked.type.workflow
            let now = Self.now()
            switch decision {
            case .approve(let step), .returnToSubmitter(let step, _):
                // A subject-group head approves their own groups' teachers.
                if case .awaitingStep(let current) = locked.row.state, current == step,
                   workflow.chain.steps[step].role == .subjectGroupHead, let owner = locked.row.ownerUserID {
                    let headship = try await PeopleStore.headship(connection, tenantID: actor.tenantID, userID: actor.userID,
                                                                  ownerUserID: owner, logger: logger)
                    if headship.headsAny && !headship.headsOwner { throw HosoError("workflow.not_your_group") }
                }
            case .lock: break
            }
            let next: RecordWorkflow.State
            let kind: String
            var step: Int?
            var comment: String?
            var signed: SignedManifest?
            switch decision {
            case .approve(let index):
                next = try workflow.apply(.approve(step: index, signed: signing != nil), to: locked.row.state, by: locked.roles)
                kind = "approve"
                step = index
                if let signing {
                    signed = try await SignatureStore.sign(connection, actor: actor, locked: locked, stepIndex: index, signing: signing, logger: logger)
                }
            case .returnToSubmitter(let index, let text):
                let trimmed = Text.trimmed(text)
                guard trimmed.count <= 2000 else { throw HosoError("workflow.comment_too_long") }
                next = try workflow.apply(.returnToSubmitter(step: index, comment: trimmed), to: locked.row.state, by: locked.roles)
                kind = "return"
                step = index
                comment = trimmed
            case .lock:
                next = try workflow.apply(.lock, to: locked.row.state, by: locked.roles)
                kind = "lock"
                // A book whose chain asks for signatures is sealed by the school before it is locked.
                if locked.type.chain.sealRequired, let version = locked.row.currentVersionID {
                    let manifest = try await SignatureStore.manifest(connection, versionID: version, lock: false, logger: logger)
                    guard let manifest, manifest.sealed, manifest.state == .signed else { throw HosoError("workflow.seal_required") }
                }
            }
            let role: Role? = step.map { workflow.chain.steps[$0].role } ?? (locked.roles.contains(.principal) ? .principal : workflow.chain.steps.last?.role)
            let complete: Bool
            // Only an approved record counts as signed or not; other states ignore it.
            if let signed { complete = signed.complete }
            else if next == .approved { complete = try await Self.signedComplete(connection, locked, logger: logger) }
            else { complete = false }
            let status = ObligationStatus.of(state: next, exempt: false, submittedAt: locked.row.firstSubmittedAt, dueAt: locked.row.dueAt, now: now,
                                             signed: complete)
            try await Self.write(connection, actor, locked, state: next, status: status, logger: logger)
            if case .lock = decision {
                try await connection.run("UPDATE corrections SET state = 'completed' WHERE obligation_id = \(obligationID) AND state = 'consented'",
                                         logger: logger)
            }
            try await Self.event(connection, actor, locked, kind: kind, step: step, role: role, comment: comment,
                                 versionID: locked.row.currentVersionID, signed: signed != nil, logger: logger)
            return try await ObligationStore.rows(connection, "\(unescaped: ObligationStore.select) WHERE o.id = \(obligationID)", logger: logger)[0]
        }
    }

    /// Whether the current version's manifest carries every signature its chain needs (an approval
    /// made without a signature on a step that does not need one keeps an earlier complete set).
    static func signedComplete(_ connection: PostgresConnection, _ locked: Locked, logger: Logger) async throws -> Bool {
        guard locked.type.chain.sealRequired, let version = locked.row.currentVersionID else { return false }
        let manifest = try await SignatureStore.manifest(connection, versionID: version, lock: false, logger: logger)
        return manifest.map { $0.sealed && $0.state == .signed } ?? false
    }

    // MARK: - Exemptions

    public func exempt(_ actor: Actor, obligationID: Int64, reason: String?) async throws -> ObligationRow {
        let logger = self.logger
        let policy = self.policy
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, obligationID, .exemptObligations, policy: policy, revision: nil, logger: logger)
            let now = Self.now()
            if let reason {
                let trimmed = Text.trimmed(reason)
                guard !trimmed.isEmpty else { throw HosoError("obligation.reason_required") }
                guard trimmed.count <= 1000 else { throw HosoError("obligation.reason_too_long") }
                switch locked.row.state {
                case .open, .returned: break
                default: throw HosoError("obligation.not_exemptable")
                }
                guard locked.row.exemptReason == nil else { throw HosoError("obligation.already_exempt") }
                try await connection.run("""
                    UPDATE obligations SET exempt_reason = \(trimmed), exempted_by = \(actor.userID), exempted_at = now(), status = 'exempt',
                           revision = revision + 1, last_event_at = now()
                    WHERE id = \(obligationID)
                    """, logger: logger)
                try await Self.event(connection, actor, locked, kind: "exempt", role: .principal, comment: trimmed, logger: logger)
            } else {
                guard locked.row.exemptReason != nil else { throw HosoError("obligation.not_exempt") }
                let status = ObligationStatus.of(state: locked.row.state, exempt: false, submittedAt: locked.row.firstSubmittedAt,
                                                 dueAt: locked.row.dueAt, now: now)
                try await connection.run("""
                    UPDATE obligations SET exempt_reason = NULL, exempted_by = NULL, exempted_at = NULL, status = \(status.rawValue),
                           revision = revision + 1, last_event_at = now()
                    WHERE id = \(obligationID)
                    """, logger: logger)
                try await Self.event(connection, actor, locked, kind: "unexempt", role: .principal, logger: logger)
            }
            return try await ObligationStore.rows(connection, "\(unescaped: ObligationStore.select) WHERE o.id = \(obligationID)", logger: logger)[0]
        }
    }

    // MARK: - Corrections

    public func requestCorrection(_ actor: Actor, obligationID: Int64, reason: String) async throws -> Int64 {
        let logger = self.logger
        let policy = self.policy
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.lock(connection, actor, obligationID, .submitRecords, policy: policy, revision: nil, logger: logger)
            let trimmed = Text.trimmed(reason)
            guard !trimmed.isEmpty else { throw HosoError("workflow.reason_required") }
            guard trimmed.count <= 2000 else { throw HosoError("workflow.comment_too_long") }
            guard locked.row.state == .locked else { throw HosoError("workflow.not_locked") }
            let pending: Int64 = try await connection.fetch("""
                SELECT count(*) FROM corrections WHERE obligation_id = \(obligationID) AND state IN ('requested', 'consented')
                """, Int64.self, logger: logger).first ?? 0
            guard pending == 0 else { throw HosoError("correction.already_requested") }
            guard let id = try await connection.fetch("""
                INSERT INTO corrections (tenant_id, obligation_id, requested_by, reason) VALUES (\(actor.tenantID), \(obligationID), \(actor.userID), \(trimmed))
                RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            try await Self.event(connection, actor, locked, kind: "correction_request", role: locked.roles.sorted().first, comment: trimmed,
                                 details: ["correction": String(id)], logger: logger)
            return id
        }
    }

    /// The principal consents (with the minutes) or refuses. Consent reopens the book for a new version.
    public func decideCorrection(_ actor: Actor, correctionID: Int64, consent: Bool, minutes: CorrectionMinutes?) async throws -> ObligationRow {
        let logger = self.logger
        let policy = self.policy
        return try await database.withTenant(actor.tenantID) { connection in
            guard let (obligationID, reason, state) = try await connection.fetch("""
                SELECT obligation_id, reason, state FROM corrections WHERE tenant_id = \(actor.tenantID) AND id = \(correctionID) FOR UPDATE
                """, (Int64, String, String).self, logger: logger).first else { throw HosoError("record.not_found") }
            let locked = try await Self.lock(connection, actor, obligationID, .consentCorrection, policy: policy, revision: nil, logger: logger)
            guard state == "requested" else { throw HosoError("correction.already_decided") }
            if consent {
                guard let minutes, ![minutes.leader, minutes.administrator, minutes.requester].contains(where: { Text.trimmed($0).isEmpty }) else {
                    throw HosoError("correction.witnesses_required")
                }
                let next = try locked.type.workflow.apply(.openCorrection(reason: reason, consentedBy: .principal), to: locked.row.state, by: locked.roles)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let json = String(decoding: try encoder.encode(minutes), as: UTF8.self)
                try await connection.run("""
                    UPDATE corrections SET state = 'consented', decided_by = \(actor.userID), decided_at = now(), minutes = \(json)::jsonb,
                           superseded_version_id = \(locked.row.currentVersionID)
                    WHERE id = \(correctionID)
                    """, logger: logger)
                try await Self.write(connection, actor, locked, state: next, status: .returned, logger: logger)
                try await Self.event(connection, actor, locked, kind: "correction_consent", role: .principal, comment: minutes.text,
                                     details: ["correction": String(correctionID), "leader": minutes.leader,
                                               "administrator": minutes.administrator, "requester": minutes.requester], logger: logger)
            } else {
                try await connection.run("""
                    UPDATE corrections SET state = 'refused', decided_by = \(actor.userID), decided_at = now() WHERE id = \(correctionID)
                    """, logger: logger)
                try await Self.event(connection, actor, locked, kind: "correction_refuse", role: .principal,
                                     details: ["correction": String(correctionID)], logger: logger)
            }
            return try await ObligationStore.rows(connection, "\(unescaped: ObligationStore.select) WHERE o.id = \(obligationID)", logger: logger)[0]
        }
    }

    // MARK: - Entry windows

    public func setWindow(_ actor: Actor, unit: StoredUnit, schoolYear: String, recordType: String, period: (kind: String, number: Int)?,
                          open: Bool, orderedBy: String, note: String?) async throws -> Int64 {
        let logger = self.logger
        guard policy.allows(actor, .manageEntryWindows, on: unit.position) else { throw HosoError("scope.forbidden") }
        let order = Text.trimmed(orderedBy)
        guard !order.isEmpty else { throw HosoError("window.order_required") }
        guard order.count <= 300, (note ?? "").count <= 1000 else { throw HosoError("window.too_long") }
        return try await database.withTenant(actor.tenantID) { connection in
            guard let latest = try await RuleSetStore.latest(connection, tenantID: actor.tenantID, schoolYear: schoolYear, logger: logger) else {
                throw HosoError("obligations.no_rule_set", ["year": schoolYear])
            }
            guard latest.ruleSet.type(recordType) != nil else { throw HosoError("window.unknown_type", ["code": recordType]) }
            guard let id = try await connection.fetch("""
                INSERT INTO entry_windows (tenant_id, unit_id, school_year, record_type, period_kind, period_number, is_open, ordered_by, set_by, note)
                VALUES (\(actor.tenantID), \(unit.id), \(schoolYear), \(recordType), \(period?.kind), \(period?.number), \(open), \(order),
                        \(actor.userID), \(note))
                RETURNING id
                """, Int64.self, logger: logger).first else { throw HosoError("store.insert_failed") }
            try await AuditStore.append(tenantID: actor.tenantID, AuditEvent(
                actorUserID: actor.userID, actorLogin: actor.login, action: open ? "window.open" : "window.close", unitID: unit.id,
                subject: "window:\(id)", details: ["record_type": recordType, "school_year": schoolYear, "ordered_by": order,
                                                   "period": period.map { "\($0.kind):\($0.number)" } ?? "all"]
            ), on: connection, logger: logger)
            return id
        }
    }

    public func windows(tenantID: Int64, unitID: Int64, schoolYear: String) async throws -> [WindowRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT w.id, w.record_type, w.period_kind, w.period_number, w.is_open, w.ordered_by, u.display_name, w.note,
                       extract(epoch FROM w.at)::bigint
                FROM entry_windows w JOIN users u ON u.id = w.set_by
                WHERE w.tenant_id = \(tenantID) AND w.unit_id = \(unitID) AND w.school_year = \(schoolYear) ORDER BY w.id DESC LIMIT 200
                """, (Int64, String, String?, Int?, Bool, String, String, String?, Int64).self, logger: logger).map {
                WindowRow(id: $0.0, recordType: $0.1, periodKind: $0.2, periodNumber: $0.3, isOpen: $0.4, orderedBy: $0.5, setBy: $0.6,
                          note: $0.7, at: $0.8)
            }
        }
    }

    // MARK: - Reading a record

    /// One version by its id, or every version of an obligation (newest first).
    static func versions(_ connection: PostgresConnection, id versionID: Int64? = nil, obligation obligationID: Int64? = nil,
                         logger: Logger) async throws -> [VersionRow] {
        try await connection.fetch("""
            SELECT v.id, v.obligation_id, v.version, v.sha256, v.size, v.media_type, v.format, v.filename, u.display_name,
                   extract(epoch FROM v.uploaded_at)::bigint, extract(epoch FROM v.superseded_at)::bigint, v.correction_id
            FROM record_versions v JOIN users u ON u.id = v.uploaded_by
            WHERE (\(versionID)::bigint IS NULL OR v.id = \(versionID)) AND (\(obligationID)::bigint IS NULL OR v.obligation_id = \(obligationID))
            ORDER BY v.version DESC
            """, (Int64, Int64, Int, String, Int64, String, String, String, String, Int64, Int64?, Int64?).self, logger: logger).map {
            VersionRow(id: $0.0, obligationID: $0.1, version: $0.2, sha256: $0.3, size: $0.4, mediaType: $0.5, format: $0.6, filename: $0.7,
                       uploadedBy: $0.8, uploadedAt: $0.9, supersededAt: $0.10, correctionID: $0.11)
        }
    }

    public func versions(tenantID: Int64, obligationID: Int64) async throws -> [VersionRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.versions(connection, obligation: obligationID, logger: logger)
        }
    }

    public func version(tenantID: Int64, versionID: Int64) async throws -> VersionRow? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.versions(connection, id: versionID, logger: logger).first
        }
    }

    public func events(tenantID: Int64, obligationID: Int64) async throws -> [EventRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT e.id, e.kind, e.step, coalesce(u.display_name, ''), e.actor_role, e.comment, e.signed, extract(epoch FROM e.at)::bigint, e.version_id
                FROM workflow_events e LEFT JOIN users u ON u.id = e.actor_user_id
                WHERE e.tenant_id = \(tenantID) AND e.obligation_id = \(obligationID) ORDER BY e.id
                """, (Int64, String, Int?, String, String?, String?, Bool, Int64, Int64?).self, logger: logger).map {
                EventRow(id: $0.0, kind: $0.1, step: $0.2, actorName: $0.3, actorRole: $0.4, comment: $0.5, signed: $0.6, at: $0.7, versionID: $0.8)
            }
        }
    }

    public func corrections(tenantID: Int64, obligationID: Int64) async throws -> [CorrectionRow] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT c.id, c.obligation_id, r.display_name, c.reason, extract(epoch FROM c.requested_at)::bigint, c.state, d.display_name,
                       extract(epoch FROM c.decided_at)::bigint, c.minutes::text
                FROM corrections c JOIN users r ON r.id = c.requested_by LEFT JOIN users d ON d.id = c.decided_by
                WHERE c.tenant_id = \(tenantID) AND c.obligation_id = \(obligationID) ORDER BY c.id DESC
                """, (Int64, Int64, String, String, Int64, String, String?, Int64?, String?).self, logger: logger).map {
                CorrectionRow(id: $0.0, obligationID: $0.1, requestedBy: $0.2, reason: $0.3, requestedAt: $0.4, state: $0.5, decidedBy: $0.6,
                              decidedAt: $0.7, minutes: $0.8)
            }
        }
    }
}
