import Foundation
import HosoCore

/// The live clock: the one place that reads the system time (see `WallClock`).
public struct SystemClock: WallClock {
    public init() {}

    public func nowMicroseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }
}
