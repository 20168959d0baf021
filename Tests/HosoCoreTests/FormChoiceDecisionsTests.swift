import HosoCore
import Testing

/// Choices of form (seed 001 Điều 17.1 for the school's transcript; seed 002 §1 and TT 28/2020
/// Điều 21.4 for a teacher's voluntary books): who records them, for which books, and which items
/// a changed choice still applies to.
@Suite struct FormChoiceDecisionsTests {
    static let school = UnitPosition(tenantID: 1, unitID: 10, ancestry: [1, 10])

    static func actor(_ id: Int64, _ role: Role, at unit: Int64 = 10) -> Actor {
        Actor(
            userID: id, tenantID: 1, login: "u\(id)", displayName: "U\(id)",
            grants: [Grant(role: role, unitID: unit, unitCode: "U\(unit)")])
    }

    static let principal = actor(200, .principal)
    static let vice = actor(201, .vicePrincipal)
    static let teacher = actor(100, .teacher)
    static let officer = actor(300, .provincialOfficer, at: 1)
    static let otherSchool = actor(600, .principal, at: 11)

    static func type(_ code: String, owner: OwnerScope, choice: FormChoice) throws -> RecordType {
        var type = RecordType(
            code: code, nameVi: code, nameEn: code, basis: "", levels: [.primary], owner: owner, cadence: .yearly,
            due: .daysAfterYearEnd(0), shift: .previousWorkingDay, formats: [.pdf], maxBytes: 1 << 20,
            submitter: .teacher,
            chain: try ApprovalChain([.init(role: .principal)]), retention: .unset, storage: .electronic,
            entryWindow: false)
        type.choice = choice
        return type
    }

    @Test func thePrincipalChoosesForTheSchool() throws {
        let transcript = try Self.type("student_transcript", owner: .homeroomTeacher, choice: .school)
        // act, verify
        #expect(
            try FormChoiceDecisions.chooseForSchool(
                Self.principal, unit: Self.school, type: transcript, form: .paper,
                reason: "  Quyết định số 12/QĐ-THCS  ") == "Quyết định số 12/QĐ-THCS")
        #expect(FormChoiceDecisions.offersSchoolChoice(Self.principal, unit: Self.school, type: transcript))
        for actor in [Self.vice, Self.teacher, Self.officer] {
            #expect(throws: HosoError("scope.forbidden")) {
                try FormChoiceDecisions.chooseForSchool(
                    actor, unit: Self.school, type: transcript, form: .paper, reason: "x")
            }
            #expect(!FormChoiceDecisions.offersSchoolChoice(actor, unit: Self.school, type: transcript))
        }
        #expect(throws: HosoError("scope.not_found")) {
            try FormChoiceDecisions.chooseForSchool(
                Self.otherSchool, unit: Self.school, type: transcript, form: .paper, reason: "x")
        }
        #expect(throws: HosoError("choice.reason_required")) {
            try FormChoiceDecisions.chooseForSchool(
                Self.principal, unit: Self.school, type: transcript, form: .paper, reason: "  ")
        }
        #expect(throws: HosoError("choice.reason_too_long")) {
            try FormChoiceDecisions.chooseForSchool(
                Self.principal, unit: Self.school, type: transcript, form: .paper,
                reason: String(repeating: "a", count: 1001))
        }
        let register = try Self.type("student_register", owner: .school, choice: .none)
        #expect(throws: HosoError("choice.not_offered", ["code": "student_register"])) {
            try FormChoiceDecisions.chooseForSchool(
                Self.principal, unit: Self.school, type: register, form: .paper, reason: "x")
        }
    }

    @Test func aTeacherDeclaresTheirOwnOrThePrincipalForThem() throws {
        let book = try Self.type("teacher_professional_book", owner: .teacher, choice: .teacher)
        // The teacher's own wish (seed 002).
        #expect(
            try FormChoiceDecisions.declareForTeacher(
                Self.teacher, unit: Self.school, type: book, teacherUserID: 100,
                teacherAtSchool: true, form: .paper, reason: "Ghi sổ giấy") == "Ghi sổ giấy")
        // Not for a colleague.
        #expect(throws: HosoError("scope.forbidden")) {
            try FormChoiceDecisions.declareForTeacher(
                Self.teacher, unit: Self.school, type: book, teacherUserID: 101,
                teacherAtSchool: true, form: .paper, reason: "x")
        }
        // The principal on a teacher's behalf, for a teacher of the school only.
        #expect(
            try FormChoiceDecisions.declareForTeacher(
                Self.principal, unit: Self.school, type: book, teacherUserID: 100,
                teacherAtSchool: true, form: .paper, reason: "Đơn của giáo viên") != "")
        #expect(throws: HosoError("choice.unknown_teacher")) {
            try FormChoiceDecisions.declareForTeacher(
                Self.principal, unit: Self.school, type: book, teacherUserID: 999,
                teacherAtSchool: false, form: .paper, reason: "x")
        }
        #expect(throws: HosoError("scope.not_found")) {
            try FormChoiceDecisions.declareForTeacher(
                Self.otherSchool, unit: Self.school, type: book, teacherUserID: 100,
                teacherAtSchool: true, form: .paper, reason: "x")
        }
        // A book that is not voluntary per teacher.
        let plan = try Self.type("lesson_plan", owner: .teacher, choice: .school)
        #expect(throws: HosoError("choice.not_offered", ["code": "lesson_plan"])) {
            try FormChoiceDecisions.declareForTeacher(
                Self.teacher, unit: Self.school, type: plan, teacherUserID: 100,
                teacherAtSchool: true, form: .paper, reason: "x")
        }
    }

    @Test func aChangedChoiceAppliesOnlyToItemsNotYetActedOn() {
        #expect(FormChoiceDecisions.applies(state: .open, hasVersion: false, withdrawn: false))
        #expect(!FormChoiceDecisions.applies(state: .open, hasVersion: false, withdrawn: true))
        for state in [RecordWorkflow.State.awaitingStep(0), .returned(step: 0), .approved, .locked, .correcting] {
            #expect(!FormChoiceDecisions.applies(state: state, hasVersion: true, withdrawn: false))
        }
    }
}
