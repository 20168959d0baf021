/// Where every rule that depends on the time reads "now": the live clock in the server and the
/// tools, a fixed one in tests that need a chosen instant (a window closing at 23:59:59, a
/// certificate's last valid second). Nothing else reads the system time.
public protocol WallClock: Sendable {
    /// Microseconds since 1970-01-01T00:00:00Z.
    func nowMicroseconds() -> Int64
}

extension WallClock {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public func now() -> Int64 { nowMicroseconds() / 1_000_000 }

    /// Today's date in Asia/Ho_Chi_Minh.
    public func today() -> LocalDate { VietnamTime.date(epochSeconds: now()) }

    /// The school year (August to July) that today falls in, as `2026-2027`.
    public func currentSchoolYear() -> String {
        let today = today()
        return today.month >= 8 ? "\(today.year)-\(today.year + 1)" : "\(today.year - 1)-\(today.year)"
    }
}

/// A clock that says what it is told: for tests and for replaying a past instant.
public struct FixedClock: WallClock {
    public let microseconds: Int64

    public init(epochSeconds: Int64) { self.microseconds = epochSeconds * 1_000_000 }
    public init(microseconds: Int64) { self.microseconds = microseconds }

    public func nowMicroseconds() -> Int64 { microseconds }
}
