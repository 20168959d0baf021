/// Every decision about one record, in one place: who may see it, who may submit, approve,
/// return, lock, exempt, ask for or grant a correction, and what the page offers. Each function
/// takes a `RecordSnapshot` (what the store read under the record's row lock) and returns the
/// outcome or throws a stable refusal. Visibility comes first in every one of them, so acting on
/// a record one may not read answers exactly like reading it: `record.not_found`.
///
/// Stores load the snapshot and persist the outcome in the same transaction; pages call
/// `offered(_:)`, which asks these same functions, so a button shows exactly when the action
/// would be accepted.
public enum RecordDecisions {
    static let policy = Policy()
    static let notFound = HosoError("record.not_found")

    public static let maxCommentLength = 2000
    public static let maxExemptionReasonLength = 1000
    public static let maxWindowOrderLength = 300
    public static let maxWindowNoteLength = 1000

    // MARK: - Seeing

    /// The actor's roles over the record's unit when they may see the record; `record.not_found`
    /// otherwise (out of scope, or someone who is only a teacher there looking at a colleague's).
    @discardableResult
    public static func view(_ record: RecordSnapshot) throws -> Set<Role> {
        try policy.authorize(record.actor, .viewRecords, on: record.unit, notFound: notFound)
        let roles = policy.roles(record.actor, covering: record.unit.ancestry)
        guard
            RecordAccess.isVisible(
                roles: roles, ownerUserID: record.ownerUserID, actorUserID: record.actor.userID,
                inOwningGroup: record.actorInOwningGroup) || SignerDecisions.isClassSubjectTeacher(record)
        else { throw notFound }
        return roles
    }

    /// Visible first, then the action's permission (403), then the expected revision (409).
    static func permit(_ record: RecordSnapshot, _ action: Action, revision: Int?) throws -> Set<Role> {
        let roles = try view(record)
        try policy.authorize(record.actor, action, on: record.unit, notFound: notFound)
        if let revision, revision != record.revision {
            throw HosoError("workflow.stale", ["revision": String(record.revision)])
        }
        return roles
    }

    // MARK: - Submitting

    /// A new version may be submitted now. `format` and `size` are checked when known (an upload
    /// is checked before its bytes are read, and again with them).
    public static func submit(
        _ record: RecordSnapshot, format: FileFormat? = nil, size: Int64? = nil,
        revision: Int? = nil
    ) throws -> RecordWorkflow.State {
        let roles = try permit(record, .submitRecords, revision: revision)
        if record.withdrawn { throw HosoError("record.withdrawn") }
        if record.exempt { throw HosoError("record.exempt") }
        if record.type.storage == .paper { throw HosoError("record.paper") }
        // A person's book is theirs to submit; a group's, its members' (or the principal's).
        if let owner = record.ownerUserID, owner != record.actor.userID { throw HosoError("record.not_owner") }
        if record.ownedByGroup && !record.actorInOwningGroup && !roles.contains(.principal) {
            throw HosoError("record.not_owner")
        }
        // A window closed by order shuts the item; a type that needs a window needs it open.
        if record.window == false || (record.type.entryWindow && record.window != true) {
            throw HosoError("window.closed")
        }
        if let format, !record.type.formats.contains(format) {
            throw HosoError(
                "upload.format_not_accepted", ["formats": record.type.formats.map(\.rawValue).joined(separator: ", ")])
        }
        if let size, size > record.type.maxBytes {
            throw HosoError("upload.too_large", ["limit": String(record.type.maxBytes / 1024 / 1024)])
        }
        return try record.type.workflow.apply(.submit, to: record.state, by: roles)
    }

    // MARK: - Approving, returning, locking

    /// The approver at `step` approves (`signed` when a valid signature comes with it).
    public static func approve(
        _ record: RecordSnapshot, step: Int, signed: Bool, revision: Int? = nil
    ) throws -> RecordWorkflow.State {
        // The subject teachers' step and the clerk's seal step (SignerDecisions).
        if let next = try SignerDecisions.approveSpecial(record, step: step, signed: signed, revision: revision) {
            try PaperCopyDecisions.checkBeforeCompletion(record, next: next)
            return next
        }
        let roles = try permit(record, .reviewRecords, revision: revision)
        try checkGroupHead(record, step: step)
        if case .awaitingStep(step) = record.state { try SignerDecisions.checkSubmissionSigned(record, step: step) }
        let next = try record.type.workflow.apply(.approve(step: step, signed: signed), to: record.state, by: roles)
        try PaperCopyDecisions.checkBeforeCompletion(record, next: next)
        return next
    }

    /// The approver at `step` sends the record back with a comment; returns the comment as kept.
    public static func returnToSubmitter(
        _ record: RecordSnapshot, step: Int, comment: String,
        revision: Int? = nil
    ) throws -> (state: RecordWorkflow.State, comment: String) {
        // The subject teachers' step and the clerk's seal step (SignerDecisions).
        if let special = try SignerDecisions.returnSpecial(record, step: step, comment: comment, revision: revision) {
            return special
        }
        let roles = try permit(record, .reviewRecords, revision: revision)
        try checkGroupHead(record, step: step)
        let trimmed = Text.trimmed(comment)
        guard trimmed.count <= maxCommentLength else { throw HosoError("workflow.comment_too_long") }
        let next = try record.type.workflow.apply(
            .returnToSubmitter(step: step, comment: trimmed), to: record.state, by: roles)
        return (next, trimmed)
    }

    /// The record is locked once approved; a book whose chain asks for signatures is sealed by
    /// the school before it is locked.
    public static func lock(_ record: RecordSnapshot, revision: Int? = nil) throws -> RecordWorkflow.State {
        let roles = try permit(record, .reviewRecords, revision: revision)
        let next = try record.type.workflow.apply(.lock, to: record.state, by: roles)
        try PaperCopyDecisions.checkBeforeCompletion(record, next: next)
        if record.type.chain.sealRequired && record.hasVersion && !record.sealedAndSigned {
            throw HosoError("workflow.seal_required")
        }
        // A corrected record is locked again only once its correction minutes are issued and every
        // witness has confirmed them: the minutes are part of the change, not an afterthought.
        if record.correctionMinutesOutstanding { throw HosoError("correction.minutes_outstanding") }
        return next
    }

    /// The role an approval, a return or a lock is recorded under.
    public static func actingRole(_ record: RecordSnapshot, step: Int?) -> Role? {
        if let step, record.type.chain.steps.indices.contains(step) { return record.type.chain.steps[step].role }
        let roles = policy.roles(record.actor, covering: record.unit.ancestry)
        return roles.contains(.principal) ? .principal : record.type.chain.steps.last?.role
    }

    /// A subject-group head approves the teachers of the groups they head (someone who heads no
    /// group approves as any holder of the role would).
    static func checkGroupHead(_ record: RecordSnapshot, step: Int) throws {
        guard case .awaitingStep(let current) = record.state, current == step,
            record.type.chain.steps.indices.contains(step), record.ownerUserID != nil
        else { return }
        if !RecordAccess.groupHeadMayApprove(stepRole: record.type.chain.steps[step].role, headship: record.headship) {
            throw HosoError("workflow.not_your_group")
        }
    }

    // MARK: - Exemptions

    /// The principal exempts an item nobody has to deliver (a class that did not run, ...);
    /// returns the reason as kept.
    public static func exempt(_ record: RecordSnapshot, reason: String) throws -> String {
        _ = try permit(record, .exemptObligations, revision: nil)
        let trimmed = Text.trimmed(reason)
        guard !trimmed.isEmpty else { throw HosoError("obligation.reason_required") }
        guard trimmed.count <= maxExemptionReasonLength else { throw HosoError("obligation.reason_too_long") }
        switch record.state {
        case .open, .returned: break
        default: throw HosoError("obligation.not_exemptable")
        }
        guard !record.exempt else { throw HosoError("obligation.already_exempt") }
        return trimmed
    }

    public static func unexempt(_ record: RecordSnapshot) throws {
        _ = try permit(record, .exemptObligations, revision: nil)
        guard record.exempt else { throw HosoError("obligation.not_exempt") }
    }

    // MARK: - Corrections

    /// Someone who may see the record and submit records asks to correct it after its lock; returns
    /// the reason as kept. That includes, deliberately, each subject teacher of a class for the
    /// class's transcript: they entered its marks (TT 22/2021), and seed 001 (Điều 10.3) names "the
    /// person who asks to update the data" as a witness of the minutes. The corrected version is
    /// still submitted by the book's owner (`submit`).
    public static func requestCorrection(_ record: RecordSnapshot, reason: String) throws -> String {
        _ = try permit(record, .submitRecords, revision: nil)
        let trimmed = Text.trimmed(reason)
        guard !trimmed.isEmpty else { throw HosoError("workflow.reason_required") }
        guard trimmed.count <= maxCommentLength else { throw HosoError("workflow.comment_too_long") }
        guard record.state == .locked || CorrectionDecisions.beforeLock(record) else { throw HosoError("workflow.not_locked") }
        guard !record.pendingCorrection else { throw HosoError("correction.already_requested") }
        return trimmed
    }

    /// The principal consents (with the minutes' witnesses) or refuses a requested correction.
    /// Returns the record's next state on consent, `nil` on refusal.
    /// `text`: the minutes' own words (kept with the witnesses' names).
    public static func decideCorrection(
        _ record: RecordSnapshot, correction: CorrectionSnapshot, consent: Bool,
        witnesses: [String], text: String = ""
    ) throws -> RecordWorkflow.State? {
        let roles = try permit(record, .consentCorrection, revision: nil)
        guard correction.state == "requested" else { throw HosoError("correction.already_decided") }
        guard consent else { return nil }
        guard (witnesses + [text]).allSatisfy({ $0.count <= maxCommentLength }) else {
            throw HosoError("workflow.comment_too_long")
        }
        guard !witnesses.isEmpty, !witnesses.contains(where: { Text.trimmed($0).isEmpty }) else {
            throw HosoError("correction.witnesses_required")
        }
        let consenting: Role = roles.contains(.principal) ? .principal : roles.sorted().first ?? .principal
        return try record.type.workflow.apply(
            .openCorrection(reason: correction.reason, consentedBy: consenting),
            // An approved record of a type that asks for minutes before its lock opens like a locked one.
            to: CorrectionDecisions.beforeLock(record) ? .locked : record.state, by: roles)
    }

    // MARK: - Entry windows

    /// Someone who manages entry windows at `unit` opens or closes one, by an order; returns the
    /// order as kept.
    public static func setWindow(_ actor: Actor, unit: UnitPosition, orderedBy: String, note: String?) throws -> String
    {
        try policy.authorize(actor, .manageEntryWindows, on: unit)
        let order = Text.trimmed(orderedBy)
        guard !order.isEmpty else { throw HosoError("window.order_required") }
        guard order.count <= maxWindowOrderLength, (note ?? "").count <= maxWindowNoteLength else {
            throw HosoError("window.too_long")
        }
        return order
    }

    // MARK: - What a page offers

    /// The actions the decisions above would accept now, asked with representative input (the
    /// current step, a non-empty comment or reason, signed where a signature is required).
    public static func offered(_ record: RecordSnapshot, corrections: [CorrectionSnapshot] = []) -> Offered {
        func accepts(_ decision: () throws -> Void) -> Bool { (try? decision()) != nil }
        var offered = Offered()
        offered.submit = accepts { _ = try submit(record) }
        if case .awaitingStep(let step) = record.state {
            offered.approve = accepts { _ = try approve(record, step: step, signed: true) }
            offered.approveNeedsSignature = record.type.chain.steps[step].signatureRequired
            offered.returnToSubmitter = accepts { _ = try returnToSubmitter(record, step: step, comment: "—") }
            if offered.approve || offered.returnToSubmitter { offered.decideStep = step }
        }
        offered.lock = accepts { _ = try lock(record) }
        offered.filePaperCopy = PaperCopyDecisions.offered(record)
        offered.exempt = accepts { _ = try exempt(record, reason: "—") }
        offered.unexempt = accepts { try unexempt(record) }
        offered.requestCorrection = accepts { _ = try requestCorrection(record, reason: "—") }
        offered.signSubmission = accepts { try SignerDecisions.signSubmission(record) }
        offered.decidableCorrections = Set(
            corrections.filter { correction in
                accepts { _ = try decideCorrection(record, correction: correction, consent: true, witnesses: ["—"]) }
            }.map(\.id))
        return offered
    }

    public struct Offered: Sendable, Equatable {
        public var submit = false
        /// The step the actor may approve or return at (nil: neither).
        public var decideStep: Int?
        public var approve = false
        public var approveNeedsSignature = false
        public var returnToSubmitter = false
        public var lock = false
        public var exempt = false
        public var unexempt = false
        public var requestCorrection = false
        public var decidableCorrections: Set<Int64> = []
        /// The upload form of the paper copy's scan.
        public var filePaperCopy = false
        /// The uploader may sign their own version now (SignerDecisions.signSubmission).
        public var signSubmission = false
        public init() {}
    }
}

/// A correction request as its decision sees it.
public struct CorrectionSnapshot: Sendable, Equatable {
    public let id: Int64
    public let reason: String
    /// `requested`, `consented`, `refused` or `completed`.
    public let state: String
    public init(id: Int64, reason: String, state: String) {
        self.id = id
        self.reason = reason
        self.state = state
    }
}
