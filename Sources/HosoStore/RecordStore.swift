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

/// The record workflow in the database: every event locks its obligation row, reads the facts
/// its decision needs (`RecordSnapshot`), asks `RecordDecisions`, and writes the new state, the
/// status, the event and the audit entry in one transaction. Of two people acting at once, the
/// second reads the first one's result and gets a conflict. Nothing here decides.
public struct RecordStore: Sendable {
    let database: Database
    let logger: Logger
    let clock: any WallClock

    public init(database: Database, logger: Logger, clock: any WallClock = SystemClock()) {
        self.database = database
        self.logger = logger
        self.clock = clock
    }

    public enum Decision: Sendable {
        case approve(step: Int)
        case returnToSubmitter(step: Int, comment: String)
        case lock
    }

    struct Locked {
        let row: ObligationRow
        let snapshot: RecordSnapshot
        var type: RecordType { snapshot.type }
        /// The actor's roles over the record's unit.
        var roles: Set<Role> { snapshot.actorRoles }
    }

    /// The obligation and what its decisions look at, locked for this transaction when
    /// `forUpdate` (every write), read as it is otherwise (to offer actions on a page).
    static func load(_ connection: PostgresConnection, _ actor: Actor, _ id: Int64, forUpdate: Bool,
                     logger: Logger) async throws -> Locked {
        let lock = forUpdate ? "FOR UPDATE OF o" : ""
        if forUpdate {
            // The tenant's audit-chain lock first, as every counter writer takes it (migration 0013):
            // one lock order for a record's workflow and a generation or an import of the same school.
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext(\("audit:" + String(actor.tenantID))))", logger: logger)
        }
        guard let row = try await ObligationStore.rows(connection, """
            \(unescaped: ObligationStore.select) WHERE o.tenant_id = \(actor.tenantID) AND o.id = \(id) \(unescaped: lock)
            """, logger: logger).first,
              let facts = try await connection.fetch("""
                SELECT (SELECT path::text FROM units WHERE id = o.unit_id),
                       EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = o.owner_group_id AND m.user_id = \(actor.userID)
                               AND (m.valid_to IS NULL OR m.valid_to >= current_date)),
                       EXISTS (SELECT 1 FROM group_members h WHERE h.tenant_id = o.tenant_id AND h.user_id = \(actor.userID)
                               AND h.is_head AND (h.valid_to IS NULL OR h.valid_to >= current_date)),
                       EXISTS (SELECT 1 FROM group_members h JOIN group_members m ON m.group_id = h.group_id
                               WHERE h.tenant_id = o.tenant_id AND h.user_id = \(actor.userID) AND h.is_head
                                 AND (h.valid_to IS NULL OR h.valid_to >= current_date)
                                 AND m.user_id = o.owner_user_id AND (m.valid_to IS NULL OR m.valid_to >= current_date)),
                       (SELECT w.is_open FROM entry_windows w
                        WHERE w.tenant_id = o.tenant_id AND w.unit_id = o.unit_id AND w.school_year = o.school_year
                          AND w.record_type = o.record_type
                          AND (w.period_kind IS NULL OR (w.period_kind = o.period_kind AND w.period_number = o.period_number))
                        ORDER BY w.id DESC LIMIT 1),
                       coalesce((SELECT r.sealed AND r.signature_state = 'signed' FROM record_manifests r
                                 WHERE r.version_id = o.current_version_id), false),
                       EXISTS (SELECT 1 FROM corrections c WHERE c.obligation_id = o.id AND c.state IN ('requested', 'consented')),
                       -- A closed school's records are read, never written.
                       coalesce((SELECT closes_on <= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date FROM units WHERE id = o.unit_id), false)
                FROM obligations o WHERE o.id = \(id)
                """, (String?, Bool, Bool, Bool, Bool?, Bool, Bool, Bool).self, logger: logger).first,
              let path = facts.0
        else { throw HosoError("record.not_found") }
        let ancestry = path.split(separator: ".").compactMap { Int64($0) }
        let type = try await RuleSetStore.recordType(connection, ruleSetID: row.ruleSetID, code: row.recordType, logger: logger)
        var snapshot = RecordSnapshot(
            actor: actor, unit: UnitPosition(tenantID: actor.tenantID, unitID: row.unitID, ancestry: ancestry, closed: facts.7), type: type,
            state: row.state, revision: row.revision, ownerUserID: row.ownerUserID, ownedByGroup: row.ownerKey.hasPrefix("group:"),
            actorInOwningGroup: facts.1, headship: GroupHeadship(headsAnyGroup: facts.2, headsOwnersGroup: facts.3),
            withdrawn: row.withdrawn, exempt: row.exemptReason != nil, window: facts.4, hasVersion: row.currentVersionID != nil,
            sealedAndSigned: facts.5, pendingCorrection: facts.6)
        if type.paperCopy != .none {
            snapshot.paperCopyFiled = try await PaperCopyStore.filed(
                connection, tenantID: actor.tenantID, obligationID: id, versionID: row.currentVersionID, logger: logger)
        }
        snapshot.signers = try await SignerStore.facts(connection, obligationID: id, logger: logger)
        if facts.6 {
            snapshot.correctionMinutesOutstanding = try await connection.fetch("""
                SELECT EXISTS (
                    SELECT 1 FROM corrections c
                    WHERE c.tenant_id = \(actor.tenantID) AND c.obligation_id = \(id) AND c.state = 'consented'
                      -- granted with witness accounts (a correction granted before minutes were documents has none)
                      AND EXISTS (SELECT 1 FROM correction_witnesses w0 WHERE w0.correction_id = c.id)
                      AND (NOT EXISTS (SELECT 1 FROM correction_minutes m WHERE m.correction_id = c.id)
                           OR EXISTS (SELECT 1 FROM correction_witnesses w
                                      WHERE w.correction_id = c.id
                                        AND NOT EXISTS (SELECT 1 FROM correction_confirmations f
                                                        WHERE f.correction_id = c.id AND f.user_id = w.user_id))))
                """, Bool.self, logger: logger).first ?? false
        }
        return Locked(row: row, snapshot: snapshot)
    }

    /// The record and what its decisions look at, as it is now (for pages: what to offer).
    public func snapshot(_ actor: Actor, obligationID: Int64) async throws -> (row: ObligationRow, snapshot: RecordSnapshot) {
        let logger = self.logger
        return try await database.withTenant(actor.tenantID) { connection in
            let loaded = try await Self.load(connection, actor, obligationID, forUpdate: false, logger: logger)
            return (loaded.row, loaded.snapshot)
        }
    }

    static func write(_ connection: PostgresConnection, _ locked: Locked, state: RecordWorkflow.State,
                      status: ObligationStatus, logger: Logger) async throws {
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

    // MARK: - Submit

    /// Records a new version of the obligation's document. `blob` is already committed to the
    /// blob store (synced), so the row this commits never names missing content.
    /// `more`: the version's further documents (already committed too), after the first.
    public func submit(_ actor: Actor, obligationID: Int64, blob: StagedBlob, format: FileFormat, filename: String,
                       revision: Int? = nil, more: [SubmittedDocument] = []) async throws -> VersionRow {
        let logger = self.logger
        let now = clock.now()
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.load(connection, actor, obligationID, forUpdate: true, logger: logger)
            let next = try RecordDecisions.submit(locked.snapshot, format: format, size: blob.size, revision: revision)
            try DocumentSet.check([(format, blob.size)] + more.map { ($0.format, $0.blob.size) }, type: locked.type)
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
            try await Self.insertDocuments(connection, tenantID: actor.tenantID, versionID: versionID,
                                           [SubmittedDocument(blob: blob, format: format, filename: filename)] + more, logger: logger)
            let status = ObligationStatus.of(state: next, exempt: false, submittedAt: locked.row.firstSubmittedAt ?? now,
                                             dueAt: locked.row.dueAt, now: now)
            try await Self.write(connection, locked, state: next, status: status, logger: logger)
            try await connection.run("""
                UPDATE obligations SET current_version_id = \(versionID), first_submitted_at = coalesce(first_submitted_at, now()), signature_state = 'unsigned'
                WHERE id = \(obligationID)
                """, logger: logger)
            try await Self.event(connection, actor, locked, kind: "submit", role: locked.type.submitter, versionID: versionID,
                                 details: ["version": String(number), "sha256": blob.sha256, "size": String(blob.size), "filename": filename,
                                           "documents": String(1 + more.count)],
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
        let loaded = try await snapshot(actor, obligationID: obligationID)
        _ = try RecordDecisions.submit(loaded.snapshot)
        return loaded.snapshot.type
    }

    // MARK: - Approve, return, lock

    /// `signing`, for an approval: signs the manifest in this transaction (the approval then counts
    /// as signed, which a step marked "signature required" needs).
    public func decide(_ actor: Actor, obligationID: Int64, _ decision: Decision, revision: Int? = nil,
                       signing: SigningStep? = nil) async throws -> ObligationRow {
        let logger = self.logger
        let now = clock.now()
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.load(connection, actor, obligationID, forUpdate: true, logger: logger)
            let record = locked.snapshot
            let next: RecordWorkflow.State
            let kind: String
            var step: Int?
            var comment: String?
            var signed: SignedManifest?
            switch decision {
            case .approve(let index):
                next = try RecordDecisions.approve(record, step: index, signed: signing != nil, revision: revision)
                kind = "approve"
                step = index
                if let signing {
                    signed = try await SignatureStore.sign(connection, actor: actor, locked: locked, stepIndex: index, signing: signing,
                                                           now: now, logger: logger)
                }
            case .returnToSubmitter(let index, let text):
                (next, comment) = try RecordDecisions.returnToSubmitter(record, step: index, comment: text, revision: revision)
                kind = "return"
                step = index
            case .lock:
                next = try RecordDecisions.lock(record, revision: revision)
                kind = "lock"
            }
            // Only an approved record counts as signed or not; other states ignore it. An approval
            // made without a signature on a step that does not need one keeps an earlier complete set.
            let complete = signed?.complete ?? (next == .approved && record.type.chain.sealRequired && record.sealedAndSigned)
            let status = ObligationStatus.of(state: next, exempt: false, submittedAt: locked.row.firstSubmittedAt, dueAt: locked.row.dueAt,
                                             now: now, signed: complete)
            try await Self.write(connection, locked, state: next, status: status, logger: logger)
            if case .lock = decision {
                try await connection.run("UPDATE corrections SET state = 'completed' WHERE obligation_id = \(obligationID) AND state = 'consented'",
                                         logger: logger)
            }
            try await Self.event(connection, actor, locked, kind: kind, step: step, role: RecordDecisions.actingRole(record, step: step),
                                 comment: comment, versionID: locked.row.currentVersionID, signed: signed != nil, logger: logger)
            return try await ObligationStore.rows(connection, "\(unescaped: ObligationStore.select) WHERE o.id = \(obligationID)", logger: logger)[0]
        }
    }

    // MARK: - Exemptions

    public func exempt(_ actor: Actor, obligationID: Int64, reason: String?) async throws -> ObligationRow {
        let logger = self.logger
        let now = clock.now()
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.load(connection, actor, obligationID, forUpdate: true, logger: logger)
            if let reason {
                let trimmed = try RecordDecisions.exempt(locked.snapshot, reason: reason)
                try await connection.run("""
                    UPDATE obligations SET exempt_reason = \(trimmed), exempted_by = \(actor.userID), exempted_at = now(), status = 'exempt',
                           revision = revision + 1, last_event_at = now()
                    WHERE id = \(obligationID)
                    """, logger: logger)
                try await Self.event(connection, actor, locked, kind: "exempt", role: .principal, comment: trimmed, logger: logger)
            } else {
                try RecordDecisions.unexempt(locked.snapshot)
                let status = ObligationStatus.of(state: locked.row.state, exempt: false, submittedAt: locked.row.firstSubmittedAt,
                                                 dueAt: locked.row.dueAt, now: now)
                try await connection.run("""
                    UPDATE obligations SET exempt_reason = NULL, exempted_by = NULL, exempted_at = NULL, exempt_choice_id = NULL,
                           status = \(status.rawValue),
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
        return try await database.withTenant(actor.tenantID) { connection in
            let locked = try await Self.load(connection, actor, obligationID, forUpdate: true, logger: logger)
            let trimmed = try RecordDecisions.requestCorrection(locked.snapshot, reason: reason)
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
        return try await database.withTenant(actor.tenantID) { connection in
            // The record's row first, then the correction's: the order every other path locks them in
            // (a lock of the record completes its consented correction), so the two never deadlock.
            guard let obligationID = try await connection.fetch("""
                SELECT obligation_id FROM corrections WHERE tenant_id = \(actor.tenantID) AND id = \(correctionID)
                """, Int64.self, logger: logger).first else { throw HosoError("record.not_found") }
            let locked = try await Self.load(connection, actor, obligationID, forUpdate: true, logger: logger)
            guard let (reason, state) = try await connection.fetch("""
                SELECT reason, state FROM corrections WHERE id = \(correctionID) FOR UPDATE
                """, (String, String).self, logger: logger).first else { throw HosoError("record.not_found") }
            let next = try RecordDecisions.decideCorrection(
                locked.snapshot, correction: CorrectionSnapshot(id: correctionID, reason: reason, state: state), consent: consent,
                // The requester witnesses as the person who asked (`CorrectionDecisions.witnesses`).
                witnesses: minutes.map { [$0.leader, $0.administrator] } ?? [], text: minutes?.text ?? "")
            if let next, let minutes {
                try await Self.nameWitnesses(connection, actor, locked, correctionID: correctionID, minutes: minutes, logger: logger)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let json = String(decoding: try encoder.encode(minutes), as: UTF8.self)
                try await connection.run("""
                    UPDATE corrections SET state = 'consented', decided_by = \(actor.userID), decided_at = now(), minutes = \(json)::jsonb,
                           superseded_version_id = \(locked.row.currentVersionID)
                    WHERE id = \(correctionID)
                    """, logger: logger)
                try await Self.write(connection, locked, state: next, status: .returned, logger: logger)
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
        let order = try RecordDecisions.setWindow(actor, unit: unit.position, orderedBy: orderedBy, note: note)
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

    public func version(tenantID: Int64, versionID: Int64) async throws -> VersionRow? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await Self.versions(connection, id: versionID, logger: logger).first
        }
    }

    /// A record's versions, workflow events and corrections, read in one transaction.
    public func history(tenantID: Int64, obligationID: Int64)
        async throws -> (versions: [VersionRow], events: [EventRow], corrections: [CorrectionRow]) {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            (try await Self.versions(connection, obligation: obligationID, logger: logger),
             try await Self.events(connection, tenantID: tenantID, obligationID: obligationID, logger: logger),
             try await Self.corrections(connection, tenantID: tenantID, obligationID: obligationID, logger: logger))
        }
    }

    static func events(_ connection: PostgresConnection, tenantID: Int64, obligationID: Int64,
                       logger: Logger) async throws -> [EventRow] {
        try await connection.fetch("""
                SELECT e.id, e.kind, e.step, coalesce(u.display_name, ''), e.actor_role, e.comment, e.signed, extract(epoch FROM e.at)::bigint, e.version_id
                FROM workflow_events e LEFT JOIN users u ON u.id = e.actor_user_id
                WHERE e.tenant_id = \(tenantID) AND e.obligation_id = \(obligationID) ORDER BY e.id
                """, (Int64, String, Int?, String, String?, String?, Bool, Int64, Int64?).self, logger: logger).map {
                EventRow(id: $0.0, kind: $0.1, step: $0.2, actorName: $0.3, actorRole: $0.4, comment: $0.5, signed: $0.6, at: $0.7, versionID: $0.8)
            }
    }

    static func corrections(_ connection: PostgresConnection, tenantID: Int64, obligationID: Int64,
                            logger: Logger) async throws -> [CorrectionRow] {
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
