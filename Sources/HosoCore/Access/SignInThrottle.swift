/// When repeated failed sign-ins pause further attempts, per login name and per client address.
public struct SignInThrottle: Sendable, Equatable {
    public var windowSeconds: Int
    public var maxFailuresPerLogin: Int
    public var maxFailuresPerAddress: Int

    public init(windowSeconds: Int = 900, maxFailuresPerLogin: Int = 5, maxFailuresPerAddress: Int = 20) {
        self.windowSeconds = windowSeconds
        self.maxFailuresPerLogin = maxFailuresPerLogin
        self.maxFailuresPerAddress = maxFailuresPerAddress
    }

    /// Recent failures (within the window) and the age in seconds of the oldest one that counts.
    public struct Recent: Sendable {
        public let count: Int
        public let oldestAgeSeconds: Int
        public init(count: Int, oldestAgeSeconds: Int) {
            self.count = count
            self.oldestAgeSeconds = oldestAgeSeconds
        }
    }

    /// `nil` when an attempt may go ahead; otherwise the error to show, saying how long to wait.
    public func check(login: Recent, address: Recent) -> HosoError? {
        if login.count >= maxFailuresPerLogin {
            return HosoError("signin.throttled_login", ["minutes": String(minutesLeft(login))])
        }
        if address.count >= maxFailuresPerAddress {
            return HosoError("signin.throttled_address", ["minutes": String(minutesLeft(address))])
        }
        return nil
    }

    func minutesLeft(_ recent: Recent) -> Int {
        max(1, (windowSeconds - recent.oldestAgeSeconds + 59) / 60)
    }
}
