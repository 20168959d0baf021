import Foundation
import HosoCore
import HosoSigning
import Testing

@testable import HosoServer

/// Issue 14, parts 5, 8 and 9, read from the real rule-set files under `tenants/` (no database):
/// every deadline seed 004 states, the lesson plan's boundary, the Pioneer book's owner, the
/// continuing-education centre's books, retention set for every type, and XML for transcripts.
@Suite struct RuleSetDataTests {
    static var tenants: String { get throws { try TestEnvironment.repoDirectory + "/tenants" } }

    static func ruleSet(_ tenant: String, _ year: String) throws -> RuleSet {
        try RulesFile.resolve(tenantsDirectory: try tenants, tenant: tenant, schoolYear: year)
    }

    static func calendar(_ tenant: String, _ year: String) throws -> SchoolCalendar {
        try RulesFile.calendar(tenantsDirectory: try tenants, tenant: tenant, schoolYear: year).calendar()
    }

    static func date(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

    // MARK: - Seed 004, every deadline it states

    struct SeedDeadline: Sendable {
        /// The seed's words (Kế hoạch ... Trường Tiểu học Thăng Long 2024-2025, mục II.3 and II.2).
        let wording: String
        let recordType: String
        let rule: DeadlineRule
        let period: DeadlineRule.Period
        /// Computed on the demo tenant's 2025-26 calendar (week 1 = 8 Sep 2025; Tết 14–22 Feb 2026).
        let due: String
    }

    static let seed004: [SeedDeadline] = [
        .init(
            wording: "Kế hoạch dạy học của tổ chuyên môn đưa lên hệ thống trước 16 ngày … của tuần học đó",
            recordType: "group_teaching_plan", rule: .daysBeforeWeek(16), period: .week(10), due: "2025-10-25"),
        .init(
            wording: "Kế hoạch dạy học của tổ chuyên môn … trước 16 ngày (the week after Tết)",
            recordType: "group_teaching_plan", rule: .daysBeforeWeek(16), period: .week(24), due: "2026-02-07"),
        .init(
            wording: "[Kế hoạch dạy học] của cá nhân trước 10 ngày của tuần học đó được thực hiện",
            recordType: "teacher_teaching_plan", rule: .daysBeforeWeek(10), period: .week(10), due: "2025-10-31"),
        .init(
            wording: "[Kế hoạch dạy học] của cá nhân trước 10 ngày (14 Feb is Tết: the Friday before)",
            recordType: "teacher_teaching_plan", rule: .daysBeforeWeek(10), period: .week(24), due: "2026-02-13"),
        .init(
            wording: "Kế hoạch bài dạy đưa lên trước ngày thứ 4 của tuần liền trước",
            recordType: "lesson_plan", rule: .dayBeforeWeekdayOfPrecedingWeek(.wednesday), period: .week(10),
            due: "2025-11-04"),
        .init(
            wording: "Kế hoạch bài dạy … trước ngày thứ 4 của tuần liền trước (the week after Tết)",
            recordType: "lesson_plan", rule: .dayBeforeWeekdayOfPrecedingWeek(.wednesday), period: .week(24),
            due: "2026-02-10"),
        // II.2: results entered "vào giữa học kì, cuối mỗi học kỳ và cả năm": the class summary at each semester's end.
        .init(
            wording: "Kết quả đánh giá nhận xét học sinh vào giữa học kì, cuối mỗi học kỳ và cả năm",
            recordType: "class_assessment_summary", rule: .daysAfterSemesterEnd(7), period: .semester(1),
            due: "2026-01-17"),
    ]

    @Test func everyDeadlineOfSeed004IsInTheDataForPrimarySchools() throws {
        let calendar = try Self.calendar("demo", "2025-2026")
        for year in ["2025-2026", "2026-2027"] {
            let ruleSet = try Self.ruleSet("demo", year)
            for row in Self.seed004 {
                let type = try #require(ruleSet.type(row.recordType), "\(year): \(row.wording)")
                #expect(type.applies(to: [.primary]), "\(year) \(row.recordType) is kept by primary schools")
                #expect(type.due == row.rule, "\(year) \(row.recordType): \(type.due)")
                if year == "2025-2026" {
                    #expect(
                        try type.due.dueDate(for: row.period, in: calendar, shift: type.shift) == Self.date(row.due),
                        "\(row.wording)")
                }
            }
        }
        // The plans are expected per teaching week, their block in the seed ("tuần học đó").
        let ruleSet = try Self.ruleSet("demo", "2025-2026")
        #expect(ruleSet.type("group_teaching_plan")?.owner == .subjectGroup)
        #expect(ruleSet.type("group_teaching_plan")?.cadence == .weekly)
        #expect(ruleSet.type("teacher_teaching_plan")?.owner == .teacher)
        #expect(ruleSet.type("teacher_teaching_plan")?.cadence == .weekly)
    }

    @Test func theLessonPlanBoundaryIsLiteralByDefaultAndATenantMayChooseTheEndOfWednesday() throws {
        for year in ["2025-2026", "2026-2027"] {
            #expect(try Self.ruleSet("demo", year).type("lesson_plan")?.due.boundary == .beforeDay, "\(year)")
        }
        let demo2 = try #require(try Self.ruleSet("demo2", "2025-2026").type("lesson_plan"))
        #expect(demo2.due == .weekdayOfPrecedingWeek(.wednesday) && demo2.due.boundary == .endOfDay)
        let calendar = try Self.calendar("demo2", "2025-2026")
        let demo = try #require(try Self.ruleSet("demo", "2025-2026").type("lesson_plan"))
        let literal = try demo.due.dueDate(for: .week(10), in: calendar, shift: demo.shift)
        let chosen = try demo2.due.dueDate(for: .week(10), in: calendar, shift: demo2.shift)
        #expect(literal.weekday == .tuesday && chosen.weekday == .wednesday && chosen == literal.adding(days: 1))
    }

    // MARK: - Pioneer book, office books, continuing education

    @Test func thePioneerBookIsThePioneerLeadersAndTheDemoNamesOne() throws {
        for (tenant, year) in [
            ("demo", "2025-2026"), ("demo", "2026-2027"), ("demo2", "2025-2026"), ("bigdemo", "2026-2027"),
        ] {
            #expect(try Self.ruleSet(tenant, year).type("pioneer_book")?.owner == .pioneerLeader, "\(tenant) \(year)")
        }
        let definition = try TenantFile.load(directory: try Self.tenants + "/demo")
        let people = try Self.tenants + "/demo/people"
        var leaders: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: people) where file.hasSuffix(".csv") {
            let (rows, rejected) = try PeopleImport.parse(
                try String(contentsOfFile: people + "/" + file, encoding: .utf8))
            #expect(rejected.isEmpty, "\(file): \(rejected)")
            let unit = try #require(definition.units.first { $0.code == String(file.dropLast(4)) })
            for row in rows where row.duty == .pioneerLeader {
                #expect(!Set(unit.schoolLevels).isDisjoint(with: [.primary, .lowerSecondary]), "\(file)")
                leaders.append(row.login)
            }
        }
        #expect(leaders == ["s3.pioneer"])
    }

    @Test func officeBooksStayOfficeGroupBooksInTheData() throws {
        // The planner gives them to the school when it has no office group (MissingBooksTests).
        for year in ["2025-2026", "2026-2027"] {
            let ruleSet = try Self.ruleSet("demo", year)
            #expect(
                ruleSet.types.filter { $0.owner == .officeGroup }.map(\.code).contains("correspondence_register"),
                "\(year)")
        }
    }

    @Test func theContinuingEducationCentreOwesItsOwnBooks() throws {
        let definition = try TenantFile.load(directory: try Self.tenants + "/demo")
        let centre = try #require(definition.units.first { $0.code == "T02" })
        #expect(centre.schoolLevels == [.continuingEducation])
        #expect(centre.parentCode == "SO", "provincially managed: under the department")
        for year in ["2025-2026", "2026-2027"] {
            let ruleSet = try Self.ruleSet("demo", year)
            let owed = ruleSet.types.filter { $0.applies(to: centre.schoolLevels) }.map(\.code).sorted()
            #expect(
                owed == [
                    "ce_education_plan", "ce_learner_assessment_book", "ce_learner_register", "ce_learner_transcript",
                    "ce_lesson_plan",
                ], "\(year): \(owed)")
            // What seed 001 states is cited to it; the rest says it is unverified.
            #expect(ruleSet.type("ce_learner_assessment_book")?.basis.contains("Seed 001") == true)
            #expect(ruleSet.type("ce_learner_transcript")?.basis.contains("Seed 001") == true)
            for code in ["ce_learner_register", "ce_education_plan", "ce_lesson_plan"] {
                #expect(ruleSet.type(code)?.basis.contains("unverified") == true, "\(code)")
            }
            // A general school owes none of them.
            #expect(
                ruleSet.types.filter { $0.code.hasPrefix("ce_") }.allSatisfy {
                    !$0.applies(to: [.primary, .lowerSecondary, .upperSecondary])
                })
        }
        // Planned for the centre with its one teacher and class (tenants/demo/people/T02.csv).
        let people = SchoolPeople(
            teachers: [.init(userID: 7, span: .init(from: nil, to: nil))], groups: [],
            classes: [.init(id: 70, homeroom: [.init(userID: 7, span: .init(from: nil, to: nil))])])
        let planned = try ObligationPlanner.plan(
            levels: centre.schoolLevels, ruleSet: try Self.ruleSet("demo", "2026-2027"),
            calendar: try Self.calendar("demo", "2026-2027"), people: people)
        #expect(
            Set(planned.map(\.recordType)) == [
                "ce_education_plan", "ce_learner_assessment_book", "ce_learner_register",
                "ce_learner_transcript", "ce_lesson_plan",
            ])
        #expect(planned.filter { $0.recordType == "ce_lesson_plan" }.count == 35)
    }

    // MARK: - Retention (part 8)

    @Test func everyTypeOfEveryRuleSetFileHasARetention() throws {
        let tenants = try Self.tenants
        var checked = 0
        for tenant in ["demo", "demo2", "bigdemo"] {
            for source in try RulesFile.sources(tenantsDirectory: tenants, tenant: tenant).values {
                for draft in source.recordTypes {
                    #expect(draft.retention != nil, "\(source.path): \(draft.code) has no retention")
                    checked += 1
                }
            }
            for year in RulesFile.calendarYears(tenantsDirectory: tenants, tenant: tenant) {
                let ruleSet = try Self.ruleSet(tenant, year)
                let unset = ruleSet.types.filter { $0.retention == .unset }.map(\.code)
                #expect(unset.isEmpty, "\(tenant) \(year): \(unset)")
                for code in ["student_register", "diploma_register"] {
                    #expect(ruleSet.type(code)?.retention == .permanent, "\(tenant) \(year) \(code)")
                }
                #expect(
                    ruleSet.types.allSatisfy { type in
                        if case .years(let years) = type.retention {
                            return years >= 1 && years <= 75
                        } else {
                            return type.retention == .permanent
                        }
                    })
            }
        }
        #expect(checked > 70)
        // Each value is marked unverified beside it (TT 08/2025 appendix rows not obtained).
        for file in ["2025-2026", "2026-2027"] {
            let text = try String(contentsOfFile: tenants + "/shared/rulesets/\(file).yaml", encoding: .utf8)
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("    retention:") }
            #expect(!lines.isEmpty && lines.allSatisfy { $0.contains("unverified") }, "\(file)")
        }
    }

    // MARK: - Digital transcripts (part 9)

    @Test func transcriptsAcceptXMLAndTheDemoSuppliesASchemaForEachXMLType() throws {
        for (tenant, year) in [("demo", "2025-2026"), ("demo", "2026-2027"), ("demo2", "2025-2026")] {
            #expect(
                try Self.ruleSet(tenant, year).type("student_transcript")?.formats == [.pdf, .xml], "\(tenant) \(year)")
        }
        let ruleSet = try Self.ruleSet("demo", "2026-2027")
        let schemas = try Self.tenants + "/demo/schemas"
        for type in ruleSet.types where type.formats.contains(.xml) {
            let data = try #require(FileManager.default.contents(atPath: "\(schemas)/\(type.code).xsd"), "\(type.code)")
            #expect(try TenantXMLSchema(xsd: [UInt8](data)).targetNamespace == "urn:hoso:demo:hoc-ba:1")
        }
    }
}
