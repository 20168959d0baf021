/// What a record decision looks at (`RecordDecisions`), read by the store under the record's row
/// lock in the transaction that will persist the outcome.
public struct RecordSnapshot: Sendable {
    public let actor: Actor
    public let unit: UnitPosition
    public let type: RecordType
    public let state: RecordWorkflow.State
    public let revision: Int
    /// The person the item belongs to, when it is one person's.
    public let ownerUserID: Int64?
    /// The item belongs to a group (a subject group, the office) rather than one person.
    public let ownedByGroup: Bool
    /// The actor is a current member of the group the item belongs to.
    public let actorInOwningGroup: Bool
    public let headship: GroupHeadship
    public let withdrawn: Bool
    public let exempt: Bool
    /// The latest entry window order for this item: open, closed, or none given.
    public let window: Bool?
    public let hasVersion: Bool
    /// The current version's manifest holds every signature its chain needs and the seal.
    public let sealedAndSigned: Bool
    /// A correction is requested or granted and not yet done.
    public let pendingCorrection: Bool
    /// A scan of the printed, hand-signed and stamped copy of the current version is filed
    /// (`PaperCopyDecisions`; set by the store after the snapshot is built).
    public var paperCopyFiled = false
    /// A granted correction's minutes are not issued yet, or not confirmed by every witness (set
    /// by the store): the corrected record is not locked before them (seed 001, Điều 10.3).
    public var correctionMinutesOutstanding = false

    /// Who has signed what of the current version, and who must (`SignerDecisions`); loaded by
    /// the store with the rest, set after the snapshot is made.
    public var signers = SignerFacts()

    /// The actor's roles over the record's unit.
    public var actorRoles: Set<Role> { Policy().roles(actor, covering: unit.ancestry) }

    public init(
        actor: Actor, unit: UnitPosition, type: RecordType, state: RecordWorkflow.State, revision: Int,
        ownerUserID: Int64?, ownedByGroup: Bool, actorInOwningGroup: Bool, headship: GroupHeadship,
        withdrawn: Bool, exempt: Bool, window: Bool?, hasVersion: Bool, sealedAndSigned: Bool, pendingCorrection: Bool
    ) {
        self.actor = actor
        self.unit = unit
        self.type = type
        self.state = state
        self.revision = revision
        self.ownerUserID = ownerUserID
        self.ownedByGroup = ownedByGroup
        self.actorInOwningGroup = actorInOwningGroup
        self.headship = headship
        self.withdrawn = withdrawn
        self.exempt = exempt
        self.window = window
        self.hasVersion = hasVersion
        self.sealedAndSigned = sealedAndSigned
        self.pendingCorrection = pendingCorrection
    }
}

/// Which subject groups the actor heads, as far as one record is concerned.
public struct GroupHeadship: Sendable, Equatable {
    /// The actor heads at least one group.
    public let headsAnyGroup: Bool
    /// The actor heads a group the record's owner belongs to.
    public let headsOwnersGroup: Bool

    public init(headsAnyGroup: Bool, headsOwnersGroup: Bool) {
        self.headsAnyGroup = headsAnyGroup
        self.headsOwnersGroup = headsOwnersGroup
    }

    public static let none = GroupHeadship(headsAnyGroup: false, headsOwnersGroup: false)
}

/// The rules about who sees which records and whose records a group head approves: used by the
/// decisions on one record and by every list (queues, what a person owes) alike.
public enum RecordAccess {
    /// Someone who is only a teacher at the unit sees their own items and their groups' items;
    /// any other role there sees the unit's items.
    public static func isVisible(roles: Set<Role>, ownerUserID: Int64?, actorUserID: Int64, inOwningGroup: Bool) -> Bool
    {
        guard roles.subtracting([.teacher]).isEmpty else { return !roles.isEmpty }
        return ownerUserID == actorUserID || (ownerUserID == nil && inOwningGroup)
    }

    /// At a subject-group head's step, a head approves the teachers of the groups they head; a
    /// holder of the role who heads no group (a school that keeps no groups) approves any.
    public static func groupHeadMayApprove(stepRole: Role, headship: GroupHeadship) -> Bool {
        stepRole != .subjectGroupHead || !headship.headsAnyGroup || headship.headsOwnersGroup
    }
}

/// The signers of a record's current version beyond one holder per step: the uploader's own
/// signature (seed 004) and every subject teacher of the record's class (seed 001).
public struct SignerFacts: Sendable, Equatable {
    /// The subject teachers assigned to the record's class now (empty for a record of no class).
    public var classSubjectTeachers: Set<Int64>
    /// Who approved the current step of the current version since it was last submitted.
    public var approvedCurrentStep: Set<Int64>
    /// Who uploaded the current version.
    public var uploaderUserID: Int64?
    /// The current version carries its uploader's valid `submission` signature.
    public var submissionSigned: Bool

    public init(classSubjectTeachers: Set<Int64> = [], approvedCurrentStep: Set<Int64> = [], uploaderUserID: Int64? = nil,
                submissionSigned: Bool = false) {
        self.classSubjectTeachers = classSubjectTeachers
        self.approvedCurrentStep = approvedCurrentStep
        self.uploaderUserID = uploaderUserID
        self.submissionSigned = submissionSigned
    }
}
