import HosoCore
import Testing

/// Paper copies (seed 003 §4–5, seed 004 §2): who files the scan, when, and the chain that cannot
/// be completed nor the book locked before it where the rule says `required`.
@Suite struct PaperCopyDecisionsTests {
    static let school = UnitPosition(tenantID: 1, unitID: 10, ancestry: [1, 10])

    static func actor(_ id: Int64, _ role: Role, at unit: Int64 = 10) -> Actor {
        Actor(
            userID: id, tenantID: 1, login: "u\(id)", displayName: "U\(id)",
            grants: [Grant(role: role, unitID: unit, unitCode: "U\(unit)")])
    }

    static let principal = actor(200, .principal)
    static let vice = actor(201, .vicePrincipal)
    static let admin = actor(202, .schoolAdministrator)
    static let clerk = actor(203, .clerk)
    static let teacher = actor(100, .teacher)
    static let inspector = actor(400, .districtInspector, at: 1)
    static let otherSchool = actor(600, .principal, at: 11)

    /// The student register: school administrator submits; vice principal, then principal (signs).
    static func register(_ rule: PaperCopyRule) throws -> RecordType {
        var type = RecordType(
            code: "student_register", nameVi: "Sổ đăng bộ", nameEn: "Student register", basis: "",
            levels: [.lowerSecondary],
            owner: .school, cadence: .yearly, due: .fixedDate(month: 10, day: 15), shift: .previousWorkingDay,
            formats: [.pdf, .xlsx],
            maxBytes: 1 << 20, submitter: .schoolAdministrator,
            chain: try ApprovalChain([.init(role: .vicePrincipal), .init(role: .principal)]),
            retention: .permanent, storage: .electronic, entryWindow: false)
        type.paperCopy = rule
        return type
    }

    static func record(
        _ actor: Actor, _ rule: PaperCopyRule = .required, state: RecordWorkflow.State = .awaitingStep(0),
        hasVersion: Bool = true, filed: Bool = false
    ) throws -> RecordSnapshot {
        var snapshot = RecordSnapshot(
            actor: actor, unit: school, type: try register(rule), state: state, revision: 1, ownerUserID: nil,
            ownedByGroup: false,
            actorInOwningGroup: false, headship: .none, withdrawn: false, exempt: false, window: nil,
            hasVersion: hasVersion,
            sealedAndSigned: false, pendingCorrection: false)
        snapshot.paperCopyFiled = filed
        return snapshot
    }

    @Test func theOfficeTheAdministratorAndThePrincipalFileTheScan() throws {
        // act, verify: the clerk (seed 001 Điều 13.3), the administrator (seed 003 §4) and the principal.
        for actor in [Self.clerk, Self.admin, Self.principal] {
            try PaperCopyDecisions.file(try Self.record(actor))
            #expect(RecordDecisions.offered(try Self.record(actor)).filePaperCopy)
        }
        // Seen but not permitted: 403. Not seen: 404, whatever the role elsewhere.
        for actor in [Self.vice, Self.inspector] {
            #expect(throws: HosoError("scope.forbidden")) { try PaperCopyDecisions.file(try Self.record(actor)) }
            #expect(!RecordDecisions.offered(try Self.record(actor)).filePaperCopy)
        }
        #expect(throws: HosoError("record.not_found")) {
            try PaperCopyDecisions.file(try Self.record(Self.otherSchool))
        }
        #expect(throws: HosoError("record.not_found")) { try PaperCopyDecisions.file(try Self.record(Self.teacher)) }
    }

    @Test func aScanNeedsAVersionAPaperRuleAndSomeBytes() throws {
        #expect(throws: HosoError("paper_copy.not_expected")) {
            try PaperCopyDecisions.file(try Self.record(Self.clerk, .none))
        }
        try PaperCopyDecisions.file(try Self.record(Self.clerk, .optional))
        #expect(throws: HosoError("paper_copy.no_version")) {
            try PaperCopyDecisions.file(try Self.record(Self.clerk, state: .open, hasVersion: false))
        }
        #expect(throws: HosoError("paper_copy.no_version")) {
            try PaperCopyDecisions.file(try Self.record(Self.clerk, state: .returned(step: 0)))
        }
        for state in [RecordWorkflow.State.awaitingStep(1), .approved, .locked] {
            try PaperCopyDecisions.file(try Self.record(Self.clerk, state: state))
        }
        #expect(throws: HosoError("paper_copy.empty")) {
            try PaperCopyDecisions.file(try Self.record(Self.clerk), size: 0)
        }
        #expect(throws: HosoError("upload.too_large", ["limit": "100"])) {
            try PaperCopyDecisions.file(try Self.record(Self.clerk), size: PaperCopyDecisions.maxScanBytes + 1)
        }
        // The scan's upload accepts PDF only, whatever the record's own formats.
        #expect(PaperCopyDecisions.scanType(of: try Self.register(.required)).formats == [.pdf])
    }

    @Test func theChainIsNotCompletedNorLockedBeforeARequiredCopy() throws {
        // The first step may approve: the copy is needed only to complete the chain.
        #expect(try RecordDecisions.approve(try Self.record(Self.vice), step: 0, signed: false) == .awaitingStep(1))
        let last = try Self.record(Self.principal, state: .awaitingStep(1))
        #expect(throws: HosoError("paper_copy.required")) { try RecordDecisions.approve(last, step: 1, signed: false) }
        #expect(!RecordDecisions.offered(last).approve)
        #expect(
            try RecordDecisions.approve(
                try Self.record(Self.principal, state: .awaitingStep(1), filed: true), step: 1,
                signed: false) == .approved)
        // A record approved before the rule (or by a path that skipped it) still cannot be locked.
        #expect(throws: HosoError("paper_copy.required")) {
            try RecordDecisions.lock(try Self.record(Self.principal, state: .approved))
        }
        #expect(try RecordDecisions.lock(try Self.record(Self.principal, state: .approved, filed: true)) == .locked)
        // Optional and none never hold the chain.
        for rule in [PaperCopyRule.optional, .none] {
            #expect(
                try RecordDecisions.approve(
                    try Self.record(Self.principal, rule, state: .awaitingStep(1)), step: 1,
                    signed: false) == .approved)
            #expect(try RecordDecisions.lock(try Self.record(Self.principal, rule, state: .approved)) == .locked)
        }
    }

    @Test func offeredIsExactlyAccepted() throws {
        let states: [RecordWorkflow.State] = [
            .open, .awaitingStep(0), .awaitingStep(1), .returned(step: 0), .approved, .locked, .correcting,
        ]
        for actor in [
            Self.principal, Self.vice, Self.admin, Self.clerk, Self.teacher, Self.inspector, Self.otherSchool,
        ] {
            for state in states {
                for rule in PaperCopyRule.allCases {
                    for filed in [false, true] {
                        let record = try Self.record(
                            actor, rule, state: state, hasVersion: state != .open, filed: filed)
                        let offered = RecordDecisions.offered(record)
                        #expect(offered.filePaperCopy == ((try? PaperCopyDecisions.file(record)) != nil))
                        #expect(offered.lock == ((try? RecordDecisions.lock(record)) != nil))
                        if case .awaitingStep(let step) = state {
                            #expect(
                                offered.approve
                                    == ((try? RecordDecisions.approve(record, step: step, signed: true)) != nil))
                        }
                    }
                }
            }
        }
    }

    @Test func rulesReadPaperCopyAndChoiceAndRefuseNonsense() throws {
        var draft = RuleSetResolver.draft(of: try Self.register(.none))
        draft.paperCopy = "required"
        #expect(try RuleSetResolver.check(draft).paperCopy == .required)
        // The stored definition carries the rule back (how the store reads a type).
        #expect(RuleSetResolver.draft(of: try RuleSetResolver.check(draft)).paperCopy == "required")
        draft.paperCopy = "sometimes"
        #expect(throws: HosoErrors.self) { try RuleSetResolver.check(draft) }
        draft.paperCopy = nil
        draft.choice = "school"
        #expect(try RuleSetResolver.check(draft).choice == .school)
        draft.choice = "teacher"
        // A teacher's choice on a school's book is refused: it would exempt nobody's items.
        do {
            _ = try RuleSetResolver.check(draft)
            Issue.record("choice: teacher on a school book was accepted")
        } catch let error as HosoErrors {
            #expect(error.errors.map(\.code) == ["rules.choice_owner"])
        }
        draft.choice = "class"
        #expect(throws: HosoErrors.self) { try RuleSetResolver.check(draft) }
        // Unset: none, and a default draft stays as it was (no new keys in stored definitions).
        draft.choice = nil
        #expect(try RuleSetResolver.check(draft).choice == .none)
        #expect(RuleSetResolver.draft(of: try RuleSetResolver.check(draft)).choice == nil)
    }
}
