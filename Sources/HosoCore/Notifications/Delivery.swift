/// What became of one attempt to hand a message to the SMTP server, and what the outbox does next.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The server took it (250 after DATA).
    case sent
    /// Try again later: a 4xx answer, or no answer at all (the server down, the connection cut).
    case retry(answer: String)
    /// Never again: a 5xx answer (no such mailbox, refused). The answer is kept for the administrator.
    case failed(answer: String)

    /// Classifies an attempt by the server's last reply code (0 when none came) and the client's error text.
    public static func of(replyCode: Int, error: String?) -> DeliveryOutcome {
        guard let error, !error.isEmpty else { return replyCode == 0 || (200..<300).contains(replyCode) ? .sent : .retry(answer: "\(replyCode)") }
        let answer = replyCode > 0 ? "\(replyCode) \(error)" : error
        // 530 (TLS or authentication required) and 535 (credentials refused) are the sender's
        // configuration, not the recipient: retried (and logged) while it is fixed.
        if (500..<600).contains(replyCode) && ![530, 535].contains(replyCode) { return .failed(answer: answer) }
        return .retry(answer: answer)
    }
}

/// When a message whose attempt must be retried is tried again, and when it is given up.
public struct RetryPolicy: Sendable, Equatable {
    /// The first wait; each next one doubles, up to `longest`.
    public let first: Int64
    public let longest: Int64
    /// After this many attempts a temporary failure counts as permanent.
    public let attempts: Int

    public init(first: Int64 = 30, longest: Int64 = 3_600, attempts: Int = 10) {
        self.first = first
        self.longest = longest
        self.attempts = attempts
    }

    /// Seconds to wait after attempt number `attempt` (1-based) failed for now; nil: give up.
    public func wait(afterAttempt attempt: Int) -> Int64? {
        guard attempt < attempts else { return nil }
        var delay = first
        for _ in 1..<max(1, attempt) where delay < longest { delay *= 2 }
        return min(delay, longest)
    }
}

/// A tenant's sending budget: at most `perMinute` messages in any minute.
public struct SendingRate: Sendable, Equatable {
    public let perMinute: Int

    public init(perMinute: Int) { self.perMinute = max(1, perMinute) }

    /// How many may go now, given how many went in the last minute.
    public func allowance(sentInLastMinute: Int) -> Int { max(0, perMinute - sentInLastMinute) }
}
