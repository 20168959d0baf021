/// A tenant (a province's department of education) as its file declares it: hierarchy, directory
/// and the rules that turn directory groups into scoped roles.
public struct TenantDefinition: Sendable, Equatable {
    /// Stable identifier, lower-case letters, digits and `-` (e.g. `demo`).
    public let id: String
    public let nameVi: String
    public let nameEn: String
    /// Host names that select this tenant at sign-in (e.g. `hoso.haiphong.edu.vn`).
    public let hosts: [String]
    public let levels: [UnitLevel]
    public let units: [UnitDefinition]
    /// `nil` for a tenant without a directory (`directory: none`): only its local administrators
    /// sign in, and sessions made by tools (the benchmark's synthetic province).
    public let directory: DirectorySettings?
    public let groupRules: [GroupRule]
    /// Reminders for people who have not chosen their own.
    public let notifications: NotificationChoice

    public init(
        id: String, nameVi: String, nameEn: String, hosts: [String] = [], levels: [UnitLevel] = UnitLevel.defaults,
        units: [UnitDefinition], directory: DirectorySettings?, groupRules: [GroupRule],
        notifications: NotificationChoice = NotificationChoice()
    ) {
        self.id = id
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.hosts = hosts
        self.levels = levels
        self.units = units
        self.directory = directory
        self.groupRules = groupRules
        self.notifications = notifications
    }
}
