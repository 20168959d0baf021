/// A directory group the signed-in person belongs to, as read from LDAP.
public struct DirectoryGroup: Sendable, Hashable {
    public let dn: String
    /// The group's `cn` (first value).
    public let name: String
    /// Other attributes the tenant's rules ask for, by lower-cased attribute name.
    public let attributes: [String: [String]]

    public init(dn: String, name: String, attributes: [String: [String]] = [:]) {
        self.dn = dn
        self.name = name
        self.attributes = attributes
    }
}

/// A person as the directory describes them after a successful bind.
public struct DirectoryAccount: Sendable, Hashable {
    public let dn: String
    public let login: String
    public let displayName: String
    public let email: String?
    public let groups: [DirectoryGroup]

    public init(dn: String, login: String, displayName: String, email: String?, groups: [DirectoryGroup]) {
        self.dn = dn
        self.login = login
        self.displayName = displayName
        self.email = email
        self.groups = groups
    }
}
