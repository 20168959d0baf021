import Foundation
import HosoCore
import Yams

/// Reads rule-set files (`tenants/shared/rulesets/*.yaml`, `tenants/<id>/rules/*.yaml`) and
/// calendar files (`tenants/<id>/calendars/<year>.yaml`). Unknown keys are errors, so that a typo
/// does not silently drop a rule; each problem names its file and line.
public enum RulesFile {
    static let typeKeys: Set<String> = ["code", "name_vi", "name_en", "basis", "levels", "owner", "cadence", "due", "formats", "max_size_mb",
                                        "submitter", "chain", "retention", "storage", "entry_window",
                                        "paper_copy", "choice", "correction_minutes", "seal", "submission_signature"]
    static let fileKeys: Set<String> = ["id", "extends", "school_year", "name_vi", "name_en", "record_types", "overrides", "remove"]

    /// Every rule-set file a tenant can resolve from: the shared bases and its own.
    public static func sources(tenantsDirectory: String, tenant: String) throws -> [String: RuleSetSource] {
        var sources: [String: RuleSetSource] = [:]
        var problems: [HosoError] = []
        for directory in ["\(tenantsDirectory)/shared/rulesets", "\(tenantsDirectory)/\(tenant)/rules"] {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
            for file in files {
                let path = "\(directory)/\(file)"
                do {
                    let source = try parse(String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self), path: path)
                    if sources[source.id] != nil { problems.append(HosoError("rules.duplicate_id", ["id": source.id, "path": path])) }
                    sources[source.id] = source
                } catch let error as HosoErrors { problems += error.errors } catch let error as HosoError { problems.append(error) }
            }
        }
        guard problems.isEmpty else { throw HosoErrors(problems) }
        return sources
    }

    /// The rule-set a tenant uses for a school year: its own file for that year if it has one,
    /// else the shared base for that year.
    public static func resolve(tenantsDirectory: String, tenant: String, schoolYear: String) throws -> RuleSet {
        let sources = try sources(tenantsDirectory: tenantsDirectory, tenant: tenant)
        let own = sources.values.filter { $0.schoolYear == schoolYear && $0.path.hasPrefix("\(tenantsDirectory)/\(tenant)/") }
        let shared = sources.values.filter { $0.schoolYear == schoolYear && $0.path.hasPrefix("\(tenantsDirectory)/shared/") }
        guard let chosen = own.first ?? shared.first else { throw HosoError("rules.no_rule_set_file", ["year": schoolYear, "tenant": tenant]) }
        return try RuleSetResolver.resolve(chosen.id, from: sources)
    }

    public static func parse(_ text: String, path: String) throws -> RuleSetSource {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw HosoError("rules.file_empty", ["path": path]) }
            root = node
        } catch let error as YamlError {
            throw HosoError("rules.bad_yaml", ["path": path, "detail": "\(error)"])
        }
        var problems: [HosoError] = []
        func line(_ node: Node) -> String { String(node.mark?.line ?? 0) }
        func checkKeys(_ node: Node, _ allowed: Set<String>) {
            for key in (node.mapping.map { Array($0.keys) } ?? []) where !allowed.contains(key.string ?? "") {
                problems.append(HosoError("rules.unknown_key", ["key": key.string ?? "?", "path": path, "line": line(key)]))
            }
        }
        func required(_ node: Node, _ key: String) -> String {
            guard let value = node[key]?.string, !value.isEmpty else {
                problems.append(HosoError("rules.missing_key", ["key": key, "path": path, "line": line(node)]))
                return ""
            }
            return value
        }
        checkKeys(root, fileKeys)
        func drafts(_ key: String, requireAll: Bool) -> [RecordTypeDraft] {
            (root[key]?.sequence ?? []).compactMap { node in
                checkKeys(node, typeKeys)
                let code = required(node, "code")
                guard !code.isEmpty else { return nil }
                var draft = RecordTypeDraft(code: code)
                draft.source = path
                draft.line = node.mark?.line
                draft.nameVi = node["name_vi"]?.string.map(Normalize.nfc)
                draft.nameEn = node["name_en"]?.string
                draft.basis = node["basis"]?.string.map(Normalize.nfc)
                draft.levels = node["levels"]?.sequence?.compactMap(\.string)
                draft.owner = node["owner"]?.string
                draft.cadence = node["cadence"]?.string
                if let due = node["due"] {
                    checkKeys(due, ["rule", "weekday", "days", "date", "shift", "boundary"])
                    draft.due = .init(rule: required(due, "rule"), weekday: due["weekday"]?.string, days: due["days"]?.int,
                                      date: due["date"]?.string, shift: due["shift"]?.string,
                                      boundary: due["boundary"]?.string)
                }
                draft.formats = node["formats"]?.sequence?.compactMap(\.string)
                if let size = node["max_size_mb"] {
                    if let value = size.int { draft.maxSizeMB = value } else {
                        problems.append(HosoError("rules.bad_value", ["key": "max_size_mb", "path": path, "line": line(size)]))
                    }
                }
                draft.submitter = node["submitter"]?.string
                draft.chain = node["chain"]?.sequence?.map { step in
                    checkKeys(step, ["role", "signature", "seal", "signers"])
                    return .init(role: required(step, "role"), signature: step["signature"]?.string, seal: step["seal"]?.bool,
                                 signers: step["signers"]?.string)
                }
                if let retention = node["retention"] {
                    if retention.string == "permanent" { draft.retention = "permanent" }
                    else if let years = retention["years"]?.int { draft.retention = "years:\(years)" }
                    else { problems.append(HosoError("rules.bad_retention", ["value": retention.string ?? "?", "code": code, "path": path, "line": line(retention)])) }
                }
                draft.storage = node["storage"]?.string
                draft.entryWindow = node["entry_window"]?.bool
                draft.paperCopy = node["paper_copy"]?.string
                draft.choice = node["choice"]?.string
                draft.correctionMinutes = node["correction_minutes"]?.string
                draft.seal = node["seal"]?.string
                draft.submissionSignature = node["submission_signature"]?.string
                return draft
            }
        }
        let source = RuleSetSource(
            id: required(root, "id"), extends: root["extends"]?.string, schoolYear: required(root, "school_year"),
            nameVi: Normalize.nfc(root["name_vi"]?.string ?? ""), nameEn: root["name_en"]?.string ?? "",
            recordTypes: drafts("record_types", requireAll: true), overrides: drafts("overrides", requireAll: false),
            remove: root["remove"]?.sequence?.compactMap(\.string) ?? [], path: path
        )
        guard problems.isEmpty else { throw HosoErrors(problems) }
        return source
    }

    // MARK: - Calendars

    public static func calendar(tenantsDirectory: String, tenant: String, schoolYear: String) throws -> CalendarDefinition {
        let path = "\(tenantsDirectory)/\(tenant)/calendars/\(schoolYear).yaml"
        guard let data = FileManager.default.contents(atPath: path) else { throw HosoError("calendar.file_missing", ["path": path]) }
        return try parseCalendar(String(decoding: data, as: UTF8.self), path: path)
    }

    /// The school years a tenant has calendar files for.
    public static func calendarYears(tenantsDirectory: String, tenant: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(tenantsDirectory)/\(tenant)/calendars")) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    public static func parseCalendar(_ text: String, path: String) throws -> CalendarDefinition {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw HosoError("calendar.file_empty", ["path": path]) }
            root = node
        } catch let error as YamlError {
            throw HosoError("calendar.bad_yaml", ["path": path, "detail": "\(error)"])
        }
        var problems: [HosoError] = []
        func date(_ node: Node?, _ key: String) -> LocalDate {
            guard let raw = node?[key]?.string, let value = LocalDate(iso: raw) else {
                problems.append(HosoError("calendar.bad_date", ["key": key, "path": path, "line": String(node?.mark?.line ?? 0)]))
                return LocalDate(dayNumber: 0)
            }
            return value
        }
        for key in (root.mapping.map { Array($0.keys) } ?? []) where !["school_year", "opening", "first_week_monday", "last_day", "weeks", "semesters", "days_off"].contains(key.string ?? "") {
            problems.append(HosoError("calendar.unknown_key", ["key": key.string ?? "?", "path": path, "line": String(key.mark?.line ?? 0)]))
        }
        let semesters = (root["semesters"]?.sequence ?? []).map { node in
            SchoolCalendar.Semester(number: node["number"]?.int ?? 0, first: date(node, "first"), last: date(node, "last"))
        }
        let daysOff = (root["days_off"]?.sequence ?? []).map { node in
            SchoolCalendar.DaysOff(nameVi: Normalize.nfc(node["name_vi"]?.string ?? ""), nameEn: node["name_en"]?.string ?? "",
                                   first: date(node, "first"), last: date(node, "last"))
        }
        let definition = CalendarDefinition(
            schoolYear: root["school_year"]?.string ?? "", opening: date(root, "opening"), firstWeekMonday: date(root, "first_week_monday"),
            last: date(root, "last_day"), weeks: root["weeks"]?.int ?? 35, semesters: semesters, daysOff: daysOff
        )
        guard problems.isEmpty else { throw HosoErrors(problems) }
        _ = try definition.calendar()
        return definition
    }
}
