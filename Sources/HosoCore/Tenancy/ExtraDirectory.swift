/// A further directory of a tenant besides its own (`directory:`): a merged province's, kept with its
/// own group rules until its accounts are migrated. Its people sign in as `login@<login domain>`.
public struct ExtraDirectory: Sendable, Equatable, Codable {
    public var name: String
    public var loginDomain: String
    public var settings: DirectorySettings
    public var groupRules: [GroupRule]
    /// Unit codes as its groups name them → codes in this tenant (a merger re-codes clashing units).
    public var unitCodes: [String: String]
    /// The tenant it came with (set by a merger; a tenant file's own extra directories have none).
    public var mergedFrom: String?

    public init(name: String, loginDomain: String, settings: DirectorySettings, groupRules: [GroupRule],
                unitCodes: [String: String] = [:], mergedFrom: String? = nil) {
        self.name = name
        self.loginDomain = loginDomain
        self.settings = settings
        self.groupRules = groupRules
        self.unitCodes = unitCodes
        self.mergedFrom = mergedFrom
    }

    enum CodingKeys: String, CodingKey {
        case name, loginDomain = "login_domain", settings, groupRules = "group_rules", unitCodes = "unit_codes"
        case mergedFrom = "merged_from"
    }
}

/// Which of a tenant's directories a sign-in asks. The stated order: a login ending in `@<domain>` of
/// an extra directory goes to that directory (with the part before the `@`); every other login goes to
/// the tenant's own directory only. An extra directory's people always carry their domain, so no login
/// can name two people.
public enum DirectoryChoice {
    public enum Choice: Sendable, Equatable {
        case own(login: String)
        case extra(ExtraDirectory, login: String)
    }

    public static func pick(login: String, among extras: [ExtraDirectory]) -> Choice {
        if let at = login.lastIndex(of: "@"), at != login.startIndex {
            let domain = login[login.index(after: at)...].lowercased()
            if let directory = extras.first(where: { $0.loginDomain.lowercased() == domain }) {
                return .extra(directory, login: String(login[..<at]))
            }
        }
        return .own(login: login)
    }

    /// The login a person of `directory` has in the tenant.
    public static func login(_ bare: String, of directory: ExtraDirectory) -> String { "\(bare)@\(directory.loginDomain)" }

    /// The grants its groups ask for, with unit codes as the tenant has them.
    public static func grants(_ requested: [RequestedGrant], through directory: ExtraDirectory) -> [RequestedGrant] {
        requested.map { RequestedGrant(role: $0.role, unitCode: directory.unitCodes[$0.unitCode] ?? $0.unitCode, group: $0.group) }
    }
}
