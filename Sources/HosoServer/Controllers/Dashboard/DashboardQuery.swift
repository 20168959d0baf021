import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// What the dashboard's URLs say beyond the compliance filter: the order of the child units, the
/// column and person of an item list, its page, the reminders' horizon. Bad values are refused
/// with a stable code before anything is read.
enum DashboardQuery {
    /// The query string as a dictionary (the last value of a repeated name wins).
    static func parameters(_ request: Request) -> [String: String] {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        return query
    }

    enum Sort: String, CaseIterable, Sendable { case worst, name, missing, expected }

    static func sort(_ request: Request) throws -> Sort {
        guard let raw = request.uri.queryParameters["sort"].map(String.init), !raw.isEmpty else { return .worst }
        guard let sort = Sort(rawValue: raw) else {
            throw HosoError("dashboard.unknown_sort", ["sort": String(raw.prefix(20))])
        }
        return sort
    }

    /// Child units in the order asked for; by default the worst completeness first, units with
    /// nothing expected last.
    static func sorted(_ view: ComplianceQuery.View, _ sort: Sort, language: Language) -> [StoredUnit] {
        // Names compared without case or diacritics, keys made once (a province has hundreds of units).
        let keys = Dictionary(
            uniqueKeysWithValues: view.children.map {
                ($0.id, $0.name(in: language).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil))
            })
        func byName(_ a: StoredUnit, _ b: StoredUnit) -> Bool {
            (keys[a.id] ?? "", a.code) < (keys[b.id] ?? "", b.code)
        }
        return view.children.sorted { a, b in
            let (ca, cb) = (view.counts(of: a), view.counts(of: b))
            switch sort {
            case .name:
                return byName(a, b)
            case .missing:
                return ca.missing != cb.missing ? ca.missing > cb.missing : byName(a, b)
            case .expected:
                return ca.expected != cb.expected ? ca.expected > cb.expected : byName(a, b)
            case .worst:
                let ra = ca.completeness ?? 2
                let rb = cb.completeness ?? 2
                return ra != rb ? ra < rb : byName(a, b)
            }
        }
    }

    /// An item list's status and person (`column`, `owner`); its order and page are `ItemOrder`
    /// and `ListPage`.
    struct Items: Sendable {
        let column: ComplianceColumn?
        let owner: Int64?
    }

    static func items(_ parameters: [String: String]) throws -> Items {
        var column: ComplianceColumn?
        if let raw = parameters["column"].map(Text.trimmed), !raw.isEmpty {
            guard let known = ComplianceColumn(rawValue: raw) else {
                throw HosoError("dashboard.unknown_column", ["column": String(raw.prefix(20))])
            }
            column = known
        }
        var owner: Int64?
        if let raw = parameters["owner"].map(Text.trimmed), !raw.isEmpty {
            guard let id = Int64(raw), id > 0 else { throw HosoError("dashboard.unknown_owner") }
            owner = id
        }
        return Items(column: column, owner: owner)
    }

    /// The reminders' horizon in days (0–60, 7 unless asked).
    static func days(_ request: Request) throws -> Int {
        let raw = request.uri.queryParameters["days"].map(String.init) ?? ""
        guard !raw.isEmpty else { return 7 }
        guard let value = Int(raw), (0...60).contains(value) else {
            throw HosoError("dashboard.bad_days", ["days": String(raw.prefix(10))])
        }
        return value
    }
}
