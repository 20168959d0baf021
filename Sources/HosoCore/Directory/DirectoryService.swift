/// What the portal needs of a tenant's directory; `HosoDirectory` implements it over libldap.
public protocol DirectoryService: Sendable {
    /// Verifies the password by binding as the person and reads their name, mail and groups
    /// (with `groupAttributes` of each group). Throws `signin.invalid_credentials` for a wrong
    /// password or unknown login, `service.directory_unavailable` when the directory cannot answer.
    func authenticate(_ credentials: Credentials, settings: DirectorySettings, bindPassword: String,
                      groupAttributes: [String]) async throws -> DirectoryAccount

    /// The accounts that belong to `unitCodes` (upper-cased) through their groups under `rules`,
    /// with their password-policy facts (`pwdChangedTime`, `pwdAccountLockedTime`, the effective
    /// `pwdMaxAge`) and address (the tenant's mail attribute), read through the service account.
    /// Never a password or a hash. Throws
    /// `service.directory_unavailable` when the directory cannot answer.
    func passwordAccounts(settings: DirectorySettings, bindPassword: String, rules: [GroupRule],
                          unitCodes: Set<String>) async throws -> [PasswordAccount]

    /// Whether the directory answers and accepts the service account now.
    func check(settings: DirectorySettings, bindPassword: String) async -> Bool
}
