/// Who sees an inspection, in one place for every read: the inspection's page, its lists, its
/// counts and the coverage figures. The SQL that lists and counts inspections mirrors
/// `counts(kind:state:isMember:issuerAncestry:watchedUnits:)` (`InspectionStore.shownToViewer`);
/// a test checks that the two agree.
public enum InspectionVisibility {
    /// A surprise inspection stays unseen by the inspected until it starts: neither listed, nor
    /// opened, nor counted in their coverage (the surprise would be gone otherwise).
    public static func isHiddenSurprise(kind: InspectionKind, state: InspectionState) -> Bool {
        kind == .surprise && state == .planned
    }

    /// What the actor sees of the inspection: everything (its team; whoever watches compliance at
    /// the issuing unit), the lines of the units they watch (a principal of a school in scope,
    /// once a surprise has started), or nothing (answered as "not found").
    public static func sight(
        _ actor: Actor, _ inspection: InspectionSnapshot, policy: Policy = Policy()
    ) -> InspectionSight {
        guard actor.tenantID == inspection.issuer.tenantID else { return .none }
        if inspection.member(actor.userID) != nil || policy.allows(actor, .viewCompliance, on: inspection.issuer) {
            return .all
        }
        guard !isHiddenSurprise(kind: inspection.kind, state: inspection.state) else { return .none }
        return inspection.scope.contains { policy.allows(actor, .viewCompliance, on: $0) } ? .someUnits : .none
    }

    /// Whether, with that sight, the actor sees the lines (findings, follow-ups) of `unit`.
    public static func sees(
        _ actor: Actor, _ sight: InspectionSight, unit: UnitPosition, policy: Policy = Policy()
    ) -> Bool {
        switch sight {
        case .all: return true
        case .none: return false
        case .someUnits: return policy.allows(actor, .viewCompliance, on: unit)
        }
    }

    /// The units whose subtree the actor watches for compliance: a planned surprise issued under
    /// one of them is theirs to see. What the SQL twin of `counts` is given.
    public static func watchedUnits(_ actor: Actor, policy: Policy = Policy()) -> [Int64] {
        let units = actor.grants.map(\.unitID).filter { unit in
            policy.allows(
                actor, .viewCompliance, on: UnitPosition(tenantID: actor.tenantID, unitID: unit, ancestry: [unit]))
        }
        return Array(Set(units)).sorted()
    }

    /// Whether an inspection found through a unit the viewer watches (a list of a unit's
    /// inspections, a coverage figure) is shown to them: `sight` for such rows, in the terms the
    /// SQL can test. `issuerAncestry`: the issuing unit's ancestry (root first, itself last).
    public static func counts(
        kind: InspectionKind, state: InspectionState, isMember: Bool, issuerAncestry: [Int64],
        watchedUnits: [Int64]
    ) -> Bool {
        !isHiddenSurprise(kind: kind, state: state) || isMember || issuerAncestry.contains(where: watchedUnits.contains)
    }
}

/// How much of an inspection someone sees (see `InspectionVisibility.sight`).
public enum InspectionSight: Sendable, Equatable {
    case none
    case all
    /// The lines, findings and follow-ups of the units in scope that they watch.
    case someUnits
}

/// Who reads a list or a figure of inspections, as the SQL twin of the visibility rule needs it:
/// their id (a team member sees their own surprise) and `InspectionVisibility.watchedUnits`.
/// `nobody` sees no planned surprise (a figure shown to the inspected, a report).
public struct InspectionViewer: Sendable, Equatable {
    public let userID: Int64
    public let watchedUnits: [Int64]

    public init(userID: Int64, watchedUnits: [Int64]) {
        self.userID = userID
        self.watchedUnits = watchedUnits
    }

    public init(_ actor: Actor, policy: Policy = Policy()) {
        self.init(userID: actor.userID, watchedUnits: InspectionVisibility.watchedUnits(actor, policy: policy))
    }

    public static let nobody = InspectionViewer(userID: 0, watchedUnits: [])
}
