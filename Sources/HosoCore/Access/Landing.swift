/// Where a person lands after signing in when they were not on their way elsewhere: what they
/// came for, by their most encompassing open grant. Officers and inspectors (province first) and
/// principals and school administrators on their unit's dashboard, approvers on their queue,
/// teachers on what they owe; anyone else (a tenant administrator, a clerk) on their account page.
public enum Landing: Sendable, Equatable {
    case dashboard(unitCode: String)
    case approvals
    case owe
    case home

    /// Roles that land on their unit's dashboard, the widest first.
    static let dashboards: [Role] = [.provincialOfficer, .provincialInspector, .districtOfficer, .districtInspector, .principal,
                                     .schoolAdministrator]
    static let approvers: Set<Role> = [.vicePrincipal, .subjectGroupHead, .officeGroupHead]

    public static func of(_ grants: [Grant]) -> Landing {
        let open = grants.filter { !$0.closed }
        for role in dashboards {
            if let grant = open.first(where: { $0.role == role }) { return .dashboard(unitCode: grant.unitCode) }
        }
        if open.contains(where: { approvers.contains($0.role) }) { return .approvals }
        if open.contains(where: { $0.role == .teacher }) { return .owe }
        return .home
    }
}
