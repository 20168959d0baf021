import HosoCore

/// A tenant as stored: its file's settings plus the database id.
public struct TenantRecord: Sendable, Equatable {
    public let id: Int64
    public let code: String
    public let nameVi: String
    public let nameEn: String
    public let hosts: [String]
    public let levels: [UnitLevel]
    /// `nil`: no directory sign-in for this tenant.
    public let directory: DirectorySettings?
    public let groupRules: [GroupRule]
    /// The tenant this one was merged into (it is then frozen, read-only), and that tenant's host names.
    public var mergedInto: String? = nil
    public var mergedIntoHosts: [String] = []
    /// Directories besides its own (a merged province's), each with its group rules and login domain.
    public var directories: [ExtraDirectory] = []
}

/// A unit as stored.
public struct StoredUnit: Sendable, Equatable {
    public let id: Int64
    public let tenantID: Int64
    public let code: String
    public let parentID: Int64?
    /// Ids from the root down to this unit.
    public let ancestry: [Int64]
    public let kind: String
    public let nameVi: String
    public let nameEn: String
    public let schoolLevels: [SchoolLevel]
    public let opensOn: String?
    public let closesOn: String?
    /// Whether the closing date has come (read with the row); a unit closing on a later date
    /// still works until then.
    public var closedToday: Bool? = nil

    public var position: UnitPosition { UnitPosition(tenantID: tenantID, unitID: id, ancestry: ancestry, closed: isClosed) }
    public var isClosed: Bool { closedToday ?? (closesOn != nil) }
}

/// What a tenant import changed.
public struct ImportSummary: Sendable, Equatable {
    public var tenantCreated = false
    public var created: [String] = []
    public var updated: [String] = []
    public var moved: [String] = []
    public var closed: [String] = []
    public var reopened: [String] = []
    /// Symbols of the inspections handed from a closed issuer to its successor.
    public var handedOver: [String] = []
}

/// A person holding a grant at a unit (for the unit's people list).
public struct UnitMember: Sendable, Equatable {
    public let login: String
    public let displayName: String
    public let role: Role
    public let lastSignInAt: String?
}

/// A live session as found by its token.
public struct SessionRecord: Sendable, Equatable {
    public let tenantID: Int64
    public let tenantCode: String
    public let userID: Int64
    public let csrfToken: String
    public let ageSeconds: Int
    public let idleSeconds: Int
}
