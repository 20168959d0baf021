/// One value at a time from a producer task to a consumer task, with backpressure: `send` returns
/// only once the consumer took the value. An export reads rows in one task (a database transaction)
/// and writes them to the response in another; the reader never runs ahead of the client by more
/// than one batch, and either side's failure ends the other.
actor Handoff<Element: Sendable> {
    private var pending: Element?
    private var producer: CheckedContinuation<Bool, Never>?
    private var consumer: CheckedContinuation<Element?, any Error>?
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    /// Hands a value over and waits until it is taken; throws when the consumer gave up.
    func send(_ element: Element) async throws {
        guard !cancelled else { throw CancellationError() }
        if let consumer {
            self.consumer = nil
            consumer.resume(returning: element)
            return
        }
        pending = element
        let taken = await withCheckedContinuation { producer = $0 }
        if !taken { throw CancellationError() }
    }

    /// No more values: `next` answers nil, or throws `error`.
    func finish(throwing error: (any Error)? = nil) {
        finished = true
        failure = error
        if let consumer {
            self.consumer = nil
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
    }

    /// The next value, or nil at the end.
    func next() async throws -> Element? {
        if let element = pending {
            pending = nil
            producer?.resume(returning: true)
            producer = nil
            return element
        }
        if finished {
            if let failure { throw failure }
            return nil
        }
        return try await withCheckedThrowingContinuation { consumer = $0 }
    }

    /// The consumer gives up (the client went away): a waiting or later `send` throws.
    func cancel() {
        cancelled = true
        pending = nil
        producer?.resume(returning: false)
        producer = nil
    }
}
