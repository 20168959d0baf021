/// A unit as a tenant file declares it.
public struct UnitDefinition: Sendable, Equatable {
    public let code: String
    public let nameVi: String
    public let nameEn: String
    public let kind: String
    public let schoolLevels: [SchoolLevel]
    /// `nil` for the root.
    public let parentCode: String?
    /// ISO dates `yyyy-MM-dd`, validated by `TenantValidator`.
    public let opensOn: String?
    public let closesOn: String?
    /// Line in the source file, for error messages.
    public let line: Int
    /// The legal date from which `parentCode` holds (`parent_since`); `nil`: since the unit's
    /// past parents ended, or, without them, as the database already has it (a new parent without
    /// a date is dated on the day of the import).
    public let parentSince: String?
    /// Where the unit hung before `parentCode`, oldest first (`past_parents`).
    public let pastParents: [PastParent]
    /// The unit that takes over this one's open business when it closes (`successor`).
    public let successorCode: String?

    /// A parent the unit had before, from a date (`nil`: from the beginning).
    public struct PastParent: Sendable, Equatable {
        public let parentCode: String
        public let since: String?

        public init(parentCode: String, since: String? = nil) {
            self.parentCode = parentCode
            self.since = since
        }
    }

    /// Whether the file states the unit's history itself (then it replaces what is stored).
    public var statesHistory: Bool { parentSince != nil || !pastParents.isEmpty }

    /// Every parent the file names for the unit: its past ones and the latest.
    public var allParentCodes: [String] { pastParents.map(\.parentCode) + (parentCode.map { [$0] } ?? []) }

    public init(
        code: String, nameVi: String, nameEn: String, kind: String, schoolLevels: [SchoolLevel] = [],
        parentCode: String?, opensOn: String? = nil, closesOn: String? = nil, line: Int = 0,
        parentSince: String? = nil, pastParents: [PastParent] = [], successorCode: String? = nil
    ) {
        self.parentSince = parentSince
        self.pastParents = pastParents
        self.successorCode = successorCode
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.kind = kind
        self.schoolLevels = schoolLevels
        self.parentCode = parentCode
        self.opensOn = opensOn
        self.closesOn = closesOn
        self.line = line
    }
}
