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
    /// The password-policy response control of the person's bind, when the directory sent one.
    public let passwordControl: BindPasswordControl?
    /// The account's password facts, read through the service account after the bind.
    public let passwordFacts: PasswordFacts?

    public init(dn: String, login: String, displayName: String, email: String?, groups: [DirectoryGroup],
                passwordControl: BindPasswordControl? = nil, passwordFacts: PasswordFacts? = nil) {
        self.dn = dn
        self.login = login
        self.displayName = displayName
        self.email = email
        self.groups = groups
        self.passwordControl = passwordControl
        self.passwordFacts = passwordFacts
    }
}
