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

    public init(
        code: String, nameVi: String, nameEn: String, kind: String, schoolLevels: [SchoolLevel] = [],
        parentCode: String?, opensOn: String? = nil, closesOn: String? = nil, line: Int = 0
    ) {
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
