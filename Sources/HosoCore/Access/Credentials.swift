/// Sign-in input, checked before it reaches the directory or the database.
public struct Credentials: Sendable {
    public static let maxLoginLength = 64
    public static let maxPasswordLength = 256

    public let login: String
    public let password: String

    /// Refuses empty and over-long values. An empty password must never reach LDAP: a simple bind
    /// with a DN and no password is an unauthenticated bind, which succeeds.
    public init(login: String, password: String) throws {
        let login = Text.trimmed(login)
        guard !login.isEmpty else { throw HosoError("signin.missing_login") }
        guard login.count <= Self.maxLoginLength else { throw HosoError("input.too_long", ["field": "username", "max": String(Self.maxLoginLength)]) }
        guard !password.isEmpty else { throw HosoError("signin.empty_password") }
        // A NUL would end the password early in C (a NUL first = an unauthenticated bind).
        guard !password.unicodeScalars.contains("\u{0}") else { throw HosoError("signin.bad_password") }
        guard password.utf8.count <= Self.maxPasswordLength else { throw HosoError("input.too_long", ["field": "password", "max": String(Self.maxPasswordLength)]) }
        guard !login.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw HosoError("signin.bad_login")
        }
        self.login = login
        self.password = password
    }
}
