/// Where an expected item stands, as dashboards count it.
public enum ObligationStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Nothing submitted and not yet due.
    case pending
    /// Submitted on time and waiting for approval.
    case submitted
    /// Sent back with a comment (or reopened by a correction) and waiting for a new version.
    case returned
    case approved
    /// Approved with the signatures its chain requires.
    case signed
    case locked
    /// Submitted after the due time and waiting for approval.
    case late
    /// The due time passed with nothing submitted.
    case missing
    case exempt

    public var messageKey: String { "status." + rawValue }

    /// The status of an item from its workflow state and times (seconds since the epoch).
    /// `submittedAt` is the first submission's time (lateness is decided once, by it).
    public static func of(state: RecordWorkflow.State, exempt: Bool, submittedAt: Int64?, dueAt: Int64, now: Int64,
                          signed: Bool = false) -> ObligationStatus {
        if exempt { return .exempt }
        switch state {
        case .open:
            return now > dueAt ? .missing : .pending
        case .awaitingStep:
            return (submittedAt ?? now) > dueAt ? .late : .submitted
        case .returned, .correcting:
            return .returned
        case .approved:
            return signed ? .signed : .approved
        case .locked:
            return .locked
        }
    }
}

extension RecordWorkflow.State {
    /// The stored form: a name and, while awaiting or returned, the chain step.
    public var stored: (name: String, step: Int?) {
        switch self {
        case .open: ("open", nil)
        case .awaitingStep(let step): ("awaiting", step)
        case .returned(let step): ("returned", step)
        case .approved: ("approved", nil)
        case .locked: ("locked", nil)
        case .correcting: ("correcting", nil)
        }
    }

    public init?(stored name: String, step: Int?) {
        switch name {
        case "open": self = .open
        case "awaiting": self = .awaitingStep(step ?? 0)
        case "returned": self = .returned(step: step ?? 0)
        case "approved": self = .approved
        case "locked": self = .locked
        case "correcting": self = .correcting
        default: return nil
        }
    }
}
