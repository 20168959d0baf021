import HosoCore
import HosoStore

/// What a person sees of the tree: a unit they may view, the way up to the top of what they may
/// see, and the units under it. Every answer goes through the `Policy`.
struct UnitBrowser: Sendable {
    let services: AppServices

    struct UnitPage: Sendable {
        let unit: StoredUnit
        /// From the highest unit the actor may see down to this unit's parent.
        let breadcrumbs: [StoredUnit]
        let children: [StoredUnit]
        let subtreeCounts: [String: Int]
        let canViewPeople: Bool
        /// The actor's roles that cover this unit.
        let rolesHere: [Role]
        /// Where the unit hung over time (a parent the actor may not see is left unnamed).
        let parents: [ParentSpan]
    }

    struct ParentSpan: Sendable {
        let parent: StoredUnit?
        let from: String?
        let to: String?
    }

    /// The unit if the actor may do `action` there: 404 when it is out of scope or does not exist
    /// (the same answer, so nothing can be probed), 403 when visible but not allowed.
    func authorize(_ actor: Actor, _ action: Action, code: String) async throws -> StoredUnit {
        guard code.count <= TenantValidator.maxCodeLength,
            let unit = try await services.units.unit(tenantID: actor.tenantID, code: code)
        else {
            throw HosoError("scope.not_found", ["code": String(code.prefix(TenantValidator.maxCodeLength))])
        }
        try services.policy.authorize(
            actor, action, on: unit.position, notFound: HosoError("scope.not_found", ["code": code]))
        return unit
    }

    /// As `authorize`, with the unit's change counter, in one statement (`hoso_unit_head`).
    func head(_ actor: Actor, _ action: Action, code: String) async throws -> (unit: StoredUnit, counter: Int64) {
        guard code.count <= TenantValidator.maxCodeLength,
            let head = try await services.units.head(tenantID: actor.tenantID, code: code)
        else {
            throw HosoError("scope.not_found", ["code": String(code.prefix(TenantValidator.maxCodeLength))])
        }
        try services.policy.authorize(
            actor, action, on: head.unit.position, notFound: HosoError("scope.not_found", ["code": code]))
        return head
    }

    func page(_ actor: Actor, code: String) async throws -> UnitPage {
        let unit = try await authorize(actor, .viewUnit, code: code)
        let visible = services.policy.visibleAncestry(actor, unit.ancestry)
        let above = try await services.units.units(tenantID: actor.tenantID, ids: Array(visible.dropLast()))
        let order = Dictionary(uniqueKeysWithValues: visible.enumerated().map { ($1, $0) })
        let children = try await services.units.children(tenantID: actor.tenantID, of: unit.id)
        let counts = try await services.units.subtreeCounts(tenantID: actor.tenantID, of: unit)
        let roles = services.policy.roles(actor, covering: unit.ancestry)
        // Inspectors' views are part of the record: a school sees who looked at it.
        if roles.contains(where: \.isInspector) {
            try await services.audit.append(
                tenantID: actor.tenantID,
                AuditEvent(
                    actorUserID: actor.userID, actorLogin: actor.login, action: "unit.view", unitID: unit.id,
                    subject: unit.code
                ))
        }
        let parents = try await services.units.parentHistory(tenantID: actor.tenantID, unitID: unit.id).map { span in
            ParentSpan(
                parent: span.parent.flatMap { services.policy.allows(actor, .viewUnit, on: $0.position) ? $0 : nil },
                from: span.from, to: span.to)
        }
        return UnitPage(
            unit: unit, breadcrumbs: above.sorted { (order[$0.id] ?? 0) < (order[$1.id] ?? 0) }, children: children,
            subtreeCounts: counts, canViewPeople: services.policy.allows(actor, .viewPeople, on: unit.position),
            rolesHere: roles.sorted(), parents: parents
        )
    }

    /// The units the actor's grants name, and which of them are the tops of what they see.
    func grantUnits(_ actor: Actor) async throws -> (units: [Int64: StoredUnit], tops: [StoredUnit]) {
        let units = try await services.units.units(
            tenantID: actor.tenantID, ids: Array(Set(actor.grants.map(\.unitID))))
        let byID = Dictionary(uniqueKeysWithValues: units.map { ($0.id, $0) })
        let tops = services.policy.topGrants(actor) { byID[$0]?.ancestry ?? [$0] }.compactMap { byID[$0.unitID] }
        return (byID, tops)
    }
}
