/// The one place that answers "may this actor do this action on this unit". A grant covers its
/// unit's whole subtree; nothing is allowed unless some covering grant's role permits it.
public struct Policy: Sendable {
    public enum Decision: Sendable, Equatable {
        case allowed
        /// No grant reaches the unit: callers answer as if it did not exist (404), so that
        /// neither other tenants' nor other subtrees' units can be probed.
        case outOfScope
        /// The unit is visible but no covering role permits the action (403).
        case forbidden
    }

    public init() {}

    public func decide(_ actor: Actor, _ action: Action, on unit: UnitPosition) -> Decision {
        guard unit.tenantID == actor.tenantID else { return .outOfScope }
        let grants = covering(actor, unit.ancestry)
        guard !grants.isEmpty else { return .outOfScope }
        // A closed unit, or a grant over one, allows reading only.
        if unit.closed && !action.isRead { return .forbidden }
        let permitted = grants.contains { grant in
            grant.role.permittedActions.contains(action) && (!grant.role.isInspector || action.isOpenToInspectors)
                && (!grant.closed || action.isRead)
        }
        return permitted ? .allowed : .forbidden
    }

    public func allows(_ actor: Actor, _ action: Action, on unit: UnitPosition) -> Bool {
        decide(actor, action, on: unit) == .allowed
    }

    /// The one authorisation entry for requests: returns when the action is allowed, otherwise
    /// throws what the caller answers. Visibility first: a unit outside every grant is
    /// `notFound` (404, the same error as a thing that does not exist, so nothing can be probed);
    /// a visible unit where no covering role permits the action is `scope.forbidden` (403).
    public func authorize(_ actor: Actor, _ action: Action, on unit: UnitPosition,
                          notFound: HosoError = HosoError("scope.not_found")) throws {
        switch decide(actor, action, on: unit) {
        case .allowed: return
        case .outOfScope: throw notFound
        case .forbidden: throw HosoError("scope.forbidden")
        }
    }

    /// The actor's grants whose unit is `ancestry`'s unit or one of its ancestors (root first,
    /// the unit itself last): the grants that cover that unit.
    public func covering(_ actor: Actor, _ ancestry: [Int64]) -> [Grant] {
        actor.grants.filter { ancestry.contains($0.unitID) }
    }

    /// The roles the actor holds over the unit whose ancestry is given (see `covering`).
    public func roles(_ actor: Actor, covering ancestry: [Int64]) -> Set<Role> {
        Set(covering(actor, ancestry).map(\.role))
    }

    /// The grants whose units are not inside another grant's subtree: the tops of what the actor
    /// sees. `ancestry(of:)` gives a grant unit's ancestry (root first, itself last).
    public func topGrants(_ actor: Actor, ancestry: (Int64) -> [Int64]) -> [Grant] {
        let grantUnits = Set(actor.grants.map(\.unitID))
        var seen: Set<Int64> = []
        return actor.grants.filter { grant in
            let above = ancestry(grant.unitID).dropLast()
            guard !above.contains(where: grantUnits.contains), !seen.contains(grant.unitID) else { return false }
            seen.insert(grant.unitID)
            return true
        }
    }

    /// The part of `ancestry` the actor may see: from the highest unit a grant covers down to the
    /// unit itself. Empty when no grant covers it.
    public func visibleAncestry(_ actor: Actor, _ ancestry: [Int64]) -> [Int64] {
        let grantUnits = Set(actor.grants.map(\.unitID))
        guard let top = ancestry.firstIndex(where: grantUnits.contains) else { return [] }
        return Array(ancestry[top...])
    }
}
