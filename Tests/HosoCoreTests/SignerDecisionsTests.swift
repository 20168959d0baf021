import HosoCore
import Testing

/// Every signer the documents name (issue 14, part 2): the class's subject teachers, each once
/// (seed 001 Điều 8.5, seed 000), the clerk's seal step (seed 001 Điều 12.3), the uploader's own
/// signature before the first approval (seed 004).
@Suite struct SignerDecisionsTests {
    static let school = UnitPosition(tenantID: 1, unitID: 10, ancestry: [1, 10])

    static func actor(_ id: Int64, _ role: Role) -> Actor {
        Actor(
            userID: id, tenantID: 1, login: "u\(id)", displayName: "U\(id)",
            grants: [Grant(role: role, unitID: 10, unitCode: "U10")])
    }

    static let homeroom = actor(100, .teacher)
    static let maths = actor(101, .teacher)
    static let literature = actor(102, .teacher)
    static let outsider = actor(103, .teacher)
    static let principal = actor(200, .principal)
    static let clerk = actor(300, .clerk)

    /// The transcript as seed 000 has it: the homeroom teacher uploads and signs, each subject
    /// teacher confirms, the principal signs, the office seals.
    static func transcript() throws -> RecordType {
        RecordType(
            code: "student_transcript", nameVi: "Học bạ", nameEn: "Transcript", basis: "", levels: [.lowerSecondary],
            owner: .homeroomTeacher, cadence: .yearly, due: .daysAfterYearEnd(0), shift: .none, formats: [.pdf],
            maxBytes: 1 << 20, submitter: .teacher,
            chain: try ApprovalChain([
                .init(role: .teacher, signatureRequired: true, signers: .classSubjectTeachers),
                .init(role: .principal, signatureRequired: true),
                .init(role: .clerk, seal: true),
            ]),
            retention: .unset, storage: .electronic, entryWindow: false, submissionSignatureRequired: true)
    }

    static func record(
        _ actor: Actor, state: RecordWorkflow.State, signed: Set<Int64> = [], submissionSigned: Bool = true,
        teachers: Set<Int64> = [101, 102]
    ) throws -> RecordSnapshot {
        var record = RecordSnapshot(
            actor: actor, unit: school, type: try transcript(), state: state, revision: 1, ownerUserID: 100,
            ownedByGroup: false,
            actorInOwningGroup: false, headship: .none, withdrawn: false, exempt: false, window: nil, hasVersion: true,
            sealedAndSigned: false, pendingCorrection: false)
        record.signers = SignerFacts(
            classSubjectTeachers: teachers, approvedCurrentStep: signed, uploaderUserID: 100,
            submissionSigned: submissionSigned)
        return record
    }

    static func refusal(_ decision: () throws -> Any) -> String? {
        do {
            _ = try decision()
            return nil
        } catch let error as HosoError { return error.code } catch { return "\(error)" }
    }

    @Test func eachSubjectTeacherSignsOnceAndTheStepEndsWithTheLast() throws {
        // The first of two teachers: the step stays open, 1 of 2.
        let first = try Self.record(Self.maths, state: .awaitingStep(0))
        #expect(try RecordDecisions.approve(first, step: 0, signed: true) == .awaitingStep(0))
        #expect(SignerDecisions.progress(first).map { [$0.signed, $0.of] } == [0, 2])
        // The second: on to the principal.
        let second = try Self.record(Self.literature, state: .awaitingStep(0), signed: [101])
        #expect(SignerDecisions.progress(second).map { [$0.signed, $0.of] } == [1, 2])
        #expect(try RecordDecisions.approve(second, step: 0, signed: true) == .awaitingStep(1))
        // A subject teacher sees the class's transcript (to confirm it); a colleague of no such class does not.
        #expect(try RecordDecisions.view(first).contains(.teacher))
        #expect(
            Self.refusal { try RecordDecisions.view(try Self.record(Self.outsider, state: .awaitingStep(0))) }
                == "record.not_found")
    }

    @Test func badSignersAreRefusedWithStableCodes() throws {
        // The homeroom teacher (the owner, who sees it) is not assigned to teach the class.
        #expect(
            Self.refusal {
                try RecordDecisions.approve(
                    try Self.record(Self.homeroom, state: .awaitingStep(0)), step: 0, signed: true)
            }
                == "signers.not_assigned")
        // A second signature by the same teacher.
        #expect(
            Self.refusal {
                try RecordDecisions.approve(
                    try Self.record(Self.maths, state: .awaitingStep(0), signed: [101]), step: 0, signed: true)
            } == "signers.already_signed")
        // Without a signature where the step needs one.
        #expect(
            Self.refusal {
                try RecordDecisions.approve(
                    try Self.record(Self.maths, state: .awaitingStep(0)), step: 0, signed: false)
            }
                == "workflow.signature_required")
        // A class with nobody assigned cannot pass the step.
        #expect(
            Self.refusal {
                try RecordDecisions.approve(
                    try Self.record(Self.maths, state: .awaitingStep(0), teachers: []), step: 0, signed: true)
            } == "record.not_found")
        #expect(
            Self.refusal {
                try RecordDecisions.approve(
                    try Self.record(Self.principal, state: .awaitingStep(0), teachers: []), step: 0, signed: true)
            } == "signers.none_assigned")
    }

    @Test func theFirstStepWaitsForTheUploadersSignature() throws {
        let unsigned = try Self.record(Self.maths, state: .awaitingStep(0), submissionSigned: false)
        #expect(
            Self.refusal { try RecordDecisions.approve(unsigned, step: 0, signed: true) }
                == "signature.submission_required")
        // The uploader may sign now, once; nobody else may.
        #expect(
            Self.refusal {
                try SignerDecisions.signSubmission(
                    try Self.record(Self.homeroom, state: .awaitingStep(0), submissionSigned: false))
            } == nil)
        #expect(
            RecordDecisions.offered(try Self.record(Self.homeroom, state: .awaitingStep(0), submissionSigned: false))
                .signSubmission)
        #expect(Self.refusal { try SignerDecisions.signSubmission(unsigned) } == "signature.not_uploader")
        #expect(
            Self.refusal { try SignerDecisions.signSubmission(try Self.record(Self.homeroom, state: .awaitingStep(0))) }
                == "signature.submission_already_signed")
        #expect(
            Self.refusal {
                try SignerDecisions.signSubmission(
                    try Self.record(Self.homeroom, state: .awaitingStep(1), submissionSigned: false))
            }
                == "signature.submission_not_open")
    }

    @Test func theClerkSealsAtAStepOfTheirOwn() throws {
        let awaitingSeal = RecordWorkflow.State.awaitingStep(2)
        #expect(
            try RecordDecisions.approve(try Self.record(Self.clerk, state: awaitingSeal), step: 2, signed: true)
                == .approved)
        #expect(
            Self.refusal {
                try RecordDecisions.approve(try Self.record(Self.clerk, state: awaitingSeal), step: 2, signed: false)
            }
                == "workflow.signature_required")
        #expect(
            Self.refusal {
                try RecordDecisions.approve(try Self.record(Self.principal, state: awaitingSeal), step: 2, signed: true)
            }
                == "workflow.wrong_role")
        // The principal's approval no longer ends the chain: the clerk's step follows.
        #expect(
            try RecordDecisions.approve(try Self.record(Self.principal, state: .awaitingStep(1)), step: 1, signed: true)
                == .awaitingStep(2))
        let chain = try Self.transcript().chain
        #expect(chain.sealStepIndex == 2 && !chain.sealAutomatic && chain.approvalSteps.count == 2)
        // A seal step must come last.
        #expect(
            Self.refusal { try ApprovalChain([.init(role: .clerk, seal: true), .init(role: .principal)]) }
                == "rules.seal_not_last")
    }

    @Test func peopleFilesNameTheSubjectsTaughtPerClass() throws {
        let (rows, rejected) = try PeopleImport.parse(
            """
            login,homeroom_class,teaches
            gv.toan,6A1,6A1:toan;6A2:toan
            gv.van,,6A1:van
            gv.bad,,6A1
            gv.twice,,6A1:van;6A1:van
            """)
        #expect(
            rows.map(\.teaches) == [
                [.init(classCode: "6A1", subject: "toan"), .init(classCode: "6A2", subject: "toan")],
                [.init(classCode: "6A1", subject: "van")],
            ])
        #expect(rejected.map(\.error.code) == ["people.bad_teaches", "people.duplicate_teaches"])
    }

    @Test func aSubjectTeacherTheClerkOrThePrincipalMaySendItBack() throws {
        let atTeachers = RecordWorkflow.State.awaitingStep(0)
        #expect(
            try RecordDecisions.returnToSubmitter(
                try Self.record(Self.maths, state: atTeachers), step: 0, comment: " Sai điểm ")
                == (.returned(step: 0), "Sai điểm"))
        #expect(
            try RecordDecisions.returnToSubmitter(
                try Self.record(Self.principal, state: atTeachers), step: 0, comment: "x"
            ).state
                == .returned(step: 0))
        #expect(
            Self.refusal {
                try RecordDecisions.returnToSubmitter(
                    try Self.record(Self.homeroom, state: atTeachers), step: 0, comment: "x")
            } == "signers.not_assigned")
        #expect(
            Self.refusal {
                try RecordDecisions.returnToSubmitter(
                    try Self.record(Self.maths, state: atTeachers), step: 0, comment: " ")
            } == "workflow.comment_required")
        #expect(
            try RecordDecisions.returnToSubmitter(
                try Self.record(Self.clerk, state: .awaitingStep(2)), step: 2, comment: "x"
            ).state
                == .returned(step: 2))
        // What the page offers is what is accepted.
        #expect(RecordDecisions.offered(try Self.record(Self.maths, state: atTeachers)).returnToSubmitter)
        #expect(!RecordDecisions.offered(try Self.record(Self.homeroom, state: atTeachers)).returnToSubmitter)
    }
}
