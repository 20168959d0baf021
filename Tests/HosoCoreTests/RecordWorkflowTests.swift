import HosoCore
import Testing

@Suite struct RecordWorkflowTests {
    /// A lesson plan: teacher submits; subject-group head, then principal (who must sign).
    static func lessonPlan() throws -> RecordWorkflow {
        RecordWorkflow(chain: try ApprovalChain([.init(role: .subjectGroupHead), .init(role: .principal, signatureRequired: true)]),
                       submitter: .teacher)
    }

    @Test func theChainIsWalkedInOrderThenLocked() throws {
        let flow = try Self.lessonPlan()
        var state = RecordWorkflow.State.open
        state = try flow.apply(.submit, to: state, by: [.teacher])
        #expect(state == .awaitingStep(0))
        state = try flow.apply(.approve(step: 0, signed: false), to: state, by: [.subjectGroupHead, .teacher])
        #expect(state == .awaitingStep(1))
        state = try flow.apply(.approve(step: 1, signed: true), to: state, by: [.principal])
        #expect(state == .approved)
        state = try flow.apply(.lock, to: state, by: [.principal])
        #expect(state == .locked)
    }

    @Test func onlyTheRoleOfTheCurrentStepActsAndOnlyOnce() throws {
        let flow = try Self.lessonPlan()
        #expect(throws: HosoError("workflow.wrong_role", ["role": "subject_group_head"])) {
            try flow.apply(.approve(step: 0, signed: false), to: .awaitingStep(0), by: [.principal])
        }
        #expect(throws: HosoError("workflow.not_submitter", ["role": "teacher"])) { try flow.apply(.submit, to: .open, by: [.principal]) }
        // Two heads act at once: the second one's event names a step that has moved on.
        #expect(throws: HosoError("workflow.conflict", ["step": "1", "current": "2"])) {
            try flow.apply(.approve(step: 0, signed: false), to: .awaitingStep(1), by: [.subjectGroupHead])
        }
        #expect(throws: HosoError("workflow.signature_required", ["step": "2"])) {
            try flow.apply(.approve(step: 1, signed: false), to: .awaitingStep(1), by: [.principal])
        }
    }

    @Test func returnsNeedACommentAndGoBackToTheSubmitter() throws {
        let flow = try Self.lessonPlan()
        #expect(throws: HosoError("workflow.comment_required")) {
            try flow.apply(.returnToSubmitter(step: 0, comment: "  "), to: .awaitingStep(0), by: [.subjectGroupHead])
        }
        let returned = try flow.apply(.returnToSubmitter(step: 0, comment: "Thiếu phần Rút kinh nghiệm"), to: .awaitingStep(0), by: [.subjectGroupHead])
        #expect(returned == .returned(step: 0))
        #expect(try flow.apply(.submit, to: returned, by: [.teacher]) == .awaitingStep(0))
    }

    @Test func aLockedRecordChangesOnlyThroughACorrection() throws {
        let flow = try Self.lessonPlan()
        #expect(throws: HosoError("workflow.locked")) { try flow.apply(.submit, to: .locked, by: [.teacher]) }
        #expect(throws: HosoError("workflow.reason_required")) {
            try flow.apply(.openCorrection(reason: "", consentedBy: .principal), to: .locked, by: [.teacher])
        }
        #expect(throws: HosoError("workflow.consent_required")) {
            try flow.apply(.openCorrection(reason: "Sai điểm", consentedBy: .vicePrincipal), to: .locked, by: [.teacher])
        }
        let correcting = try flow.apply(.openCorrection(reason: "Sai điểm", consentedBy: .principal), to: .locked, by: [.teacher])
        #expect(try flow.apply(.submit, to: correcting, by: [.teacher]) == .awaitingStep(0), "the chain again")
        #expect(throws: HosoError("workflow.not_approved")) { try flow.apply(.lock, to: .awaitingStep(1), by: [.principal]) }
    }

    @Test func chainsAreChecked() {
        #expect(throws: HosoError("rules.empty_chain")) { try ApprovalChain([]) }
        #expect(throws: HosoError("rules.repeated_role", ["role": "principal"])) {
            try ApprovalChain([.init(role: .principal), .init(role: .principal)])
        }
        #expect(throws: HosoError("rules.inspector_in_chain", ["role": "district_inspector"])) {
            try ApprovalChain([.init(role: .districtInspector)])
        }
    }
}
