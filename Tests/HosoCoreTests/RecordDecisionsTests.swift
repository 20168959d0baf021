import HosoCore
import Testing

/// The decisions on one record, at chosen instants: visibility before permission, the rules that
/// used to live in stores and controllers, and "offered" agreeing with "accepted".
@Suite struct RecordDecisionsTests {
    // setup: a province (1) with a school (10); a second school (11) elsewhere in the province.
    static let school = UnitPosition(tenantID: 1, unitID: 10, ancestry: [1, 10])

    static func actor(_ id: Int64, _ role: Role, at unit: Int64 = 10, tenant: Int64 = 1) -> Actor {
        Actor(userID: id, tenantID: tenant, login: "u\(id)", displayName: "U\(id)", grants: [Grant(role: role, unitID: unit, unitCode: "U\(unit)")])
    }

    static let teacher = actor(100, .teacher)
    static let colleague = actor(101, .teacher)
    static let head = actor(300, .subjectGroupHead)
    static let principal = actor(200, .principal)
    static let inspector = actor(400, .districtInspector, at: 1)
    static let otherTenant = actor(500, .provincialOfficer, at: 1, tenant: 2)
    static let otherSchool = actor(600, .principal, at: 11)

    /// A lesson plan: teacher submits; subject-group head, then principal (who signs; the book is sealed).
    static func lessonPlan(entryWindow: Bool = false) throws -> RecordType {
        RecordType(code: "lesson_plan", nameVi: "Kế hoạch bài dạy", nameEn: "Lesson plan", basis: "", levels: [.lowerSecondary],
                   owner: .teacher, cadence: .weekly, due: .daysAfterMonthEnd(0), shift: .previousWorkingDay, formats: [.pdf],
                   maxBytes: 1 << 20, submitter: .teacher,
                   chain: try ApprovalChain([.init(role: .subjectGroupHead), .init(role: .principal, signatureRequired: true)]),
                   retention: .unset, storage: .electronic, entryWindow: entryWindow)
    }

    static func record(_ actor: Actor, state: RecordWorkflow.State = .open, owner: Int64? = 100, type: RecordType? = nil,
                       headship: GroupHeadship = .none, window: Bool? = nil, exempt: Bool = false, hasVersion: Bool = false,
                       sealedAndSigned: Bool = false, pendingCorrection: Bool = false) throws -> RecordSnapshot {
        RecordSnapshot(actor: actor, unit: school, type: try type ?? lessonPlan(), state: state, revision: 3, ownerUserID: owner,
                       ownedByGroup: owner == nil, actorInOwningGroup: false, headship: headship, withdrawn: false, exempt: exempt,
                       window: window, hasVersion: hasVersion, sealedAndSigned: sealedAndSigned, pendingCorrection: pendingCorrection)
    }

    @Test func whatOneMayNotReadAnswersNotFoundWhateverTheAction() throws {
        let notFound = HosoError("record.not_found")
        for actor in [Self.colleague, Self.otherTenant, Self.otherSchool] {
            let locked = try Self.record(actor, state: .locked)
            #expect(throws: notFound) { try RecordDecisions.view(locked) }
            // The probe's finding: a colleague asked for a correction of a record they cannot read.
            #expect(throws: notFound) { try RecordDecisions.requestCorrection(locked, reason: "Sai điểm") }
            let awaiting = try Self.record(actor, state: .awaitingStep(0))
            #expect(throws: notFound) { try RecordDecisions.approve(awaiting, step: 0, signed: false) }
            #expect(throws: notFound) { try RecordDecisions.returnToSubmitter(awaiting, step: 0, comment: "x") }
            #expect(throws: notFound) { try RecordDecisions.submit(try Self.record(actor)) }
            #expect(throws: notFound) { try RecordDecisions.exempt(try Self.record(actor), reason: "x") }
            #expect(RecordDecisions.offered(locked) == RecordDecisions.Offered())
        }
        // Seen but not permitted: 403.
        #expect(throws: HosoError("scope.forbidden")) {
            try RecordDecisions.approve(try Self.record(Self.inspector, state: .awaitingStep(0)), step: 0, signed: false)
        }
        #expect(try RecordDecisions.view(try Self.record(Self.inspector)) == [.districtInspector])
    }

    @Test func submittingFollowsOwnershipWindowsAndTheType() throws {
        // act, verify
        #expect(try RecordDecisions.submit(try Self.record(Self.teacher)) == .awaitingStep(0))
        #expect(throws: HosoError("record.not_owner")) { try RecordDecisions.submit(try Self.record(Self.principal)) }
        #expect(throws: HosoError("window.closed")) { try RecordDecisions.submit(try Self.record(Self.teacher, window: false)) }
        #expect(throws: HosoError("window.closed")) {
            try RecordDecisions.submit(try Self.record(Self.teacher, type: try Self.lessonPlan(entryWindow: true)))
        }
        #expect(try RecordDecisions.submit(try Self.record(Self.teacher, type: try Self.lessonPlan(entryWindow: true), window: true))
                == .awaitingStep(0))
        #expect(throws: HosoError("record.exempt")) { try RecordDecisions.submit(try Self.record(Self.teacher, exempt: true)) }
        #expect(throws: HosoError("upload.format_not_accepted", ["formats": "pdf"])) {
            try RecordDecisions.submit(try Self.record(Self.teacher), format: .docx)
        }
        #expect(throws: HosoError("upload.too_large", ["limit": "1"])) {
            try RecordDecisions.submit(try Self.record(Self.teacher), size: 2 << 20)
        }
        #expect(throws: HosoError("workflow.stale", ["revision": "3"])) { try RecordDecisions.submit(try Self.record(Self.teacher), revision: 2) }
    }

    @Test func aGroupHeadApprovesTheirOwnGroupsTeachers() throws {
        let theirs = GroupHeadship(headsAnyGroup: true, headsOwnersGroup: true)
        let another = GroupHeadship(headsAnyGroup: true, headsOwnersGroup: false)
        #expect(try RecordDecisions.approve(try Self.record(Self.head, state: .awaitingStep(0), headship: theirs), step: 0, signed: false)
                == .awaitingStep(1))
        #expect(throws: HosoError("workflow.not_your_group")) {
            try RecordDecisions.approve(try Self.record(Self.head, state: .awaitingStep(0), headship: another), step: 0, signed: false)
        }
        // A school that keeps no groups: any holder of the role approves.
        #expect(try RecordDecisions.approve(try Self.record(Self.head, state: .awaitingStep(0)), step: 0, signed: false) == .awaitingStep(1))
        // The same rule filters the approval queue.
        #expect(!RecordAccess.groupHeadMayApprove(stepRole: .subjectGroupHead, headship: another))
        #expect(RecordAccess.groupHeadMayApprove(stepRole: .principal, headship: another))
    }

    @Test func lockingASignedBookNeedsTheSeal() throws {
        #expect(throws: HosoError("workflow.seal_required")) {
            try RecordDecisions.lock(try Self.record(Self.principal, state: .approved, hasVersion: true))
        }
        #expect(try RecordDecisions.lock(try Self.record(Self.principal, state: .approved, hasVersion: true, sealedAndSigned: true)) == .locked)
        // Offered only when it would be accepted (the page used to offer it before the seal).
        #expect(!RecordDecisions.offered(try Self.record(Self.principal, state: .approved, hasVersion: true)).lock)
        #expect(RecordDecisions.offered(try Self.record(Self.principal, state: .approved, hasVersion: true, sealedAndSigned: true)).lock)
    }

    @Test func aCorrectedRecordIsLockedOnlyOnceItsMinutesAreIssuedAndConfirmed() throws {
        // arrange: approved again after a correction, signed and sealed; the minutes outstanding
        var corrected = try Self.record(
            Self.principal, state: .approved, hasVersion: true, sealedAndSigned: true, pendingCorrection: true)
        corrected.correctionMinutesOutstanding = true
        // act, verify: refused with its own code, and not offered
        #expect(throws: HosoError("correction.minutes_outstanding")) { try RecordDecisions.lock(corrected) }
        #expect(!RecordDecisions.offered(corrected).lock)
        // Once every witness has confirmed the issued minutes, the lock goes through.
        corrected.correctionMinutesOutstanding = false
        #expect(try RecordDecisions.lock(corrected) == .locked)
        #expect(RecordDecisions.offered(corrected).lock)
    }

    @Test func correctionsAreAskedOnceAndDecidedByThePrincipalWithWitnesses() throws {
        let locked = try Self.record(Self.teacher, state: .locked)
        #expect(try RecordDecisions.requestCorrection(locked, reason: "  Sai điểm  ") == "Sai điểm")
        #expect(throws: HosoError("correction.already_requested")) {
            try RecordDecisions.requestCorrection(try Self.record(Self.teacher, state: .locked, pendingCorrection: true), reason: "x")
        }
        let requested = CorrectionSnapshot(id: 9, reason: "Sai điểm", state: "requested")
        let atPrincipal = try Self.record(Self.principal, state: .locked, pendingCorrection: true)
        #expect(throws: HosoError("correction.witnesses_required")) {
            try RecordDecisions.decideCorrection(atPrincipal, correction: requested, consent: true, witnesses: ["A", "", "C"])
        }
        #expect(try RecordDecisions.decideCorrection(atPrincipal, correction: requested, consent: true, witnesses: ["A", "B", "C"]) == .correcting)
        #expect(try RecordDecisions.decideCorrection(atPrincipal, correction: requested, consent: false, witnesses: []) == nil)
        #expect(throws: HosoError("scope.forbidden")) {
            try RecordDecisions.decideCorrection(try Self.record(Self.head, state: .locked), correction: requested, consent: true,
                                                 witnesses: ["A", "B", "C"])
        }
        #expect(RecordDecisions.offered(atPrincipal, corrections: [requested]).decidableCorrections == [9])
        #expect(RecordDecisions.offered(try Self.record(Self.teacher, state: .locked), corrections: [requested]).decidableCorrections.isEmpty)
    }

    /// Every action × every role × a range of states: a button is offered exactly when its action is accepted.
    @Test func offeredIsExactlyAccepted() throws {
        let states: [RecordWorkflow.State] = [.open, .awaitingStep(0), .awaitingStep(1), .returned(step: 0), .approved, .locked, .correcting]
        let actors = [Self.teacher, Self.colleague, Self.head, Self.principal, Self.inspector, Self.actor(700, .vicePrincipal),
                      Self.actor(701, .schoolAdministrator), Self.actor(702, .clerk), Self.otherSchool]
        for actor in actors {
            for state in states {
                for exempt in [false, true] {
                    let record = try Self.record(actor, state: state, exempt: exempt, hasVersion: state != .open, sealedAndSigned: true)
                    let offered = RecordDecisions.offered(record)
                    #expect(offered.submit == ((try? RecordDecisions.submit(record)) != nil))
                    #expect(offered.lock == ((try? RecordDecisions.lock(record)) != nil))
                    #expect(offered.exempt == ((try? RecordDecisions.exempt(record, reason: "Lớp không mở")) != nil))
                    #expect(offered.unexempt == ((try? RecordDecisions.unexempt(record)) != nil))
                    #expect(offered.requestCorrection == ((try? RecordDecisions.requestCorrection(record, reason: "Sai")) != nil))
                    if case .awaitingStep(let step) = state {
                        let approves = (try? RecordDecisions.approve(record, step: step, signed: true)) != nil
                        #expect(offered.approve == approves, "\(actor.login) \(state)")
                        #expect((offered.decideStep != nil) == (approves || offered.returnToSubmitter))
                    } else {
                        #expect(offered.decideStep == nil && !offered.approve)
                    }
                }
            }
        }
    }

    @Test func windowsNeedAnOrderAndTheRight() throws {
        #expect(try RecordDecisions.setWindow(Self.principal, unit: Self.school, orderedBy: "  QĐ 12/2026  ", note: nil) == "QĐ 12/2026")
        #expect(throws: HosoError("window.order_required")) { try RecordDecisions.setWindow(Self.principal, unit: Self.school, orderedBy: " ", note: nil) }
        #expect(throws: HosoError("scope.forbidden")) { try RecordDecisions.setWindow(Self.teacher, unit: Self.school, orderedBy: "QĐ", note: nil) }
        #expect(throws: HosoError("scope.not_found")) { try RecordDecisions.setWindow(Self.otherSchool, unit: Self.school, orderedBy: "QĐ", note: nil) }
    }

    /// A deadline at 23:59:59 in Asia/Ho_Chi_Minh, seen through the injected clock a second before and after.
    @Test func lateIsDecidedAtTheDeadlinesLastSecond() throws {
        let friday = try #require(LocalDate(2026, 12, 4))
        let due = VietnamTime.epochSeconds(friday)
        let onTime = FixedClock(epochSeconds: due)
        let aSecondLate = FixedClock(epochSeconds: due + 1)
        #expect(ObligationStatus.of(state: .open, exempt: false, submittedAt: nil, dueAt: due, now: onTime.now()) == .pending)
        #expect(ObligationStatus.of(state: .open, exempt: false, submittedAt: nil, dueAt: due, now: aSecondLate.now()) == .missing)
        #expect(ObligationStatus.of(state: .awaitingStep(0), exempt: false, submittedAt: aSecondLate.now(), dueAt: due,
                                    now: aSecondLate.now()) == .late)
        #expect(VietnamTime.display(epochSeconds: due).hasSuffix("23:59"))
        #expect(onTime.today() == friday)
        #expect(aSecondLate.today() == LocalDate(2026, 12, 5))
        #expect(FixedClock(epochSeconds: due).currentSchoolYear() == "2026-2027")
    }
}

/// A certificate holds up to and including its last second: a key is chosen, and a signature
/// checked, at the injected clock's instant.
@Suite struct CertificateValidityTests {
    @Test func aSignatureAtTheLastValidSecondHolds() throws {
        let notAfter: Int64 = 1_798_736_399  // 31 Dec 2026 23:59:59 in Asia/Ho_Chi_Minh
        let certificate = CertificateFacts(subject: "CN=Hiệu trưởng", commonName: "Hiệu trưởng", issuer: "CN=CA", serial: "01",
                                           notBefore: notAfter - 365 * 86_400, notAfter: notAfter, fingerprint: "ab", keyAlgorithm: "EC")
        let lastSecond = FixedClock(epochSeconds: notAfter)
        let oneLater = FixedClock(epochSeconds: notAfter + 1)
        #expect(VietnamTime.display(epochSeconds: lastSecond.now()) == "31/12/2026 23:59")
        #expect(certificate.valid(at: lastSecond.now()))
        #expect(!certificate.valid(at: oneLater.now()))
        #expect(!certificate.valid(at: certificate.notBefore - 1))
    }
}
