/// A school's people from a CSV file: one line per person, naming their group (and whether they
/// head it) and the class they are homeroom teacher of, with the dates that holds. Columns are
/// found by their header; only `login` is required. Bad lines are rejected one by one with the
/// reason; good lines still count.
public enum PeopleImport {
    public struct Row: Sendable, Equatable {
        public let line: Int
        public let login: String
        public let displayName: String?
        public let group: GroupRef?
        public let isGroupHead: Bool
        public let homeroomClass: String?
        public let grade: Int?
        public let validFrom: LocalDate?
        public let validTo: LocalDate?
        /// A duty held over the line's dates (`duty` column), e.g. the Pioneer leader.
        public var duty: SchoolDuty? = nil
        /// The subjects the person teaches, per class (`teaches`: `6A1:toan;6A2:toan`), for the
        /// same dates: who confirms a class's transcript (seed 001: each subject teacher).
        public var teaches: [Teaching] = []
    }

    /// One subject taught in one class.
    public struct Teaching: Sendable, Equatable, Hashable {
        public let classCode: String
        public let subject: String
        public init(classCode: String, subject: String) {
            self.classCode = classCode
            self.subject = subject
        }
    }

    public struct GroupRef: Sendable, Equatable {
        public let code: String
        public let kind: GroupKind
        public let nameVi: String
        public let nameEn: String
    }

    public struct Rejection: Sendable, Equatable {
        public let line: Int
        public let error: HosoError
    }

    public static let columns = ["login", "display_name", "group_kind", "subject_group", "subject_group_name_vi", "subject_group_name_en",
                                 "group_role", "homeroom_class", "grade", "valid_from", "valid_to",
                                 "duty", "teaches"]

    public static func parse(_ text: String) throws -> (rows: [Row], rejected: [Rejection]) {
        let records = try CSV.parse(text)
        guard let header = records.first else { throw HosoError("people.empty_file") }
        let names = header.fields.map { Text.trimmed($0).lowercased() }
        if let unknown = names.first(where: { !columns.contains($0) }) { throw HosoError("people.unknown_column", ["column": unknown]) }
        guard names.contains("login") else { throw HosoError("people.missing_column", ["column": "login"]) }
        var rows: [Row] = []
        var rejected: [Rejection] = []
        var seen: [String: Int] = [:]
        for record in records.dropFirst() {
            func value(_ column: String) -> String? {
                guard let index = names.firstIndex(of: column), index < record.fields.count else { return nil }
                let text = Text.trimmed(record.fields[index])
                return text.isEmpty ? nil : text
            }
            func reject(_ code: String, _ parameters: [String: String] = [:]) {
                rejected.append(Rejection(line: record.line, error: HosoError(code, parameters.merging(["line": String(record.line)]) { $1 })))
            }
            guard record.fields.count == names.count else {
                reject("people.bad_field_count", ["expected": String(names.count), "found": String(record.fields.count)]); continue
            }
            guard let login = value("login")?.lowercased(), isLogin(login) else { reject("people.bad_login", ["value": value("login") ?? ""]); continue }
            var dates: [LocalDate?] = []
            var badDate: String?
            for column in ["valid_from", "valid_to"] {
                if let raw = value(column) {
                    if let date = LocalDate(iso: raw) { dates.append(date) } else { badDate = raw; dates.append(nil) }
                } else { dates.append(nil) }
            }
            if let badDate { reject("people.bad_date", ["value": badDate]); continue }
            if let from = dates[0], let to = dates[1], to < from { reject("people.bad_span"); continue }
            let role = value("group_role") ?? "member"
            guard role == "member" || role == "head" else { reject("people.bad_group_role", ["value": role]); continue }
            guard let kind = GroupKind(rawValue: value("group_kind") ?? "subject") else {
                reject("people.bad_group_kind", ["value": value("group_kind") ?? ""]); continue
            }
            var group: GroupRef?
            if let code = value("subject_group") {
                guard isCode(code) else { reject("people.bad_group", ["value": code]); continue }
                group = GroupRef(code: code, kind: kind, nameVi: value("subject_group_name_vi") ?? code, nameEn: value("subject_group_name_en") ?? value("subject_group_name_vi") ?? code)
            } else if role == "head" {
                reject("people.head_without_group"); continue
            }
            let homeroom = value("homeroom_class")
            if let homeroom, !isCode(homeroom) { reject("people.bad_class", ["value": homeroom]); continue }
            var grade: Int?
            if let raw = value("grade") {
                guard let number = Int(raw), (1...12).contains(number) else { reject("people.bad_grade", ["value": raw]); continue }
                grade = number
            }
            var duty: SchoolDuty?
            if let raw = value("duty") {
                guard let known = SchoolDuty(rawValue: raw) else { reject("people.bad_duty", ["value": raw]); continue }
                duty = known
            }
            var teaches: [Teaching] = []
            if let raw = value("teaches") {
                switch parseTeaches(raw) {
                case .success(let list): teaches = list
                case .failure(let error): reject(error.code, error.parameters); continue
                }
            }
            let key = [login, group?.code ?? "", homeroom ?? "", dates[0]?.iso ?? "", duty?.rawValue ?? ""]
                .joined(separator: "|")
            if let first = seen[key] { reject("people.duplicate_line", ["first": String(first)]); continue }
            seen[key] = record.line
            var row = Row(line: record.line, login: login, displayName: value("display_name"), group: group,
                          isGroupHead: role == "head", homeroomClass: homeroom, grade: grade, validFrom: dates[0],
                          validTo: dates[1], duty: duty)
            row.teaches = teaches
            rows.append(row)
        }
        return (rows, rejected)
    }

    /// `6A1:toan;6A2:toan;6A1:tin`: class code, colon, subject code; `;` between pairs. A pair
    /// given twice, a missing part or a bad code refuses the line.
    static func parseTeaches(_ raw: String) -> Result<[Teaching], HosoError> {
        var list: [Teaching] = []
        for part in raw.split(separator: ";", omittingEmptySubsequences: false).map({ Text.trimmed(String($0)) }) {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false).map { Text.trimmed(String($0)) }
            guard pieces.count == 2, isCode(pieces[0]), isCode(pieces[1]) else {
                return .failure(HosoError("people.bad_teaches", ["value": part]))
            }
            let teaching = Teaching(classCode: pieces[0], subject: pieces[1].lowercased())
            guard !list.contains(teaching) else {
                return .failure(HosoError("people.duplicate_teaches", ["value": part]))
            }
            list.append(teaching)
        }
        return .success(list)
    }

    static func isLogin(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }

    static func isCode(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 32 && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }
}
