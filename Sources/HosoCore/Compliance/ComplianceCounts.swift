/// What a set of expected items amounts to, as dashboards and reports show it. Every item counts
/// once in `expected` (or once in `exempt`), once in a timeliness column (on time, late by bucket,
/// missing, not yet due) and at most once in a workflow column (awaiting, returned, approved,
/// signed, locked). The database keeps the same sums per unit and week (migration 0004): the
/// classification below and its SQL twin are tested against each other.
public struct ComplianceCounts: Sendable, Equatable, Hashable, Codable {
    public var expected = 0
    public var onTime = 0
    public var late1to3 = 0
    public var late4to7 = 0
    public var lateOver7 = 0
    public var missing = 0
    public var notDue = 0
    public var awaiting = 0
    public var returned = 0
    public var approved = 0
    public var signed = 0
    public var locked = 0
    public var exempt = 0

    public init() {}

    /// The columns in the stored order (the SQL vector's order).
    public init(vector: [Int]) {
        precondition(vector.count == 13, "a compliance vector has 13 counts")
        (expected, onTime, late1to3, late4to7, lateOver7, missing, notDue) = (vector[0], vector[1], vector[2], vector[3], vector[4], vector[5], vector[6])
        (awaiting, returned, approved, signed, locked, exempt) = (vector[7], vector[8], vector[9], vector[10], vector[11], vector[12])
    }

    public var vector: [Int] {
        [expected, onTime, late1to3, late4to7, lateOver7, missing, notDue, awaiting, returned, approved, signed, locked, exempt]
    }

    public var late: Int { late1to3 + late4to7 + lateOver7 }
    public var submitted: Int { onTime + late }
    /// Items due whose due time passed with nothing submitted.
    public var overdue: Int { missing }

    /// Submitted / expected, exempt items excluded; nil when nothing is expected.
    public var completeness: Double? { expected > 0 ? Double(submitted) / Double(expected) : nil }
    /// On time / expected.
    public var timeliness: Double? { expected > 0 ? Double(onTime) / Double(expected) : nil }

    public static func + (lhs: ComplianceCounts, rhs: ComplianceCounts) -> ComplianceCounts {
        ComplianceCounts(vector: zip(lhs.vector, rhs.vector).map { $0 + $1 })
    }

    public static func += (lhs: inout ComplianceCounts, rhs: ComplianceCounts) { lhs = lhs + rhs }

    /// One item's contribution. `status` is the stored status (the sweep turns pending into
    /// missing); lateness is decided by the first submission, in whole days begun.
    public static func of(withdrawn: Bool, exempt: Bool, status: ObligationStatus, state: RecordWorkflow.State,
                          firstSubmittedAt: Int64?, dueAt: Int64) -> ComplianceCounts {
        var counts = ComplianceCounts()
        if withdrawn { return counts }
        if exempt {
            counts.exempt = 1
            return counts
        }
        counts.expected = 1
        if let submittedAt = firstSubmittedAt {
            if submittedAt <= dueAt {
                counts.onTime = 1
            } else {
                let days = (submittedAt - dueAt + 86_399) / 86_400
                if days <= 3 { counts.late1to3 = 1 } else if days <= 7 { counts.late4to7 = 1 } else { counts.lateOver7 = 1 }
            }
        } else if status == .missing {
            counts.missing = 1
        } else {
            counts.notDue = 1
        }
        switch state {
        case .awaitingStep: counts.awaiting = 1
        case .returned, .correcting: counts.returned = 1
        case .approved: if status == .signed { counts.signed = 1 } else { counts.approved = 1 }
        case .locked: counts.locked = 1
        case .open: break
        }
        return counts
    }
}

/// How a completeness figure is coloured: the thresholds a provincial officer reads at a glance.
public enum ComplianceBand: String, Sendable, CaseIterable {
    case good, fair, poor, none

    public init(_ ratio: Double?) {
        guard let ratio else { self = .none; return }
        self = ratio >= 0.9 ? .good : ratio >= 0.7 ? .fair : .poor
    }
}
