/// Who approves a record and in which order (e.g. teacher → subject-group head → principal), and
/// whether each step must carry a digital signature. Part of a versioned rule-set.
public struct ApprovalChain: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public let role: Role
        public let signatureRequired: Bool
        public init(role: Role, signatureRequired: Bool = false) {
            self.role = role
            self.signatureRequired = signatureRequired
        }
    }

    public let steps: [Step]

    /// A chain must have a step, and no role may approve at two steps (that would be approving
    /// one's own approval); inspectors never approve.
    public init(_ steps: [Step]) throws {
        guard !steps.isEmpty else { throw HosoError("rules.empty_chain") }
        var seen: Set<Role> = []
        for step in steps {
            guard !step.role.isInspector else { throw HosoError("rules.inspector_in_chain", ["role": step.role.rawValue]) }
            guard seen.insert(step.role).inserted else { throw HosoError("rules.repeated_role", ["role": step.role.rawValue]) }
        }
        self.steps = steps
    }
}
