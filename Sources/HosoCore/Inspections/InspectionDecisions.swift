/// One pure decision per step of an inspection. The store loads a snapshot under the
/// inspection's lock, asks the decision here and persists what it returns in the same
/// transaction; pages ask the same functions which actions to offer (`offers`), so a button is
/// shown exactly when the step would be accepted. Each refusal keeps its stable code.
public enum InspectionDecisions {
    /// A member of the team who still holds an inspecting role over the whole scope (roles change
    /// in the directory after the team is named).
    public static func requireInspector(_ actor: Actor, _ inspection: InspectionSnapshot) throws {
        guard inspection.member(actor.userID) != nil,
            InspectionRules.mayInspect(grants: actor.grants, kind: inspection.kind, scope: inspection.scope)
        else {
            throw HosoError("inspection.not_inspector")
        }
    }

    /// A plan, before it is stored: the planner's right over the issuer and the scope, every
    /// named login known (`unknownLogins`: those that are not), each named person's inspecting
    /// role over the whole scope, then the plan's own content. The right comes first, so that
    /// someone who may not plan learns nothing about the logins they try.
    public static func plan(
        _ actor: Actor, _ plan: InspectionPlan, issuer: UnitPosition, scope: [UnitPosition],
        team: [TeamCandidate], unknownLogins: [String] = [], knownRecordTypes: Set<String>,
        policy: Policy = Policy()
    ) throws {
        guard InspectionRules.mayPlan(actor, kind: plan.kind, issuer: issuer, scope: scope, policy: policy) else {
            throw HosoError("inspection.not_allowed_planner")
        }
        if let login = unknownLogins.first {
            throw HosoError("inspection.unknown_person", ["login": String(login.prefix(60))])
        }
        for person in team where !InspectionRules.mayInspect(grants: person.grants, kind: plan.kind, scope: scope) {
            throw HosoError("inspection.member_not_inspector", ["name": person.displayName, "login": person.login])
        }
        try InspectionRules.validate(plan, knownRecordTypes: knownRecordTypes)
    }

    /// Starting: a named inspector, a planned inspection. The checklist's size is `checklist`.
    public static func start(_ actor: Actor, _ inspection: InspectionSnapshot) throws -> InspectionState {
        try requireInspector(actor, inspection)
        return try InspectionRules.apply(.start, to: inspection.state)
    }

    /// The checklist drawn at the start: not empty, not more than an inspection can hold.
    public static func checklist(count: Int) throws {
        guard count > 0 else { throw HosoError("inspection.empty_checklist") }
        guard count <= InspectionRules.maxChecklist else {
            throw HosoError(
                "inspection.checklist_too_long", ["count": String(count), "max": String(InspectionRules.maxChecklist)])
        }
    }

    /// Cancelling a plan that has not started: whoever may plan it at the issuing unit.
    public static func cancel(
        _ actor: Actor, _ inspection: InspectionSnapshot, policy: Policy = Policy()
    ) throws -> InspectionState {
        guard mayPlan(actor, inspection, policy: policy) else { throw HosoError("scope.forbidden") }
        return try InspectionRules.apply(.cancel, to: inspection.state)
    }

    /// Marking a line of the checklist: an inspector, a decided verdict, a note within bounds, an
    /// inspection in progress, a line of this inspection (`item`, nil when it is not one).
    public static func mark(
        _ actor: Actor, _ inspection: InspectionSnapshot, item: InspectionItemRef?,
        verdict: String?, note: String?
    ) throws -> (verdict: Verdict, note: String?) {
        try requireInspector(actor, inspection)
        guard let checked = verdict.flatMap(Verdict.init(rawValue:)), checked != .pending else {
            throw HosoError("inspection.unknown_verdict", ["verdict": String((verdict ?? "").prefix(20))])
        }
        let note = note.map(Text.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        if let note, note.count > InspectionRules.maxText {
            throw HosoError("inspection.text_too_long", ["max": String(InspectionRules.maxText)])
        }
        try requireLine(inspection, item)
        return (checked, note)
    }

    /// Evidence on a line: an inspector, an inspection in progress, a line of it.
    public static func attach(_ actor: Actor, _ inspection: InspectionSnapshot, item: InspectionItemRef?) throws {
        try requireInspector(actor, inspection)
        try requireLine(inspection, item)
    }

    /// A finding on a line: an inspector, a line named, a known severity, some text; in progress.
    public static func addFinding(
        _ actor: Actor, _ inspection: InspectionSnapshot, itemID: Int64?, item: InspectionItemRef?,
        severity: String?, text: String
    ) throws -> (severity: FindingSeverity, text: String) {
        try requireInspector(actor, inspection)
        let (_, severity, text) = try InspectionRules.checkFinding(itemID: itemID, severity: severity, text: text)
        try requireLine(inspection, item)
        return (severity, text)
    }

    /// A follow-up action on a finding: an inspector; an action, an owner and a due date not
    /// before today; a finding of this inspection; in progress or concluded; an owner who works in
    /// (or above) the finding's unit (`owner`: the owner's grants, read with the snapshot).
    public static func addFollowUp(
        _ actor: Actor, _ inspection: InspectionSnapshot, finding: InspectionItemRef?,
        ownerUserID: Int64?, ownerGrants: [Grant], dueOn: LocalDate?, action: String,
        today: LocalDate
    ) throws -> (owner: Int64, due: LocalDate, action: String) {
        try requireInspector(actor, inspection)
        let checked = try InspectionRules.checkFollowUp(
            ownerUserID: ownerUserID, dueOn: dueOn, action: action, today: today)
        guard let finding else { throw HosoError("inspection.finding_not_found") }
        try requireOpenForFollowUps(inspection)
        guard ownerGrants.contains(where: { finding.unit.ancestry.contains($0.unitID) }) else {
            throw HosoError("inspection.owner_out_of_scope")
        }
        return checked
    }

    /// Marking a follow-up done. Visibility first: someone who cannot see it is told it does not
    /// exist (404), as for an id that was never issued, so ids cannot be probed; then its owner,
    /// or an inspector of the team, may mark it (403 otherwise); a note; still open; the
    /// inspection in progress or concluded.
    public static func completeFollowUp(
        _ actor: Actor, _ inspection: InspectionSnapshot, followUp: FollowUpRef,
        note: String, policy: Policy = Policy()
    ) throws -> String {
        let owner = followUp.ownerUserID == actor.userID
        let sight = InspectionVisibility.sight(actor, inspection, policy: policy)
        guard owner || InspectionVisibility.sees(actor, sight, unit: followUp.unit, policy: policy) else {
            throw HosoError("inspection.follow_up_not_found")
        }
        guard owner || (try? requireInspector(actor, inspection)) != nil else {
            throw HosoError("inspection.follow_up_not_yours")
        }
        let note = Text.trimmed(note)
        guard !note.isEmpty else { throw HosoError("inspection.follow_up_note_required") }
        guard note.count <= InspectionRules.maxText else {
            throw HosoError("inspection.text_too_long", ["max": String(InspectionRules.maxText)])
        }
        guard followUp.state == .open else { throw HosoError("inspection.follow_up_done_already") }
        try requireOpenForFollowUps(inspection)
        return note
    }

    /// What concluding writes: the next state and the texts as stored.
    public struct Conclusion: Sendable, Equatable {
        public let state: InspectionState
        public let conclusions: String
        public let recommendations: String?

        public init(state: InspectionState, conclusions: String, recommendations: String?) {
            self.state = state
            self.conclusions = conclusions
            self.recommendations = recommendations
        }
    }

    /// Concluding: the team's leader (still an inspector), in progress, texts within bounds,
    /// every line decided (`pendingItems`, counted under the lock).
    public static func conclude(
        _ actor: Actor, _ inspection: InspectionSnapshot, pendingItems: Int, conclusions: String,
        recommendations: String?
    ) throws -> Conclusion {
        try requireInspector(actor, inspection)
        guard inspection.member(actor.userID)?.leader == true else { throw HosoError("inspection.leader_only") }
        let next = try InspectionRules.apply(.conclude, to: inspection.state)
        let recommendations = recommendations.map(Text.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        if let recommendations, recommendations.count > InspectionRules.maxText * 2 {
            throw HosoError("inspection.text_too_long", ["max": String(InspectionRules.maxText * 2)])
        }
        try InspectionRules.checkConclusion(pending: 0, conclusions: conclusions)
        try InspectionRules.checkConclusion(pending: pendingItems, conclusions: conclusions)
        return Conclusion(state: next, conclusions: Text.trimmed(conclusions), recommendations: recommendations)
    }

    /// Closing: the leader (still an inspector) or whoever may plan at the issuing unit; a
    /// concluded inspection whose follow-ups are all done.
    public static func close(
        _ actor: Actor, _ inspection: InspectionSnapshot, openFollowUps: Int,
        policy: Policy = Policy()
    ) throws -> InspectionState {
        let leader =
            inspection.member(actor.userID)?.leader == true && (try? requireInspector(actor, inspection)) != nil
        guard leader || mayPlan(actor, inspection, policy: policy) else { throw HosoError("inspection.leader_only") }
        let next = try InspectionRules.apply(.close, to: inspection.state)
        try InspectionRules.checkClosure(openFollowUps: openFollowUps)
        return next
    }

    /// Whether opening a record of the checklist is part of the inspection (logged with it, the
    /// version kept as evidence): a member, in progress, a line of it.
    public static func viewIsEvidence(
        _ actor: Actor, _ inspection: InspectionSnapshot, item: InspectionItemRef?
    ) -> Bool {
        inspection.member(actor.userID) != nil && inspection.state == .inProgress && item != nil
    }

    /// Downloading the minutes: whoever sees the inspection, once they are issued.
    public static func minutes(_ actor: Actor, _ inspection: InspectionSnapshot, policy: Policy = Policy()) throws {
        guard InspectionVisibility.sight(actor, inspection, policy: policy) != .none else {
            throw HosoError("inspection.not_found")
        }
        guard inspection.hasMinutes else { throw HosoError("inspection.no_minutes") }
    }

    /// Whether the actor may plan (and so cancel or close) at the inspection's issuing unit.
    public static func mayPlan(_ actor: Actor, _ inspection: InspectionSnapshot, policy: Policy = Policy()) -> Bool {
        InspectionRules.mayPlan(
            actor, kind: inspection.kind, issuer: inspection.issuer, scope: inspection.scope, policy: policy)
    }

    /// The steps the page offers: each is offered exactly when its decision accepts it with
    /// well-formed input (what the person types is checked when they send it).
    public static func offers(
        _ actor: Actor, _ inspection: InspectionSnapshot, policy: Policy = Policy()
    ) -> InspectionOffers {
        let line = InspectionItemRef(unit: inspection.issuer)
        let owner = [Grant(role: .teacher, unitID: inspection.issuer.unitID, unitCode: "")]
        let today = LocalDate(dayNumber: 0)
        return InspectionOffers(
            start: (try? start(actor, inspection)) != nil,
            cancel: (try? cancel(actor, inspection, policy: policy)) != nil,
            mark: (try? mark(actor, inspection, item: line, verdict: Verdict.compliant.rawValue, note: nil)) != nil,
            followUp: (try? addFollowUp(
                actor, inspection, finding: line, ownerUserID: 0, ownerGrants: owner, dueOn: today,
                action: "-", today: today)) != nil,
            conclude: (try? conclude(actor, inspection, pendingItems: 0, conclusions: "-", recommendations: nil))
                != nil,
            close: (try? close(actor, inspection, openFollowUps: 0, policy: policy)) != nil
        )
    }

    /// Whether the page offers to mark this follow-up done.
    public static func offersCompletion(
        _ actor: Actor, _ inspection: InspectionSnapshot, followUp: FollowUpRef,
        policy: Policy = Policy()
    ) -> Bool {
        (try? completeFollowUp(actor, inspection, followUp: followUp, note: "-", policy: policy)) != nil
    }

    static func requireLine(_ inspection: InspectionSnapshot, _ item: InspectionItemRef?) throws {
        guard inspection.state == .inProgress else {
            throw HosoError("inspection.not_in_progress", ["state": inspection.state.rawValue])
        }
        guard item != nil else { throw HosoError("inspection.item_not_found") }
    }

    static func requireOpenForFollowUps(_ inspection: InspectionSnapshot) throws {
        guard inspection.state == .inProgress || inspection.state == .concluded else {
            throw HosoError("inspection.not_in_progress", ["state": inspection.state.rawValue])
        }
    }
}

/// An inspection as its decisions need it, read under its lock: kind, state, where it sits
/// (the issuing unit and the units in scope, with their ancestries) and its team.
public struct InspectionSnapshot: Sendable, Equatable {
    public let id: Int64
    public let kind: InspectionKind
    public let state: InspectionState
    public let issuer: UnitPosition
    public let scope: [UnitPosition]
    public let team: [TeamMember]
    public let hasMinutes: Bool

    public struct TeamMember: Sendable, Equatable {
        public let userID: Int64
        public let leader: Bool
        public init(userID: Int64, leader: Bool) {
            self.userID = userID
            self.leader = leader
        }
    }

    public init(
        id: Int64, kind: InspectionKind, state: InspectionState, issuer: UnitPosition, scope: [UnitPosition],
        team: [TeamMember], hasMinutes: Bool
    ) {
        self.id = id
        self.kind = kind
        self.state = state
        self.issuer = issuer
        self.scope = scope
        self.team = team
        self.hasMinutes = hasMinutes
    }

    public func member(_ userID: Int64) -> TeamMember? { team.first { $0.userID == userID } }
}

/// A line of the checklist (or the line a finding is on), found in the inspection: where it is.
public struct InspectionItemRef: Sendable, Equatable {
    public let unit: UnitPosition
    public init(unit: UnitPosition) { self.unit = unit }
}

/// A follow-up action as its completion needs it.
public struct FollowUpRef: Sendable, Equatable {
    public let ownerUserID: Int64
    public let state: FollowUpState
    /// The unit of the finding it follows.
    public let unit: UnitPosition
    public init(ownerUserID: Int64, state: FollowUpState, unit: UnitPosition) {
        self.ownerUserID = ownerUserID
        self.state = state
        self.unit = unit
    }
}

/// Someone named to a team, with the grants that say whether they may inspect.
public struct TeamCandidate: Sendable, Equatable {
    public let login: String
    public let displayName: String
    public let grants: [Grant]
    public init(login: String, displayName: String, grants: [Grant]) {
        self.login = login
        self.displayName = displayName
        self.grants = grants
    }
}

/// The steps a page offers on an inspection (see `InspectionDecisions.offers`).
public struct InspectionOffers: Sendable, Equatable {
    public let start: Bool
    public let cancel: Bool
    /// Marking lines, adding findings and evidence: the same decision.
    public let mark: Bool
    public let followUp: Bool
    public let conclude: Bool
    public let close: Bool
}
