/// What the portal needs of a tenant's directory; `HosoDirectory` implements it over libldap.
public protocol DirectoryService: Sendable {
    /// Verifies the password by binding as the person and reads their name, mail and groups
    /// (with `groupAttributes` of each group). Throws `signin.invalid_credentials` for a wrong
    /// password or unknown login, `service.directory_unavailable` when the directory cannot answer.
    func authenticate(_ credentials: Credentials, settings: DirectorySettings, bindPassword: String,
                      groupAttributes: [String]) async throws -> DirectoryAccount

    /// Whether the directory answers and accepts the service account now.
    func check(settings: DirectorySettings, bindPassword: String) async -> Bool
}
