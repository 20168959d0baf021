/// A unit's parent from a legal date on: one piece of the effective-dated tree.
public struct ParentSpan: Sendable, Equatable, CustomStringConvertible {
    /// `nil` for a root.
    public let parentCode: String?
    /// `nil`: from the beginning (the unit's first span reaches back to before anything was counted).
    public let from: LocalDate?

    public init(_ parentCode: String?, from: LocalDate?) {
        self.parentCode = parentCode
        self.from = from
    }

    public var description: String { "\(parentCode ?? "—")@\(from?.iso ?? "…")" }
}

/// The effective-dated tree: where each unit hung on any date, and how a tenant file's statement
/// of a unit's parents becomes the spans the store keeps. Moves take effect on their legal dates,
/// past or future; the tree "as of" a date is read from the spans.
public enum UnitHistory {
    /// The spans to keep for a unit after an import, given the ones kept now (oldest first).
    ///
    /// - With `past_parents` the file states the whole history, which replaces the stored one.
    /// - With `parent_since` alone the stored spans before that date stay and the parent holds
    ///   from it (a move dated in the file; a corrected date replaces the one the import guessed).
    /// - Without either, a new parent is dated `today` (the day of the import), and the same parent
    ///   changes nothing.
    public static func planned(stored: [ParentSpan], unit: UnitDefinition, today: LocalDate) -> [ParentSpan] {
        let since = unit.parentSince.flatMap(LocalDate.init(iso:))
        var spans: [ParentSpan]
        if !unit.pastParents.isEmpty {
            spans = unit.pastParents.map { ParentSpan($0.parentCode, from: $0.since.flatMap(LocalDate.init(iso:))) }
            spans.append(ParentSpan(unit.parentCode, from: since))
        } else if let since {
            spans = stored.filter { span in span.from.map { $0 < since } ?? true }
            spans.append(ParentSpan(unit.parentCode, from: since))
        } else if stored.isEmpty {
            spans = [ParentSpan(unit.parentCode, from: nil)]
        } else if stored.last?.parentCode == unit.parentCode {
            return stored
        } else {
            spans = stored.filter { span in span.from.map { $0 < today } ?? true }
            spans.append(ParentSpan(unit.parentCode, from: today))
        }
        return normalised(spans)
    }

    /// The first span from the beginning; a span that names the parent of the one before it, or
    /// starts no later than it, is folded into it.
    public static func normalised(_ spans: [ParentSpan]) -> [ParentSpan] {
        var result: [ParentSpan] = []
        for span in spans {
            if let last = result.last {
                if last.parentCode == span.parentCode { continue }
                if let from = span.from, let lastFrom = last.from, from <= lastFrom {
                    result[result.count - 1] = ParentSpan(span.parentCode, from: lastFrom)
                    continue
                }
                if span.from == nil { result[result.count - 1] = ParentSpan(span.parentCode, from: last.from); continue }
                result.append(span)
            } else {
                result.append(ParentSpan(span.parentCode, from: nil))
            }
        }
        return result
    }

    /// The parent a unit had on a date (`nil` for a root, or a unit without spans).
    public static func parent(on date: LocalDate, _ spans: [ParentSpan]) -> String? {
        spans.last { span in span.from.map { $0 <= date } ?? true }?.parentCode
    }

    /// The tree as it stood on a date: each unit's parent.
    public static func tree(asOf date: LocalDate, _ histories: [String: [ParentSpan]]) -> [String: String?] {
        histories.mapValues { parent(on: date, $0) }
    }

    /// A unit's ancestors on a date, root first, the unit last; `nil` when the walk up meets a
    /// cycle or a unit without spans.
    public static func ancestry(of code: String, on date: LocalDate, _ histories: [String: [ParentSpan]]) -> [String]? {
        var chain = [code]
        var current = code
        while let spans = histories[current] {
            guard let parent = parent(on: date, spans) else { return chain.reversed() }
            if chain.contains(parent) { return nil }
            chain.append(parent)
            current = parent
        }
        return nil
    }

    /// Every date on which some unit changes parent, in order.
    public static func changeDates(_ histories: [String: [ParentSpan]]) -> [LocalDate] {
        Array(Set(histories.values.flatMap { $0.compactMap(\.from) })).sorted()
    }

    /// The cycles of the tree on each date it changes (and before the first change): each as the
    /// date (`nil`: from the beginning) and the codes that go round.
    public static func cycles(_ histories: [String: [ParentSpan]]) -> [(date: LocalDate?, codes: [String])] {
        var found: [(LocalDate?, [String])] = []
        var reported: Set<Set<String>> = []
        let beginning = LocalDate(dayNumber: (changeDates(histories).first?.dayNumber ?? 1) - 1)
        for (label, date) in [(nil, beginning)] + changeDates(histories).map({ (Optional($0), $0) }) {
            let tree = tree(asOf: date, histories)
            for start in tree.keys.sorted() {
                var seen: [String] = []
                var current: String? = start
                while let here = current, let parent = tree[here] ?? nil {
                    if let index = seen.firstIndex(of: here) {
                        let cycle = Array(seen[index...])
                        if reported.insert(Set(cycle)).inserted { found.append((label, cycle)) }
                        break
                    }
                    seen.append(here)
                    current = parent
                }
            }
        }
        return found
    }

    /// The dates a history names that lie outside every school year the tenant knows. A school
    /// year `YYYY-YYYY+1` runs from 1 July to 30 June (the reorganisation of 1 July 2025 opens
    /// 2025-2026). No years known: nothing to check against yet.
    public static func datesOutside(years: [String], _ histories: [String: [ParentSpan]]) -> [(code: String, date: LocalDate)] {
        let spans = years.compactMap(SchoolYearSpan.init(code:))
        guard !spans.isEmpty else { return [] }
        return histories.keys.sorted().flatMap { code in
            histories[code]!.compactMap(\.from).filter { date in !spans.contains { $0.contains(date) } }.map { (code, $0) }
        }
    }
}

/// The days of a school year for dating moves: 1 July to 30 June.
public struct SchoolYearSpan: Sendable, Equatable {
    public let first: LocalDate
    public let last: LocalDate

    /// `2025-2026` → 1 July 2025 … 30 June 2026; `nil` for anything else.
    public init?(code: String) {
        let parts = code.split(separator: "-")
        guard parts.count == 2, let start = Int(parts[0]), let end = Int(parts[1]), end == start + 1,
              let first = LocalDate(start, 7, 1), let last = LocalDate(end, 6, 30) else { return nil }
        self.first = first
        self.last = last
    }

    public func contains(_ date: LocalDate) -> Bool { first <= date && date <= last }
}
