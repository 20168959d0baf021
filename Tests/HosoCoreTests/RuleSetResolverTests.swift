import HosoCore
import Testing

/// Rule-sets resolved from a shared base and a tenant's overrides, and every way a file can be wrong.
@Suite struct RuleSetResolverTests {
    static let basePath = "tenants/shared/rulesets/2025-2026.yaml"
    static let tenantPath = "tenants/demo/rules/2025-2026.yaml"

    /// A complete, valid draft: by default the weekly lesson plan of the shared base.
    static func draft(
        _ code: String, nameVi: String? = "Kế hoạch bài dạy", levels: [String]? = ["primary", "lower_secondary"],
        owner: String? = "teacher", cadence: String? = "weekly",
        due: RecordTypeDraft.Due? = .init(rule: "weekday_of_preceding_week", weekday: "wednesday"),
        formats: [String]? = ["pdf", "docx", "odt"], maxSizeMB: Int? = 20, submitter: String? = "teacher",
        chain: [RecordTypeDraft.Step]? = [.init(role: "subject_group_head"), .init(role: "vice_principal")],
        retention: String? = nil, storage: String? = "electronic", source: String = basePath, line: Int = 1
    ) -> RecordTypeDraft {
        var draft = RecordTypeDraft(code: code)
        draft.nameVi = nameVi
        draft.levels = levels
        draft.owner = owner
        draft.cadence = cadence
        draft.due = due
        draft.formats = formats
        draft.maxSizeMB = maxSizeMB
        draft.submitter = submitter
        draft.chain = chain
        draft.retention = retention
        draft.storage = storage
        draft.source = source
        draft.line = line
        return draft
    }

    static func base(_ types: [RecordTypeDraft], year: String = "2025-2026", extends: String? = nil) -> RuleSetSource {
        RuleSetSource(id: "base-2025-2026", extends: extends, schoolYear: year, nameVi: "Danh mục dùng chung", nameEn: "Shared base",
                      recordTypes: types, path: basePath)
    }

    static func sources(_ list: RuleSetSource...) -> [String: RuleSetSource] {
        Dictionary(uniqueKeysWithValues: list.map { ($0.id, $0) })
    }

    /// The problems `body` reports, or a recorded issue if it succeeds or throws something else.
    static func problems(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> [HosoError] {
        do {
            try body()
            Issue.record("expected the rule-set to be refused", sourceLocation: sourceLocation)
        } catch let error as HosoErrors {
            return error.errors
        } catch {
            Issue.record("expected HosoErrors, got \(error)", sourceLocation: sourceLocation)
        }
        return []
    }

    static func problems(resolving id: String, _ sources: [String: RuleSetSource],
                         sourceLocation: SourceLocation = #_sourceLocation) -> [HosoError] {
        problems(sourceLocation: sourceLocation) { _ = try RuleSetResolver.resolve(id, from: sources) }
    }

    static func problems(checking draft: RecordTypeDraft, sourceLocation: SourceLocation = #_sourceLocation) -> [HosoError] {
        problems(sourceLocation: sourceLocation) { _ = try RuleSetResolver.check(draft) }
    }

    // MARK: - A valid chain

    @Test func aTenantFileExtendsRemovesOverridesAndAdds() throws {
        // setup: the shared base has three books; the tenant drops the paper register, changes the
        // lesson plan's chain, formats and size, and adds its own inspection file
        let base = Self.base([
            Self.draft("lesson_plan", line: 10),
            Self.draft("school_education_plan", nameVi: "Kế hoạch giáo dục của nhà trường", owner: "school", cadence: "yearly",
                       due: .init(rule: "fixed_date", date: "09-30"), submitter: "vice_principal", chain: [.init(role: "principal")], line: 30),
            Self.draft("diploma_register", nameVi: "Sổ quản lý cấp phát văn bằng", owner: "school", cadence: "yearly",
                       due: .init(rule: "days_after_year_end", days: 60), submitter: "clerk",
                       chain: [.init(role: "principal", signature: "required")], retention: "permanent", storage: "paper", line: 50),
        ])
        var lessonPlan = RecordTypeDraft(code: "lesson_plan")
        lessonPlan.formats = ["pdf"]
        lessonPlan.maxSizeMB = 5
        lessonPlan.chain = [.init(role: "subject_group_head"), .init(role: "principal", signature: "required")]
        lessonPlan.source = Self.tenantPath
        let tenant = RuleSetSource(
            id: "demo-2025-2026", extends: "base-2025-2026", schoolYear: "2025-2026", nameVi: "Danh mục – Sở GDĐT Hải Phòng",
            nameEn: "Hai Phong", recordTypes: [Self.draft("internal_inspection_records", nameVi: "Hồ sơ kiểm tra nội bộ", owner: "school",
                                                         cadence: "semester", due: .init(rule: "days_after_semester_end", days: 10),
                                                         submitter: "vice_principal", chain: [.init(role: "principal")],
                                                         retention: "years:10", source: Self.tenantPath)],
            overrides: [lessonPlan], remove: ["diploma_register"], path: Self.tenantPath
        )

        // act
        let ruleSet = try RuleSetResolver.resolve("demo-2025-2026", from: Self.sources(base, tenant))

        // verify
        #expect(ruleSet.id == "demo-2025-2026")
        #expect(ruleSet.schoolYear == "2025-2026")
        #expect(ruleSet.nameVi == "Danh mục – Sở GDĐT Hải Phòng")
        #expect(ruleSet.lineage == ["base-2025-2026", "demo-2025-2026"])
        #expect(ruleSet.types.map(\.code) == ["lesson_plan", "school_education_plan", "internal_inspection_records"])
        #expect(ruleSet.type("diploma_register") == nil)

        let plan = try #require(ruleSet.type("lesson_plan"))
        #expect(plan.formats == [.pdf])
        #expect(plan.maxBytes == 5 * 1024 * 1024)
        #expect(plan.chain.steps == [.init(role: .subjectGroupHead), .init(role: .principal, signatureRequired: true)])
        // what the override does not name is the base's
        #expect(plan.nameVi == "Kế hoạch bài dạy")
        #expect(plan.nameEn == "Kế hoạch bài dạy", "no English name: the Vietnamese one")
        #expect(plan.levels == [.primary, .lowerSecondary])
        #expect(plan.owner == .teacher)
        #expect(plan.cadence == .weekly)
        #expect(plan.due == .weekdayOfPrecedingWeek(.wednesday))
        #expect(plan.shift == .previousWorkingDay)
        #expect(plan.submitter == .teacher)
        #expect(plan.storage == .electronic)
        #expect(plan.retention == .unset)
        #expect(plan.entryWindow == false)

        let schoolPlan = try #require(ruleSet.type("school_education_plan"))
        #expect(schoolPlan.due == .fixedDate(month: 9, day: 30))
        #expect(schoolPlan.owner == .school)

        let inspection = try #require(ruleSet.type("internal_inspection_records"))
        #expect(inspection.due == .daysAfterSemesterEnd(10))
        #expect(inspection.retention == .years(10))
    }

    @Test func theRequestedFileIsTheTopEvenWhenTheBaseIsAsked() throws {
        let ruleSet = try RuleSetResolver.resolve("base-2025-2026", from: Self.sources(Self.base([Self.draft("lesson_plan")])))
        #expect(ruleSet.lineage == ["base-2025-2026"])
        #expect(ruleSet.types.map(\.code) == ["lesson_plan"])
    }

    @Test func aTenantMayRemoveABookAndWriteItAgain() throws {
        let base = Self.base([Self.draft("lesson_plan")])
        let tenant = RuleSetSource(id: "t", extends: base.id, schoolYear: "2025-2026", nameVi: "T", nameEn: "T",
                                   recordTypes: [Self.draft("lesson_plan", cadence: "per_lesson", source: Self.tenantPath)],
                                   remove: ["lesson_plan"], path: Self.tenantPath)
        let ruleSet = try RuleSetResolver.resolve("t", from: Self.sources(base, tenant))
        #expect(ruleSet.types.map(\.cadence) == [.perLesson])
    }

    @Test func aCheckedTypeRoundTripsThroughItsStoredDraft() throws {
        // One type per deadline rule, with every shift, a retention and an entry window.
        var transcript = Self.draft("student_transcript", owner: "homeroom_teacher", cadence: "yearly",
                                    due: .init(rule: "days_after_year_end", days: 0, shift: "none"), formats: ["pdf"],
                                    submitter: "teacher", chain: [.init(role: "principal", signature: "required")], retention: "permanent")
        transcript.entryWindow = true
        transcript.nameEn = "Student transcript"
        transcript.basis = "TT 32/2020/TT-BGDĐT Điều 21.1.b"
        let drafts = [
            Self.draft("lesson_plan"), transcript,
            Self.draft("group_plan", owner: "subject_group", cadence: "weekly", due: .init(rule: "days_before_week", days: 16, shift: "next_working_day")),
            Self.draft("register", owner: "school", cadence: "yearly", due: .init(rule: "fixed_date", date: "01-05"), retention: "years:5"),
            Self.draft("assessment", owner: "class", cadence: "semester", due: .init(rule: "days_after_semester_end", days: 7)),
            Self.draft("lesson_log", owner: "class", cadence: "monthly", due: .init(rule: "days_after_month_end", days: 5)),
        ]
        for original in drafts {
            let type = try RuleSetResolver.check(original)
            let stored = RuleSetResolver.draft(of: type)
            #expect(try RuleSetResolver.check(stored) == type, "\(original.code)")
        }
    }

    // MARK: - Chains of files

    @Test func anExtendsCycleIsRefusedNamingTheChain() {
        let a = RuleSetSource(id: "a", extends: "b", schoolYear: "2025-2026", nameVi: "A", nameEn: "A", recordTypes: [Self.draft("x")])
        let b = RuleSetSource(id: "b", extends: "c", schoolYear: "2025-2026", nameVi: "B", nameEn: "B")
        let c = RuleSetSource(id: "c", extends: "a", schoolYear: "2025-2026", nameVi: "C", nameEn: "C")
        let problems = Self.problems(resolving: "a", Self.sources(a, b, c))
        #expect(problems == [HosoError("rules.cycle", ["chain": "a → b → c → a"])])
    }

    @Test func aFileExtendingItselfIsACycle() {
        let a = RuleSetSource(id: "a", extends: "a", schoolYear: "2025-2026", nameVi: "A", nameEn: "A", recordTypes: [Self.draft("x")])
        #expect(Self.problems(resolving: "a", Self.sources(a)).map(\.code) == ["rules.cycle"])
    }

    @Test func anUnknownBaseIsRefusedNamingTheFileThatExtendsIt() {
        let tenant = RuleSetSource(id: "demo-2025-2026", extends: "base-2024-2025", schoolYear: "2025-2026", nameVi: "T", nameEn: "T",
                                   recordTypes: [Self.draft("x")])
        let problems = Self.problems(resolving: "demo-2025-2026", Self.sources(tenant))
        #expect(problems == [HosoError("rules.unknown_base", ["id": "base-2024-2025", "from": "demo-2025-2026"])])
        // and the file asked for itself missing
        #expect(Self.problems(resolving: "nope", Self.sources(tenant)).map(\.code) == ["rules.unknown_base"])
    }

    @Test func aBaseOfAnotherYearIsRefused() {
        let base = Self.base([Self.draft("lesson_plan")])
        let tenant = RuleSetSource(id: "demo-2026-2027", extends: base.id, schoolYear: "2026-2027", nameVi: "T", nameEn: "T",
                                   path: Self.tenantPath)
        let problems = Self.problems(resolving: "demo-2026-2027", Self.sources(base, tenant))
        #expect(problems == [HosoError("rules.year_mismatch", ["id": "base-2025-2026", "year": "2025-2026", "expected": "2026-2027"])])
    }

    @Test func overridesAndRemovalsMustNameAKnownTypeAndAdditionsANewOne() {
        let base = Self.base([Self.draft("lesson_plan")])
        let tenant = RuleSetSource(id: "t", extends: base.id, schoolYear: "2025-2026", nameVi: "T", nameEn: "T",
                                   recordTypes: [Self.draft("lesson_plan", source: Self.tenantPath, line: 7)],
                                   overrides: [RecordTypeDraft(code: "lesson_plans")], remove: ["diploma_registr"], path: Self.tenantPath)
        let problems = Self.problems(resolving: "t", Self.sources(base, tenant))
        #expect(problems.contains(HosoError("rules.unknown_type", ["code": "diploma_registr", "path": Self.tenantPath])))
        #expect(problems.contains(HosoError("rules.unknown_type", ["code": "lesson_plans", "path": Self.tenantPath])))
        #expect(problems.contains(HosoError("rules.duplicate_type", ["code": "lesson_plan", "path": Self.tenantPath, "line": "7"])))
        #expect(problems.count == 3)
    }

    @Test func removingEveryTypeLeavesNothingToExpect() {
        let base = Self.base([Self.draft("lesson_plan")])
        let tenant = RuleSetSource(id: "t", extends: base.id, schoolYear: "2025-2026", nameVi: "T", nameEn: "T", remove: ["lesson_plan"])
        #expect(Self.problems(resolving: "t", Self.sources(base, tenant)) == [HosoError("rules.no_types", ["id": "t"])])
    }

    @Test func anOverrideThatBreaksATypeIsReportedAtTheOverride() {
        // The tenant makes the weekly lesson plan yearly but keeps the base's weekly deadline.
        let base = Self.base([Self.draft("lesson_plan", line: 10)])
        var override = RecordTypeDraft(code: "lesson_plan")
        override.cadence = "yearly"
        override.source = Self.tenantPath
        override.line = 4
        let tenant = RuleSetSource(id: "t", extends: base.id, schoolYear: "2025-2026", nameVi: "T", nameEn: "T",
                                   overrides: [override], path: Self.tenantPath)
        let problems = Self.problems(resolving: "t", Self.sources(base, tenant))
        #expect(problems == [HosoError("rules.deadline_cadence", ["code": "lesson_plan", "path": Self.tenantPath, "line": "4",
                                                                  "rule": "weekday_of_preceding_week", "cadence": "yearly"])])
    }

    @Test func everyProblemOfEveryFileIsReportedTogether() {
        // setup: a bad role in one base type, a bad owner and format in another, an unknown override
        // and a base of another year
        let base = Self.base([
            Self.draft("lesson_plan", chain: [.init(role: "hieu_truong")], line: 10),
            Self.draft("group_plan", owner: "department", formats: ["pdf", "doc"], line: 30),
            Self.draft("good_one", line: 50),
        ], year: "2024-2025")
        let tenant = RuleSetSource(id: "t", extends: base.id, schoolYear: "2025-2026", nameVi: "T", nameEn: "T",
                                   overrides: [RecordTypeDraft(code: "missing_one")], path: Self.tenantPath)
        // act
        let problems = Self.problems(resolving: "t", Self.sources(base, tenant))
        // verify
        #expect(Set(problems.map(\.code)) == ["rules.year_mismatch", "rules.unknown_type", "rules.unknown_role", "rules.unknown_owner",
                                              "rules.unknown_format"])
        #expect(problems.count == 5)
        let role = problems.first { $0.code == "rules.unknown_role" }
        #expect(role?.parameters["value"] == "hieu_truong")
        #expect(role?.parameters["code"] == "lesson_plan")
        #expect(role?.parameters["line"] == "10")
        #expect(role?.parameters["path"] == Self.basePath)
        #expect(problems.first { $0.code == "rules.unknown_owner" }?.parameters["line"] == "30")
        #expect(problems.first { $0.code == "rules.unknown_format" }?.parameters["value"] == "doc")
    }

    // MARK: - One record type

    @Test(arguments: [
        ("owner", "rules.unknown_owner"), ("cadence", "rules.unknown_cadence"), ("format", "rules.unknown_format"),
        ("level", "rules.unknown_level"), ("chain_role", "rules.unknown_role"), ("submitter", "rules.unknown_role"),
    ])
    func unknownValuesAreRefusedByName(field: String, code: String) {
        var draft = Self.draft("lesson_plan", line: 12)
        switch field {
        case "owner": draft.owner = "bogus"
        case "cadence": draft.cadence = "bogus"
        case "format": draft.formats = ["pdf", "bogus"]
        case "level": draft.levels = ["primary", "bogus"]
        case "chain_role": draft.chain = [.init(role: "principal"), .init(role: "bogus")]
        default: draft.submitter = "bogus"
        }
        let problems = Self.problems(checking: draft)
        #expect(problems == [HosoError(code, ["code": "lesson_plan", "path": Self.basePath, "line": "12", "value": "bogus"])])
    }

    @Test func aRoleNamedTwiceInAChainIsRefused() {
        let draft = Self.draft("lesson_plan", chain: [.init(role: "vice_principal"), .init(role: "principal"), .init(role: "vice_principal")])
        let problems = Self.problems(checking: draft)
        #expect(problems.map(\.code) == ["rules.repeated_role"])
        #expect(problems.first?.parameters["role"] == "vice_principal")
        #expect(problems.first?.parameters["code"] == "lesson_plan", "the type is named as well as the role")
    }

    @Test func theSubmitterMayNotApproveTheirOwnSubmission() {
        let draft = Self.draft("group_plan", owner: "subject_group", submitter: "subject_group_head",
                               chain: [.init(role: "subject_group_head"), .init(role: "principal")])
        let problems = Self.problems(checking: draft)
        #expect(problems.map(\.code) == ["rules.submitter_in_chain"])
        #expect(problems.first?.parameters["role"] == "subject_group_head")
    }

    @Test func inspectorsNeitherSubmitNorApprove() {
        #expect(Self.problems(checking: Self.draft("x", submitter: "district_inspector")).map(\.code) == ["rules.inspector_submits"])
        #expect(Self.problems(checking: Self.draft("x", chain: [.init(role: "provincial_inspector")])).map(\.code) == ["rules.inspector_in_chain"])
    }

    @Test func aChainNeedsAStepAndKnownSignatures() {
        #expect(Self.problems(checking: Self.draft("x", chain: [])).map(\.code) == ["rules.empty_chain"])
        let problems = Self.problems(checking: Self.draft("x", chain: [.init(role: "principal", signature: "maybe")]))
        #expect(problems.map(\.code) == ["rules.bad_signature"])
        #expect(problems.first?.parameters["value"] == "maybe")
    }

    @Test(arguments: [
        ("weekday_of_preceding_week", "yearly"), ("weekday_of_preceding_week", "monthly"), ("weekday_of_preceding_week", "semester"),
        ("days_before_week", "monthly"), ("fixed_date", "weekly"), ("fixed_date", "semester"), ("fixed_date", "per_lesson"),
        ("days_after_semester_end", "yearly"), ("days_after_semester_end", "monthly"), ("days_after_year_end", "semester"),
        ("days_after_month_end", "weekly"), ("days_after_month_end", "yearly"),
    ])
    func aDeadlineRuleMustFitTheCadence(rule: String, cadence: String) {
        let due = RecordTypeDraft.Due(rule: rule, weekday: "wednesday", days: 5, date: "09-30")
        let problems = Self.problems(checking: Self.draft("x", cadence: cadence, due: due))
        #expect(problems.map(\.code) == ["rules.deadline_cadence"])
        #expect(problems.first?.parameters["rule"] == rule)
        #expect(problems.first?.parameters["cadence"] == cadence)
    }

    @Test(arguments: [
        RecordTypeDraft.Due(rule: "weekday_of_preceding_week", weekday: "sunday"),
        RecordTypeDraft.Due(rule: "weekday_of_preceding_week", weekday: "thứ tư"),
        RecordTypeDraft.Due(rule: "weekday_of_preceding_week"),
        RecordTypeDraft.Due(rule: "days_before_week", days: 121),
        RecordTypeDraft.Due(rule: "days_before_week", days: -1),
        RecordTypeDraft.Due(rule: "days_before_week"),
        RecordTypeDraft.Due(rule: "weekday_of_preceding_week", weekday: "wednesday", shift: "sideways"),
        RecordTypeDraft.Due(rule: "every_monday"),
    ])
    func aMalformedWeeklyDeadlineIsRefused(due: RecordTypeDraft.Due) {
        #expect(Self.problems(checking: Self.draft("x", due: due)).map(\.code) == ["rules.bad_deadline"])
    }

    @Test(arguments: ["02-30", "13-01", "9-30-1", "", "ba-mươi"])
    func aMalformedFixedDateIsRefused(date: String) {
        let draft = Self.draft("x", owner: "school", cadence: "yearly", due: .init(rule: "fixed_date", date: date))
        #expect(Self.problems(checking: draft).map(\.code) == ["rules.bad_deadline"])
    }

    @Test func everyMissingFieldIsNamed() {
        let problems = Self.problems(checking: RecordTypeDraft(code: "bare"))
        #expect(Set(problems.map(\.code)) == ["rules.missing_field"])
        #expect(Set(problems.compactMap { $0.parameters["field"] }) ==
            ["name_vi", "levels", "owner", "cadence", "formats", "max_size_mb", "submitter", "chain", "due"])
    }

    @Test func emptyLevelsOrFormatsAreMissing() {
        let problems = Self.problems(checking: Self.draft("x", levels: [], formats: []))
        #expect(problems.map(\.code) == ["rules.missing_field", "rules.missing_field"])
        #expect(Set(problems.compactMap { $0.parameters["field"] }) == ["levels", "formats"])
    }

    @Test(arguments: ["Lesson_Plan", "lesson-plan", "", "kế_hoạch", String(repeating: "a", count: 65)])
    func aBadTypeCodeIsRefused(code: String) {
        #expect(Self.problems(checking: Self.draft(code)).map(\.code) == ["rules.bad_code"])
    }

    @Test func sizesRetentionsAndStorageAreChecked() throws {
        #expect(Self.problems(checking: Self.draft("x", maxSizeMB: 0)).map(\.code) == ["rules.bad_size"])
        #expect(Self.problems(checking: Self.draft("x", maxSizeMB: 513)).map(\.code) == ["rules.bad_size"])
        #expect(try RuleSetResolver.check(Self.draft("x", maxSizeMB: 512)).maxBytes == 536_870_912)
        for retention in ["forever", "years:0", "years:-3", "years:"] {
            #expect(Self.problems(checking: Self.draft("x", retention: retention)).map(\.code) == ["rules.bad_retention"], "\(retention)")
        }
        #expect(Self.problems(checking: Self.draft("x", storage: "cloud")).map(\.code) == ["rules.bad_storage"])
        #expect(try RuleSetResolver.check(Self.draft("x", storage: nil)).storage == .electronic, "electronic unless said otherwise")
        #expect(try RuleSetResolver.check(Self.draft("x", storage: "paper")).storage == .paper)
    }

    @Test func severalProblemsOfOneTypeAreReportedTogether() {
        let draft = Self.draft("x", levels: ["tieu_hoc"], owner: "everyone", formats: ["exe"], submitter: "teacher",
                               chain: [.init(role: "teacher")])
        let problems = Self.problems(checking: draft)
        #expect(Set(problems.map(\.code)) == ["rules.unknown_level", "rules.unknown_owner", "rules.unknown_format", "rules.submitter_in_chain"])
    }
}
