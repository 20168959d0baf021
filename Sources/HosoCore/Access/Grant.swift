/// A role over one unit: the unit and everything under it.
public struct Grant: Sendable, Hashable, Codable {
    public let role: Role
    public let unitID: Int64
    public let unitCode: String
    /// The unit is closed: the grant still lets its holder read what was there (`Action.isRead`).
    public let closed: Bool

    public init(role: Role, unitID: Int64, unitCode: String, closed: Bool = false) {
        self.role = role
        self.unitID = unitID
        self.unitCode = unitCode
        self.closed = closed
    }

    enum CodingKeys: String, CodingKey { case role, unitID, unitCode, closed }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(Role.self, forKey: .role)
        unitID = try container.decode(Int64.self, forKey: .unitID)
        unitCode = try container.decode(String.self, forKey: .unitCode)
        closed = try container.decodeIfPresent(Bool.self, forKey: .closed) ?? false
    }
}

/// Where a unit sits: its id, then its ancestors' ids from the root down to itself.
public struct UnitPosition: Sendable, Hashable {
    public let tenantID: Int64
    public let unitID: Int64
    /// Root first, the unit itself last.
    public let ancestry: [Int64]
    /// The unit is closed: it can be read, never written.
    public let closed: Bool

    public init(tenantID: Int64, unitID: Int64, ancestry: [Int64], closed: Bool = false) {
        self.tenantID = tenantID
        self.unitID = unitID
        self.ancestry = ancestry
        self.closed = closed
    }
}
