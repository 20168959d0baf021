/// Who approves a record and in which order (e.g. teacher → subject-group head → principal), and
/// whether each step must carry a digital signature. Part of a versioned rule-set.
public struct ApprovalChain: Sendable, Hashable {
    /// Who signs at a step: any one holder of its role, or every subject teacher the record's
    /// class has (seed 001: "lấy chữ ký xác nhận của từng giáo viên bộ môn").
    public enum Signers: String, Sendable, Hashable {
        case anyHolder = "any"
        case classSubjectTeachers = "class_subject_teachers"
    }

    public struct Step: Sendable, Hashable {
        public let role: Role
        public let signatureRequired: Bool
        /// The school's organisation seal, applied by the holder of `role` (the clerk: seed 001
        /// "Đóng dấu, lưu trữ hồ sơ ... : Văn phòng của cơ sở giáo dục"). Always the last step.
        public let seal: Bool
        public let signers: Signers
        public init(role: Role, signatureRequired: Bool = false, seal: Bool = false, signers: Signers = .anyHolder) {
            self.role = role
            self.signatureRequired = signatureRequired || seal
            self.seal = seal
            self.signers = signers
        }
    }

    public let steps: [Step]

    /// A chain must have a step, and no role may approve at two steps (that would be approving
    /// one's own approval); inspectors never approve. A seal step comes last and only once.
    public init(_ steps: [Step]) throws {
        guard !steps.isEmpty else { throw HosoError("rules.empty_chain") }
        var seen: Set<Role> = []
        for (index, step) in steps.enumerated() {
            guard !step.role.isInspector else { throw HosoError("rules.inspector_in_chain", ["role": step.role.rawValue]) }
            guard seen.insert(step.role).inserted else { throw HosoError("rules.repeated_role", ["role": step.role.rawValue]) }
            if step.seal && (index != steps.count - 1 || index == 0) {
                throw HosoError("rules.seal_not_last", ["role": step.role.rawValue])
            }
            if step.seal && step.signers != .anyHolder {
                throw HosoError("rules.seal_not_last", ["role": step.role.rawValue])
            }
        }
        self.steps = steps
    }

    /// The chain's seal step (the clerk's), when the seal is a step of its own.
    public var sealStepIndex: Int? { steps.last?.seal == true ? steps.count - 1 : nil }

    /// The approval steps, without the seal step: what a manifest lists as its chain.
    public var approvalSteps: [Step] { steps.filter { !$0.seal } }

    /// Whether the seal is applied automatically with the last approval (no seal step of its
    /// own, a tenant's `seal: automatic`) rather than by the clerk at a step.
    public var sealAutomatic: Bool { sealRequired && sealStepIndex == nil }
}
