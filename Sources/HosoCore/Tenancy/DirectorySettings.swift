/// How a tenant's LDAP directory is reached and read. Secrets are never here: the bind password
/// is named by the environment variable that holds it.
public struct DirectorySettings: Sendable, Equatable, Codable {
    public enum Security: String, Sendable, Codable {
        case none
        case startTLS = "starttls"
        case ldaps
    }

    public var url: String
    public var security: Security
    /// A PEM file of CA certificates to trust for TLS; system defaults when `nil`.
    public var caFile: String?
    public var bindDN: String
    public var bindPasswordEnv: String
    public var userBase: String
    /// Attribute holding the login name (e.g. `uid`, `sAMAccountName`).
    public var loginAttribute: String
    /// Extra filter every user entry must match, e.g. `(objectClass=inetOrgPerson)`.
    public var userFilter: String
    public var groupBase: String
    public var groupFilter: String
    /// Attribute of a group that lists its members' DNs.
    public var memberAttribute: String
    public var displayNameAttribute: String
    public var mailAttribute: String
    public var networkTimeoutSeconds: Int
    public var operationTimeoutSeconds: Int
    /// The other tenants whose accounts live in this same part of the directory (`shared_with`);
    /// each of them must name this tenant back (see `DirectorySharing`). `nil`: this tenant's alone.
    public var sharedWith: [String]?
    /// An LDAP filter that only this tenant's accounts match (`account_filter`), added to the
    /// account search at every sign-in: what keeps the tenants of a shared directory apart.
    public var accountFilter: String?
    /// Password age (`passwords`): the directory's default policy entry, the tenant's age limit and
    /// warning days. `nil`: the defaults (`passwordAge`).
    public var passwords: PasswordAgeSettings?

    /// The password-age settings in force.
    public var passwordAge: PasswordAgeSettings { passwords ?? PasswordAgeSettings() }

    public init(
        url: String, security: Security = .none, caFile: String? = nil, bindDN: String, bindPasswordEnv: String,
        userBase: String, loginAttribute: String = "uid", userFilter: String = "(objectClass=inetOrgPerson)",
        groupBase: String, groupFilter: String = "(objectClass=groupOfNames)", memberAttribute: String = "member",
        displayNameAttribute: String = "displayName", mailAttribute: String = "mail",
        networkTimeoutSeconds: Int = 3, operationTimeoutSeconds: Int = 5,
        sharedWith: [String]? = nil, accountFilter: String? = nil, passwords: PasswordAgeSettings? = nil
    ) {
        self.url = url
        self.security = security
        self.caFile = caFile
        self.bindDN = bindDN
        self.bindPasswordEnv = bindPasswordEnv
        self.userBase = userBase
        self.loginAttribute = loginAttribute
        self.userFilter = userFilter
        self.groupBase = groupBase
        self.groupFilter = groupFilter
        self.memberAttribute = memberAttribute
        self.displayNameAttribute = displayNameAttribute
        self.mailAttribute = mailAttribute
        self.networkTimeoutSeconds = networkTimeoutSeconds
        self.operationTimeoutSeconds = operationTimeoutSeconds
        self.sharedWith = sharedWith
        self.accountFilter = accountFilter
        self.passwords = passwords
    }

    /// The settings a sign-in searches with: the account filter, when there is one, joins the user
    /// filter, so that an account of another tenant on the same directory is not found at all.
    public func forSignIn() -> DirectorySettings {
        guard let accountFilter, !accountFilter.isEmpty else { return self }
        var settings = self
        settings.userFilter = "(&\(userFilter)\(accountFilter))"
        return settings
    }
}
