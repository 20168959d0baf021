/// A role over one unit: the unit and everything under it.
public struct Grant: Sendable, Hashable, Codable {
    public let role: Role
    public let unitID: Int64
    public let unitCode: String

    public init(role: Role, unitID: Int64, unitCode: String) {
        self.role = role
        self.unitID = unitID
        self.unitCode = unitCode
    }
}

/// Where a unit sits: its id, then its ancestors' ids from the root down to itself.
public struct UnitPosition: Sendable, Hashable {
    public let tenantID: Int64
    public let unitID: Int64
    /// Root first, the unit itself last.
    public let ancestry: [Int64]

    public init(tenantID: Int64, unitID: Int64, ancestry: [Int64]) {
        self.tenantID = tenantID
        self.unitID = unitID
        self.ancestry = ancestry
    }
}
