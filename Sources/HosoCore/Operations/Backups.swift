/// One backup in the repository, as `hoso backup list` shows it: pgBackRest's facts about the
/// database copy joined with Hoso's manifest (the blob objects and the consistency point).
public struct BackupSummary: Sendable, Equatable {
    public let label: String
    /// `full`, `diff` or `incr`.
    public let type: String
    public let startedAt: Int64
    /// Unix seconds; the earliest moment a restore can reach with this backup.
    public let stoppedAt: Int64
    public let databaseBytes: Int64
    public let repositoryBytes: Int64
    /// The backup it depends on (a differential's full).
    public let prior: String?
    /// Hoso's manifest: absent when the blob copy or the consistency point did not finish (the
    /// database copy alone is then not offered as a Hoso backup).
    public let objects: Int?
    public let objectBytes: Int64?

    public init(label: String, type: String, startedAt: Int64, stoppedAt: Int64, databaseBytes: Int64, repositoryBytes: Int64,
                prior: String?, objects: Int?, objectBytes: Int64?) {
        self.label = label
        self.type = type
        self.startedAt = startedAt
        self.stoppedAt = stoppedAt
        self.databaseBytes = databaseBytes
        self.repositoryBytes = repositoryBytes
        self.prior = prior
        self.objects = objects
        self.objectBytes = objectBytes
    }

    /// Complete: the database copy and Hoso's manifest are both there.
    public var isComplete: Bool { objects != nil }
}

/// Where `hoso restore --to` goes: the newest backup, one by label (its consistency point), or an
/// instant (point-in-time recovery through the archived WAL).
public enum RestoreTarget: Sendable, Equatable {
    case latest
    case label(String)
    /// Unix seconds.
    case time(Int64)

    /// `latest`, a pgBackRest label (`20261207-141225F`, `20261207-141225F_20261208-020000D`), or a
    /// time: `2026-12-07 14:30`, `2026-12-07T14:30:05Z`, `2026-12-07 21:30:05+07:00`. A time
    /// without an offset is Vietnam's (UTC+7), like every time the portal shows.
    public static func parse(_ raw: String) throws -> RestoreTarget {
        let text = String(raw.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        if text == "latest" { return .latest }
        if isLabel(text) { return .label(text) }
        guard let seconds = parseTime(text) else { throw HosoError("restore.bad_target", ["target": raw]) }
        return .time(seconds)
    }

    static func isLabel(_ text: String) -> Bool {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return false }
        return parts.enumerated().allSatisfy { index, part in
            let chars = Array(part)
            guard chars.count == 16, chars[8] == "-" else { return false }
            let kinds: Set<Character> = index == 0 ? ["F"] : ["D", "I"]
            return chars[0..<8].allSatisfy(\.isDigitASCII) && chars[9..<15].allSatisfy(\.isDigitASCII) && kinds.contains(chars[15])
        }
    }

    /// `YYYY-MM-DD[ T]HH:MM[:SS][Z|±HH:MM]` to Unix seconds.
    static func parseTime(_ text: String) -> Int64? {
        let chars = Array(text)
        guard chars.count >= 16, chars[10] == " " || chars[10] == "T",
              let date = LocalDate(iso: String(chars[0..<10])) else { return nil }
        var rest = Array(chars[11...])
        func number(_ count: Int) -> Int? {
            guard rest.count >= count, rest.prefix(count).allSatisfy(\.isDigitASCII) else { return nil }
            defer { rest.removeFirst(count) }
            return Int(String(rest.prefix(count)))
        }
        guard let hour = number(2), hour < 24, rest.first == ":" else { return nil }
        rest.removeFirst()
        guard let minute = number(2), minute < 60 else { return nil }
        var second = 0
        if rest.first == ":" {
            rest.removeFirst()
            guard let value = number(2), value < 60 else { return nil }
            second = value
        }
        var offset = VietnamTime.offsetSeconds
        if rest == ["Z"] {
            offset = 0
        } else if let sign = rest.first, sign == "+" || sign == "-" {
            rest.removeFirst()
            guard let hours = number(2), rest.first == ":" else { return nil }
            rest.removeFirst()
            guard let minutes = number(2), rest.isEmpty, hours < 15, minutes < 60 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        } else if !rest.isEmpty {
            return nil
        }
        return VietnamTime.epochSeconds(date, hour: hour, minute: minute, second: second) + Int64(VietnamTime.offsetSeconds - offset)
    }

    /// The backup a restore starts from, refusing what cannot be restored: a label that is not in
    /// the repository (or whose Hoso part never finished), a time before the first complete
    /// backup ended (the error names the earliest possible time) or after `now` (a time not yet
    /// reached has no WAL), an empty repository.
    public func choose(from backups: [BackupSummary], now: Int64? = nil) throws -> BackupSummary {
        let complete = backups.filter(\.isComplete).sorted { $0.stoppedAt < $1.stoppedAt }
        guard let first = complete.first, let last = complete.last else { throw HosoError("restore.no_backup") }
        switch self {
        case .latest:
            return last
        case .label(let label):
            guard let backup = complete.first(where: { $0.label == label }) else { throw HosoError("restore.unknown_label", ["label": label]) }
            return backup
        case .time(let seconds):
            guard seconds >= first.stoppedAt else {
                throw HosoError("restore.before_first_backup", ["earliest": VietnamTime.iso(epochSeconds: first.stoppedAt)])
            }
            if let now, seconds > now { throw HosoError("restore.in_future", ["now": VietnamTime.iso(epochSeconds: now)]) }
            return complete.last { $0.stoppedAt <= seconds } ?? first
        }
    }
}

/// How `hoso backup list` writes sizes and ages.
public enum BackupFormat {
    public static func bytes(_ value: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1024, unit < units.count - 1 {
            amount /= 1024
            unit += 1
        }
        if unit == 0 { return "\(value) B" }
        let tenths = Int((amount * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// `45 s`, `12 min`, `5 h`, `3 d` from a number of seconds.
    public static func age(_ seconds: Int64) -> String {
        switch seconds {
        case ..<120: "\(max(0, seconds)) s"
        case ..<(120 * 60): "\(seconds / 60) min"
        case ..<(48 * 3600): "\(seconds / 3600) h"
        default: "\(seconds / 86_400) d"
        }
    }
}

extension Character {
    var isDigitASCII: Bool { ("0"..."9").contains(self) }
}
