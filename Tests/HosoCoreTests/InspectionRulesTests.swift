import HosoCore
import Testing

/// Inspection rules without a database: who may plan and be named, which moves are allowed, what a
/// plan, a finding and a follow-up need; and report periods resolved to weeks. Tree as in
/// `PolicyTests`: 1 department; 2, 3 offices; 4 school under 2; 5 school under 3; 6 under 1.
@Suite struct InspectionRulesTests {
    let policy = Policy()
    typealias P = PolicyTests

    func plan(kind: InspectionKind = .periodic, issuer: Int64 = 2, scope: [Int64] = [4], inspectors: [Int64] = [7], leader: Int64 = 7,
              from: String = "2026-09-01", to: String = "2026-10-31", title: String = "Kiểm tra giáo án", symbol: String = "PGDĐT",
              types: [String] = ["lesson_plan"]) -> InspectionPlan {
        InspectionPlan(kind: kind, title: title, issuerUnitID: issuer, symbol: symbol, scopeUnitIDs: scope, recordTypes: types,
                       periodFrom: CalendarTests.date(from), periodTo: CalendarTests.date(to), place: "Hồng Bàng",
                       inspectorUserIDs: inspectors, leaderUserID: leader)
    }

    func code(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let error as HosoError { return error.code } catch { return "other" }
    }

    @Test func aPlanIsCheckedWholeBeforeAnythingIsStored() {
        let known: Set<String> = ["lesson_plan", "class_lesson_log"]
        #expect(code { try InspectionRules.validate(plan(), knownRecordTypes: known) } == nil)
        #expect(code { try InspectionRules.validate(plan(title: "  "), knownRecordTypes: known) } == "inspection.title_required")
        #expect(code { try InspectionRules.validate(plan(title: String(repeating: "x", count: 301)), knownRecordTypes: known) } == "inspection.title_too_long")
        #expect(code { try InspectionRules.validate(plan(symbol: "BB/1"), knownRecordTypes: known) } == "inspection.bad_symbol")
        #expect(code { try InspectionRules.validate(plan(symbol: "P GD"), knownRecordTypes: known) } == "inspection.bad_symbol")
        #expect(code { try InspectionRules.validate(plan(from: "2026-11-01", to: "2026-10-01"), knownRecordTypes: known) } == "inspection.bad_period")
        #expect(code { try InspectionRules.validate(plan(from: "2026-01-01", to: "2027-06-01"), knownRecordTypes: known) } == "inspection.period_too_long")
        #expect(code { try InspectionRules.validate(plan(scope: []), knownRecordTypes: known) } == "inspection.scope_required")
        #expect(code { try InspectionRules.validate(plan(types: ["report_cards"]), knownRecordTypes: known) } == "inspection.unknown_type")
        #expect(code { try InspectionRules.validate(plan(inspectors: []), knownRecordTypes: known) } == "inspection.inspectors_required")
        #expect(code { try InspectionRules.validate(plan(leader: 8), knownRecordTypes: known) } == "inspection.leader_not_member")
        #expect(code { try InspectionRules.validate(plan(kind: .selfInspection, issuer: 4, scope: [4, 5]), knownRecordTypes: known) } == "inspection.self_scope")
        #expect(code { try InspectionRules.validate(plan(kind: .selfInspection, issuer: 4, scope: [4]), knownRecordTypes: known) } == nil)
    }

    @Test func officersPlanUnderTheirUnitAndPrincipalsTheirOwnSchool() {
        let office = P.actor([(.districtOfficer, 2)]), inspector = P.actor([(.districtInspector, 2)])
        let principal = P.actor([(.principal, 4)]), teacher = P.actor([(.teacher, 4)]), province = P.actor([(.provincialOfficer, 1)])
        #expect(InspectionRules.mayPlan(office, kind: .periodic, issuer: P.office2, scope: [P.school4], policy: policy))
        #expect(InspectionRules.mayPlan(office, kind: .surprise, issuer: P.office2, scope: [P.school4], policy: policy))
        // Not a school under another office, not from a unit above its own.
        #expect(!InspectionRules.mayPlan(office, kind: .periodic, issuer: P.office2, scope: [P.school5], policy: policy))
        #expect(!InspectionRules.mayPlan(office, kind: .periodic, issuer: P.department, scope: [P.school4], policy: policy))
        #expect(InspectionRules.mayPlan(province, kind: .periodic, issuer: P.department, scope: [P.school4, P.school5, P.school6], policy: policy))
        // Inspectors inspect; they do not plan.
        #expect(!InspectionRules.mayPlan(inspector, kind: .periodic, issuer: P.office2, scope: [P.school4], policy: policy))
        #expect(InspectionRules.mayPlan(principal, kind: .selfInspection, issuer: P.school4, scope: [P.school4], policy: policy))
        #expect(!InspectionRules.mayPlan(principal, kind: .periodic, issuer: P.school4, scope: [P.school4], policy: policy))
        #expect(!InspectionRules.mayPlan(teacher, kind: .selfInspection, issuer: P.school4, scope: [P.school4], policy: policy))
        // Another tenant's units are never in scope.
        let stranger = UnitPosition(tenantID: 99, unitID: 4, ancestry: [1, 2, 4])
        #expect(!InspectionRules.mayPlan(office, kind: .periodic, issuer: P.office2, scope: [stranger], policy: policy))
    }

    @Test func onlyInspectorRolesOverTheWholeScopeAreNamed() {
        let grant = { (role: Role, unit: Int64) in [Grant(role: role, unitID: unit, unitCode: "U\(unit)")] }
        #expect(InspectionRules.mayInspect(grants: grant(.districtInspector, 2), kind: .periodic, scope: [P.school4]))
        #expect(InspectionRules.mayInspect(grants: grant(.provincialInspector, 1), kind: .surprise, scope: [P.school4, P.school5]))
        #expect(!InspectionRules.mayInspect(grants: grant(.districtInspector, 2), kind: .periodic, scope: [P.school4, P.school5]))
        #expect(!InspectionRules.mayInspect(grants: grant(.districtOfficer, 2), kind: .periodic, scope: [P.school4]))
        #expect(!InspectionRules.mayInspect(grants: grant(.principal, 4), kind: .periodic, scope: [P.school4]))
        #expect(InspectionRules.mayInspect(grants: grant(.vicePrincipal, 4), kind: .selfInspection, scope: [P.school4]))
        #expect(!InspectionRules.mayInspect(grants: grant(.districtInspector, 2), kind: .selfInspection, scope: [P.school4]))
        #expect(!InspectionRules.mayInspect(grants: grant(.teacher, 4), kind: .selfInspection, scope: [P.school4]))
        #expect(!InspectionRules.mayInspect(grants: grant(.districtInspector, 2), kind: .periodic, scope: []))
    }

    @Test func theLifecycleMovesOneWay() throws {
        #expect(try InspectionRules.apply(.start, to: .planned) == .inProgress)
        #expect(try InspectionRules.apply(.cancel, to: .planned) == .cancelled)
        #expect(try InspectionRules.apply(.conclude, to: .inProgress) == .concluded)
        #expect(try InspectionRules.apply(.close, to: .concluded) == .closed)
        for (event, state) in [(InspectionEvent.start, InspectionState.inProgress), (.cancel, .inProgress), (.conclude, .planned),
                               (.close, .inProgress), (.start, .closed), (.conclude, .cancelled), (.close, .closed)] {
            #expect(code { _ = try InspectionRules.apply(event, to: state) } == "inspection.not_allowed_now", "\(event) from \(state)")
        }
        #expect(code { try InspectionRules.checkConclusion(pending: 2, conclusions: "Đạt") } == "inspection.items_pending")
        #expect(code { try InspectionRules.checkConclusion(pending: 0, conclusions: " \n") } == "inspection.conclusions_required")
        #expect(code { try InspectionRules.checkConclusion(pending: 0, conclusions: "Đạt yêu cầu.") } == nil)
        #expect(code { try InspectionRules.checkClosure(openFollowUps: 1) } == "inspection.follow_ups_open")
    }

    @Test func findingsNeedALineAndFollowUpsAnOwnerAndADate() throws {
        #expect(code { _ = try InspectionRules.checkFinding(itemID: nil, severity: "violation", text: "Thiếu") } == "inspection.finding_without_item")
        #expect(code { _ = try InspectionRules.checkFinding(itemID: 3, severity: "grave", text: "Thiếu") } == "inspection.unknown_severity")
        #expect(code { _ = try InspectionRules.checkFinding(itemID: 3, severity: "violation", text: "  ") } == "inspection.finding_text_required")
        let finding = try InspectionRules.checkFinding(itemID: 3, severity: "shortcoming", text: "  Thiếu chữ ký  ")
        #expect(finding.0 == 3 && finding.1 == .shortcoming && finding.2 == "Thiếu chữ ký")
        let today = CalendarTests.date("2026-12-02")
        #expect(code { _ = try InspectionRules.checkFollowUp(ownerUserID: nil, dueOn: today, action: "Bổ sung", today: today) }
                == "inspection.follow_up_without_owner")
        #expect(code { _ = try InspectionRules.checkFollowUp(ownerUserID: 5, dueOn: nil, action: "Bổ sung", today: today) }
                == "inspection.follow_up_without_due")
        #expect(code { _ = try InspectionRules.checkFollowUp(ownerUserID: 5, dueOn: today.adding(days: -1), action: "Bổ sung", today: today) }
                == "inspection.follow_up_due_past")
        #expect(code { _ = try InspectionRules.checkFollowUp(ownerUserID: 5, dueOn: today, action: "", today: today) }
                == "inspection.follow_up_action_required")
        #expect(InspectionRules.minutesNumber(sequence: 3, symbol: "SGDĐT") == "03/BB-SGDĐT")
        #expect(InspectionRules.minutesNumber(sequence: 12, symbol: "PGDĐT") == "12/BB-PGDĐT")
        #expect(CalendarTests.date("2026-12-02").vietnameseLong == "ngày 02 tháng 12 năm 2026")
    }

    @Test func reportPeriodsResolveToTheWeeksThatHoldTheirDays() throws {
        let weeks = try ComplianceTests.weeks()
        #expect(try ReportPeriod.parse([:]) == .schoolYear)
        #expect(try ReportPeriod.parse(["period": "year"]).filterQuery(weeks) == ["year": "2026-2027"])
        #expect(try ReportPeriod.parse(["period": "semester", "semester": "2"]).filterQuery(weeks) == ["year": "2026-2027", "semester": "2"])
        // October 2026: Thursday 1st is in week 4, Saturday 31st in week 8.
        #expect(try ReportPeriod.parse(["period": "month", "month": "2026-10"]).filterQuery(weeks) == ["year": "2026-2027", "from": "4", "to": "8"])
        #expect(try ReportPeriod.parse(["period": "custom", "from": "2026-09-07", "to": "2026-09-20"]).filterQuery(weeks)
                == ["year": "2026-2027", "from": "1", "to": "2"])
        // Days before the first teaching week count in week 0, as the dashboard counts them.
        #expect(try ReportPeriod.parse(["period": "month", "month": "2026-08"]).filterQuery(weeks)["from"] == "0")
        #expect(code { _ = try ReportPeriod.parse(["period": "custom", "from": "2028-01-01", "to": "2028-02-01"]).filterQuery(weeks) }
                == "report.period_outside_year")
        #expect(code { _ = try ReportPeriod.parse(["period": "semester", "semester": "3"]).filterQuery(weeks) } == "dashboard.unknown_semester")
        #expect(code { _ = try ReportPeriod.parse(["period": "month", "month": "2026-13"]) } == "report.bad_period")
        // Numbers too big for a date, and partial ones, are refused before any arithmetic.
        #expect(code { _ = try ReportPeriod.parse(["period": "month", "month": "99999999999999999-01"]) } == "report.bad_period")
        #expect(code { _ = try ReportPeriod.parse(["period": "month", "month": "x-2026-05"]) } == "report.bad_period")
        // A period that ends long before the year began is not in it.
        #expect(code { _ = try ReportPeriod.parse(["period": "month", "month": "2025-10"]).filterQuery(weeks) } == "report.period_outside_year")
        #expect(code { _ = try ReportPeriod.parse(["period": "custom", "from": "2026-10-02", "to": "2026-10-01"]) } == "report.bad_period")
        #expect(code { _ = try ReportPeriod.parse(["period": "fortnight"]) } == "report.bad_period")
        #expect(ReportPeriod.month(year: 2026, month: 10).label(weeks, english: false) == "tháng 10/2026")
        #expect(try ReportPeriod.parse(ReportPeriod.custom(from: CalendarTests.date("2026-09-07"), to: CalendarTests.date("2026-09-20")).query)
                == .custom(from: CalendarTests.date("2026-09-07"), to: CalendarTests.date("2026-09-20")))
    }
}
