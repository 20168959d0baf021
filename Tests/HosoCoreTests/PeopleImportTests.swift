import HosoCore
import Testing

/// RFC 4180 CSV as spreadsheets write it.
@Suite struct CSVTests {
    static func fields(_ text: String) throws -> [[String]] { try CSV.parse(text).map(\.fields) }

    @Test func plainRecordsWithLFOrCRLF() throws {
        #expect(try Self.fields("a,b,c\n1,2,3\n") == [["a", "b", "c"], ["1", "2", "3"]])
        #expect(try Self.fields("a,b,c\r\n1,2,3\r\n") == [["a", "b", "c"], ["1", "2", "3"]])
        #expect(try Self.fields("a,b\r\n1,2") == [["a", "b"], ["1", "2"]], "no line break at the end")
        #expect(try Self.fields("a,,c,\n") == [["a", "", "c", ""]], "empty fields are kept")
    }

    @Test func quotedFieldsKeepCommasQuotesAndLineBreaks() throws {
        let text = "name,note\r\n\"Nguyễn, Văn A\",\"Tổ \"\"Toán\"\"\"\r\n\"Lê Thị B\",\"dòng 1\r\ndòng 2\ndòng 3\"\r\n"
        let records = try CSV.parse(text)
        #expect(records.map(\.fields) == [["name", "note"], ["Nguyễn, Văn A", "Tổ \"Toán\""], ["Lê Thị B", "dòng 1\r\ndòng 2\ndòng 3"]])
        #expect(records.map(\.line) == [1, 2, 3])
    }

    @Test func aRecordAfterAMultiLineFieldKeepsItsFileLine() throws {
        let records = try CSV.parse("h1,h2\nx,\"one\ntwo\nthree\"\ny,z\n")
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(records.last?.fields == ["y", "z"])
    }

    @Test func anEmptyQuotedFieldAndQuotesInsideAField() throws {
        #expect(try Self.fields("\"\",b\n") == [["", "b"]])
        #expect(try Self.fields("\"\"\"\"\n") == [["\""]])
        #expect(try Self.fields("5\" floppy,x\n") == [["5\" floppy", "x"]], "a quote inside an unquoted field is data")
    }

    @Test func theByteOrderMarkIsSkipped() throws {
        let records = try CSV.parse("\u{FEFF}login,display_name\r\nan.nv,An\r\n")
        #expect(records.first?.fields.first == "login")
        #expect(records.first?.fields.first?.unicodeScalars.first == "l")
        // Only at the start: elsewhere it is data.
        #expect(try Self.fields("a\n\u{FEFF}b\n") == [["a"], ["\u{FEFF}b"]])
    }

    @Test func blankLinesAreSkippedButCounted() throws {
        let records = try CSV.parse("a\n\n\r\nb\n\n")
        #expect(records.map(\.fields) == [["a"], ["b"]])
        #expect(records.map(\.line) == [1, 4])
        #expect(try CSV.parse("").isEmpty)
        #expect(try CSV.parse("\n\n").isEmpty)
    }

    @Test func anUnterminatedQuoteNamesTheLineItStartedOn() {
        #expect(throws: HosoError("csv.unterminated_quote", ["line": "3"])) {
            try CSV.parse("login,display_name\nan.nv,An\nbinh.tt,\"Bình\nTrần\n")
        }
        #expect(throws: HosoError("csv.unterminated_quote", ["line": "1"])) { try CSV.parse("\"a\"\"") }
    }

    @Test func textAfterAClosingQuoteIsRefused() {
        #expect(throws: HosoError("csv.bad_quote", ["line": "2"])) { try CSV.parse("a,b\n\"x\"y,z\n") }
        #expect(throws: HosoError("csv.bad_quote", ["line": "1"])) { try CSV.parse("\"x\" ,y") }
    }
}

/// A school's people from the CSV its administrator uploads.
@Suite struct PeopleImportTests {
    static let header = "login,display_name,group_kind,subject_group,subject_group_name_vi,subject_group_name_en,group_role,homeroom_class,grade,valid_from,valid_to"

    /// Lines under the full header; the result's lines are the file's (the header is line 1).
    static func parse(_ lines: [String]) throws -> (rows: [PeopleImport.Row], rejected: [PeopleImport.Rejection]) {
        try PeopleImport.parse(([header] + lines).joined(separator: "\r\n") + "\r\n")
    }

    /// The code of the rejection of `line` from an import with one bad line.
    static func rejection(_ line: String) throws -> HosoError? {
        let result = try parse(["good.one,,,,,,,,,,", line])
        #expect(result.rows.map(\.login) == ["good.one"], "the good line still counts")
        #expect(result.rejected.count == 1)
        #expect(result.rejected.first?.line == 3)
        #expect(result.rejected.first?.error.parameters["line"] == "3")
        return result.rejected.first?.error
    }

    @Test func aGoodFileYieldsItsRows() throws {
        let result = try Self.parse([
            "s1.head,Bùi Thị Lan,subject,toan-tin,Tổ Toán – Tin học,Mathematics and Informatics,head,,,2025-09-05,",
            "S1.Teacher,Đỗ Văn Minh,,toan-tin,Tổ Toán – Tin học,,member,6A1,6,2025-09-05,2026-05-30",
            "s1.clerk,\"Dương, Văn Phúc\",office,van-phong,,,,,,,",
            "s1.new,,,,,,,,,,",
        ])
        #expect(result.rejected.isEmpty)
        #expect(result.rows.count == 4)
        let head = result.rows[0]
        #expect(head.line == 2)
        #expect(head.login == "s1.head")
        #expect(head.displayName == "Bùi Thị Lan")
        #expect(head.group?.code == "toan-tin")
        #expect(head.group?.kind == .subject)
        #expect(head.group?.nameVi == "Tổ Toán – Tin học")
        #expect(head.group?.nameEn == "Mathematics and Informatics")
        #expect(head.isGroupHead)
        #expect(head.homeroomClass == nil)
        #expect(head.validFrom == LocalDate(2025, 9, 5))
        #expect(head.validTo == nil)

        let teacher = result.rows[1]
        #expect(teacher.login == "s1.teacher", "logins are lower-cased")
        #expect(teacher.isGroupHead == false)
        #expect(teacher.group?.nameEn == "Tổ Toán – Tin học", "no English name: the Vietnamese one")
        #expect(teacher.group?.kind == .subject, "subject unless said otherwise")
        #expect(teacher.homeroomClass == "6A1")
        #expect(teacher.grade == 6)
        #expect(teacher.validTo == LocalDate(2026, 5, 30))

        let clerk = result.rows[2]
        #expect(clerk.displayName == "Dương, Văn Phúc")
        #expect(clerk.group?.kind == .office)
        #expect(clerk.group?.nameVi == "van-phong", "no name: the code")
        #expect(clerk.group?.nameEn == "van-phong")

        let newcomer = result.rows[3]
        #expect(newcomer.line == 5)
        #expect(newcomer.displayName == nil)
        #expect(newcomer.group == nil)
        #expect(newcomer.grade == nil)
        #expect(newcomer.validFrom == nil)
    }

    @Test func onlyLoginIsRequiredAndColumnsGoInAnyOrder() throws {
        let result = try PeopleImport.parse("\u{FEFF} Display_Name , LOGIN \nAn,an.nv\nBình,binh.tt\n")
        #expect(result.rejected.isEmpty)
        #expect(result.rows.map(\.login) == ["an.nv", "binh.tt"])
        #expect(result.rows.map(\.displayName) == ["An", "Bình"])
        #expect(result.rows.map(\.line) == [2, 3])
    }

    @Test func anUnknownColumnRefusesTheFile() {
        #expect(throws: HosoError("people.unknown_column", ["column": "email"])) { try PeopleImport.parse("login,email\nan.nv,an@x.vn\n") }
        #expect(throws: HosoError("people.unknown_column", ["column": "ho_ten"])) { try PeopleImport.parse("login,ho_ten\n") }
    }

    @Test func aFileWithoutLoginOrWithoutAnythingIsRefused() {
        #expect(throws: HosoError("people.missing_column", ["column": "login"])) { try PeopleImport.parse("display_name,grade\nAn,6\n") }
        #expect(throws: HosoError("people.empty_file")) { try PeopleImport.parse("") }
        #expect(throws: HosoError("people.empty_file")) { try PeopleImport.parse("\u{FEFF}\r\n\r\n") }
        #expect(throws: HosoError("csv.unterminated_quote", ["line": "2"])) { try PeopleImport.parse("login,display_name\nan.nv,\"An\n") }
    }

    @Test func aHeaderOnlyFileHasNoRows() throws {
        let result = try PeopleImport.parse(Self.header + "\n")
        #expect(result.rows.isEmpty)
        #expect(result.rejected.isEmpty)
    }

    @Test(arguments: [
        ("Nguyễn.Văn.A,,,,,,,,,,", "people.bad_login"),
        ("an nv,,,,,,,,,,", "people.bad_login"),
        ("an@nv,,,,,,,,,,", "people.bad_login"),
        (",An,,,,,,,,,", "people.bad_login"),
        ("an.nv,,,,,,,,,2025-09-31,", "people.bad_date"),
        ("an.nv,,,,,,,,,05/09/2025,", "people.bad_date"),
        ("an.nv,,,,,,,,,,2026-5-30", "people.bad_date"),
        ("an.nv,,,,,,,,,2026-01-12,2026-01-10", "people.bad_span"),
        ("an.nv,,,toan,,,leader,,,,", "people.bad_group_role"),
        ("an.nv,,,toan,,,Head,,,,", "people.bad_group_role"),
        ("an.nv,,board,toan,,,,,,,", "people.bad_group_kind"),
        ("an.nv,,,Tổ Toán,,,,,,,", "people.bad_group"),
        ("an.nv,,,toan/tin,,,,,,,", "people.bad_group"),
        ("an.nv,,,,,,head,,,,", "people.head_without_group"),
        ("an.nv,,,,,,,6 A1,,,", "people.bad_class"),
        ("an.nv,,,,,,,6A1,13,,", "people.bad_grade"),
        ("an.nv,,,,,,,6A1,0,,", "people.bad_grade"),
        ("an.nv,,,,,,,6A1,sáu,,", "people.bad_grade"),
        ("an.nv,,,,,,,,,,,", "people.bad_field_count"),
        ("an.nv,An", "people.bad_field_count"),
    ])
    func aBadLineIsRejectedWithItsLineAndReason(line: String, code: String) throws {
        let error = try Self.rejection(line)
        #expect(error?.code == code)
    }

    @Test func rejectionsNameTheOffendingValue() throws {
        #expect(try Self.rejection("an.nv,,,,,,,,,2025-13-01,")?.parameters["value"] == "2025-13-01")
        #expect(try Self.rejection("an.nv,,,toan,,,chief,,,,")?.parameters["value"] == "chief")
        #expect(try Self.rejection("an.nv,,,,,,,,,,,") == HosoError("people.bad_field_count", ["expected": "11", "found": "12", "line": "3"]))
        #expect(try Self.rejection("Trần.B,,,,,,,,,,") == HosoError("people.bad_login", ["value": "Trần.B", "line": "3"]))
    }

    @Test func aRepeatedLineIsRejectedNamingTheFirst() throws {
        let result = try Self.parse([
            "an.nv,An,,toan,,,member,6A1,6,2025-09-05,",
            "binh.tt,Bình,,toan,,,member,,,2025-09-05,",
            "AN.NV,An (again),,toan,,,head,6A1,,2025-09-05,2026-01-10",
            // the same person in another group, or from another date, is a different membership
            "an.nv,An,,van,,,member,6A1,6,2025-09-05,",
            "an.nv,An,,toan,,,member,6A1,6,2026-01-12,",
        ])
        #expect(result.rows.map(\.line) == [2, 3, 5, 6])
        #expect(result.rejected.map(\.line) == [4])
        #expect(result.rejected.first?.error == HosoError("people.duplicate_line", ["first": "2", "line": "4"]))
    }

    @Test func goodAndBadLinesOfOneFileAreSortedOut() throws {
        // setup: a file as a school sends it, with CRLF, a BOM and several mistakes
        let text = "\u{FEFF}" + Self.header + "\r\n"
            + "s1.head,Bùi Thị Lan,,toan-tin,Tổ Toán – Tin học,,head,,,2025-09-05,\r\n"
            + "s1.bad login,X,,,,,,,,,\r\n"
            + "s1.teacher,\"Đỗ Văn Minh\",,toan-tin,,,member,6A1,6,2025-09-05,\r\n"
            + "s1.nodate,Y,,,,,,,,2025-02-30,\r\n"
            + "s1.nogroup,Z,,,,,head,,,,\r\n"
            + "s1.late,\"Lê Thị\r\nMai\",,ngu-van,,,member,,,2026-01-12,\r\n"
        // act
        let result = try PeopleImport.parse(text)
        // verify
        #expect(result.rows.map(\.login) == ["s1.head", "s1.teacher", "s1.late"])
        #expect(result.rows.map(\.line) == [2, 4, 7])
        #expect(result.rows.last?.displayName == "Lê Thị\r\nMai")
        #expect(result.rejected.map(\.line) == [3, 5, 6])
        #expect(result.rejected.map(\.error.code) == ["people.bad_login", "people.bad_date", "people.head_without_group"])
    }
}
