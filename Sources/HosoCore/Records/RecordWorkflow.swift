/// The life of one record for one period: submitted, returned or approved step by step along its
/// chain, then locked; after a lock only a correction (with a reason, the principal's consent and
/// minutes) reopens it for a new version. Pure rules: the store applies the result in the same
/// transaction as the event, guarded by the state it read, so that of two people acting at once
/// exactly one wins.
public struct RecordWorkflow: Sendable {
    public enum State: Sendable, Hashable {
        /// Nothing submitted yet.
        case open
        /// A version awaits the approval of chain step `step` (0-based).
        case awaitingStep(Int)
        /// Sent back to the submitter with a comment at `step`.
        case returned(step: Int)
        /// Every step approved; waiting to be locked.
        case approved
        case locked
        /// A correction was granted: a new version may be submitted and goes through the chain again.
        case correcting
    }

    public enum Event: Sendable, Hashable {
        case submit
        /// The approver at `step` approves (`signed` when a valid signature came with it).
        case approve(step: Int, signed: Bool)
        case returnToSubmitter(step: Int, comment: String)
        case lock
        /// A correction after lock, with the requester's reason and the principal's consent.
        case openCorrection(reason: String, consentedBy: Role)
    }

    public let chain: ApprovalChain
    /// The role that submits (e.g. teacher for a lesson plan, clerk for the correspondence register).
    public let submitter: Role

    public init(chain: ApprovalChain, submitter: Role) {
        self.chain = chain
        self.submitter = submitter
    }

    /// The next state, or the reason the event is refused. `roles` are the actor's roles that
    /// cover the record's unit.
    public func apply(_ event: Event, to state: State, by roles: Set<Role>) throws -> State {
        switch (event, state) {
        case (.submit, .open), (.submit, .returned), (.submit, .correcting):
            guard roles.contains(submitter) else { throw HosoError("workflow.not_submitter", ["role": submitter.rawValue]) }
            return .awaitingStep(0)

        case (.submit, .locked):
            throw HosoError("workflow.locked")
        case (.submit, _):
            throw HosoError("workflow.already_submitted")

        case (.approve(let step, let signed), .awaitingStep(let current)):
            guard step == current else { throw HosoError("workflow.conflict", ["step": String(step + 1), "current": String(current + 1)]) }
            let rule = chain.steps[current]
            guard roles.contains(rule.role) else { throw HosoError("workflow.wrong_role", ["role": rule.role.rawValue]) }
            guard signed || !rule.signatureRequired else { throw HosoError("workflow.signature_required", ["step": String(step + 1)]) }
            return current + 1 < chain.steps.count ? .awaitingStep(current + 1) : .approved
        case (.approve(let step, _), _):
            throw HosoError("workflow.conflict", ["step": String(step + 1), "current": "—"])

        case (.returnToSubmitter(let step, let comment), .awaitingStep(let current)):
            guard step == current else { throw HosoError("workflow.conflict", ["step": String(step + 1), "current": String(current + 1)]) }
            guard roles.contains(chain.steps[current].role) else { throw HosoError("workflow.wrong_role", ["role": chain.steps[current].role.rawValue]) }
            guard !Text.trimmed(comment).isEmpty else { throw HosoError("workflow.comment_required") }
            return .returned(step: current)
        case (.returnToSubmitter, _):
            throw HosoError("workflow.not_awaiting")

        case (.lock, .approved):
            // The last approver (or the principal) locks the book once everything is approved.
            guard roles.contains(.principal) || roles.contains(chain.steps[chain.steps.count - 1].role) else {
                throw HosoError("workflow.wrong_role", ["role": Role.principal.rawValue])
            }
            return .locked
        case (.lock, .locked):
            throw HosoError("workflow.locked")
        case (.lock, _):
            throw HosoError("workflow.not_approved")

        case (.openCorrection(let reason, let consentedBy), .locked):
            guard !Text.trimmed(reason).isEmpty else { throw HosoError("workflow.reason_required") }
            guard consentedBy == .principal else { throw HosoError("workflow.consent_required") }
            return .correcting
        case (.openCorrection, _):
            throw HosoError("workflow.not_locked")
        }
    }
}
