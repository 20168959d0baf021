/// The signers the documents name beyond one approver per step (issue 14, part 2):
/// - the uploader's own signature, made after upload and before leadership approves (seed 004:
///   "Các loại hồ sơ phải được ký số sau khi đã đưa lên hệ thống. sau đó gửi BGH phê duyệt");
/// - a step that every subject teacher of the class signs (seed 001 Điều 8.5: "lấy chữ ký xác nhận
///   của từng giáo viên bộ môn"; seed 000: "giáo viên bộ môn, giáo viên chủ nhiệm và hiệu trưởng
///   thực hiện ký duyệt học bạ");
/// - the school's seal applied by the clerk at a step of its own (seed 001 Điều 12.3: "Đóng dấu, lưu
///   trữ hồ sơ ... : Văn phòng của cơ sở giáo dục").
///
/// Where a type requires the uploader's signature, the version is submitted (its deadline is met
/// by the upload) and the FIRST STEP refuses to approve until it is signed: the seed's order is
/// upload, then sign, then send to leadership, so the upload time stays the submission time.
public enum SignerDecisions {
    static let policy = Policy()

    /// Whether the actor is one of the class's subject teachers for a record whose chain has
    /// their step (they see it, to confirm their subject).
    public static func isClassSubjectTeacher(_ record: RecordSnapshot) -> Bool {
        record.type.chain.steps.contains { $0.signers == .classSubjectTeachers }
            && record.signers.classSubjectTeachers.contains(record.actor.userID)
    }

    /// "k of n": how many of the class's subject teachers signed the current step (when it is theirs).
    public static func progress(_ record: RecordSnapshot) -> (signed: Int, of: Int)? {
        guard case .awaitingStep(let step) = record.state, record.type.chain.steps.indices.contains(step),
            record.type.chain.steps[step].signers == .classSubjectTeachers
        else { return nil }
        let assigned = record.signers.classSubjectTeachers
        return (record.signers.approvedCurrentStep.intersection(assigned).count, assigned.count)
    }

    /// Refuses the first approval while the uploader's required signature is missing.
    static func checkSubmissionSigned(_ record: RecordSnapshot, step: Int) throws {
        if step == 0 && record.type.submissionSignatureRequired && record.hasVersion && !record.signers.submissionSigned
        {
            throw HosoError("signature.submission_required")
        }
    }

    /// An approval at a step of its own kind (the subject teachers', the clerk's seal); `nil`
    /// for an ordinary step, which `RecordDecisions.approve` decides.
    static func approveSpecial(
        _ record: RecordSnapshot, step: Int, signed: Bool, revision: Int?
    ) throws -> RecordWorkflow.State? {
        let steps = record.type.chain.steps
        guard steps.indices.contains(step), steps[step].seal || steps[step].signers != .anyHolder else { return nil }
        let roles = try RecordDecisions.view(record)
        if let revision, revision != record.revision {
            throw HosoError("workflow.stale", ["revision": String(record.revision)])
        }
        guard case .awaitingStep(let current) = record.state else {
            throw HosoError("workflow.conflict", ["step": String(step + 1), "current": "—"])
        }
        guard step == current else {
            throw HosoError("workflow.conflict", ["step": String(step + 1), "current": String(current + 1)])
        }
        try checkSubmissionSigned(record, step: step)
        let rule = steps[step]
        let next: RecordWorkflow.State = step + 1 < steps.count ? .awaitingStep(step + 1) : .approved
        if rule.seal {
            // The clerk (the step's role) seals; the seal is the signature this step needs.
            guard roles.contains(rule.role) else {
                throw HosoError("workflow.wrong_role", ["role": rule.role.rawValue])
            }
            guard signed else { throw HosoError("workflow.signature_required", ["step": String(step + 1)]) }
            return next
        }
        // Every subject teacher of the class, each once.
        let assigned = record.signers.classSubjectTeachers
        guard !assigned.isEmpty else { throw HosoError("signers.none_assigned") }
        guard assigned.contains(record.actor.userID), roles.contains(rule.role) else {
            throw HosoError("signers.not_assigned")
        }
        guard !record.signers.approvedCurrentStep.contains(record.actor.userID) else {
            throw HosoError("signers.already_signed")
        }
        guard signed || !rule.signatureRequired else {
            throw HosoError("workflow.signature_required", ["step": String(step + 1)])
        }
        let done = record.signers.approvedCurrentStep.union([record.actor.userID])
        return assigned.isSubset(of: done) ? next : .awaitingStep(step)
    }

    /// A return at a step of its own kind: the class's assigned subject teachers at theirs, the
    /// clerk at the seal step, and the principal at either send the record back with a comment;
    /// `nil` for an ordinary step, which `RecordDecisions.returnToSubmitter` decides.
    static func returnSpecial(
        _ record: RecordSnapshot, step: Int, comment: String, revision: Int?
    ) throws -> (state: RecordWorkflow.State, comment: String)? {
        let steps = record.type.chain.steps
        guard steps.indices.contains(step), steps[step].seal || steps[step].signers != .anyHolder else { return nil }
        let roles = try RecordDecisions.view(record)
        if let revision, revision != record.revision {
            throw HosoError("workflow.stale", ["revision": String(record.revision)])
        }
        guard case .awaitingStep(let current) = record.state else { throw HosoError("workflow.not_awaiting") }
        guard step == current else {
            throw HosoError("workflow.conflict", ["step": String(step + 1), "current": String(current + 1)])
        }
        let rule = steps[step]
        if !roles.contains(.principal) {
            if rule.seal {
                guard roles.contains(rule.role) else {
                    throw HosoError("workflow.wrong_role", ["role": rule.role.rawValue])
                }
            } else {
                guard record.signers.classSubjectTeachers.contains(record.actor.userID), roles.contains(rule.role)
                else {
                    throw HosoError("signers.not_assigned")
                }
            }
        }
        let trimmed = Text.trimmed(comment)
        guard !trimmed.isEmpty else { throw HosoError("workflow.comment_required") }
        guard trimmed.count <= RecordDecisions.maxCommentLength else { throw HosoError("workflow.comment_too_long") }
        return (.returned(step: step), trimmed)
    }

    /// The uploader signs their own version (with their key from the key store, or a manifest
    /// signed outside Hoso): after upload, before any approval, once.
    public static func signSubmission(_ record: RecordSnapshot) throws {
        _ = try RecordDecisions.view(record)
        guard record.hasVersion, case .awaitingStep(0) = record.state, record.signers.approvedCurrentStep.isEmpty else {
            throw HosoError("signature.submission_not_open")
        }
        guard record.signers.uploaderUserID == record.actor.userID else { throw HosoError("signature.not_uploader") }
        guard !record.signers.submissionSigned else { throw HosoError("signature.submission_already_signed") }
    }
}
