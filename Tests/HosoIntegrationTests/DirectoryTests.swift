import HosoCore
import HosoDirectory
import Testing

/// libldap against the test slapd seeded from `tenants/*/directory.ldif`.
@Suite struct DirectoryTests {
    let directory = LDAPDirectory(logger: TestEnvironment.logger)

    func settings(url: String? = nil) throws -> DirectorySettings {
        DirectorySettings(
            url: try url ?? TestEnvironment.ldapURL, bindDN: "cn=hoso-service,ou=services,dc=demo,dc=hoso,dc=vn",
            bindPasswordEnv: "HOSO_DEMO_DIRECTORY_PASSWORD", userBase: "ou=people,dc=demo,dc=hoso,dc=vn",
            groupBase: "ou=groups,dc=demo,dc=hoso,dc=vn", networkTimeoutSeconds: 2, operationTimeoutSeconds: 3
        )
    }

    func authenticate(_ login: String, _ password: String = "Demo@2026!", url: String? = nil) async throws -> DirectoryAccount {
        try await directory.authenticate(try Credentials(login: login, password: password), settings: try settings(url: url),
                                         bindPassword: try TestEnvironment.directoryPassword, groupAttributes: ["ou"])
    }

    @Test func readsTheAccountAndItsGroups() async throws {
        let account = try await authenticate("s1.head")
        #expect(account.dn == "uid=s1.head,ou=people,dc=demo,dc=hoso,dc=vn")
        #expect(account.login == "s1.head")
        #expect(account.displayName.unicodeScalars.contains { $0.value > 0x7F }, "a Vietnamese name, in UTF-8")
        #expect(Set(account.groups.map(\.name)) == ["S01-totruong-toan", "S01-giaovien"])
        let principal = try await authenticate("t1.principal")
        #expect(principal.groups.first?.attributes["ou"] == ["T01"])
    }

    @Test(arguments: ["wrong-password", "Demo@2026"])
    func wrongPasswordsAreRefused(password: String) async throws {
        await #expect(throws: HosoError("signin.invalid_credentials")) { try await authenticate("s1.vice", password) }
    }

    @Test(arguments: ["nobody", "*", "s1.t*", "*)(uid=*", "s1.teacher)(|(uid=*", "\\", "a\\2a", "s1.teacher\\00"])
    func unknownAndInjectedLoginsMatchNobody(login: String) async throws {
        // A wildcard that reached the filter unescaped would find (and bind as) a real person.
        await #expect(throws: HosoError("signin.invalid_credentials")) { try await authenticate(login) }
        #expect(LDAPFilter.escape(login).contains("*") == false)
    }

    @Test func filterValuesAreEscapedPerRFC4515() {
        #expect(LDAPFilter.escape("a*b(c)d\\e") == "a\\2ab\\28c\\29d\\5ce")
        #expect(LDAPFilter.equals("uid", "Nguyễn") == "(uid=Nguyễn)")
        #expect(LDAPFilter.escape("x\u{0}") == "x\\00")
    }

    @Test func emptyOrNULPasswordsNeverReachTheDirectory() async throws {
        // A NUL first would reach C as an empty password: an unauthenticated bind.
        #expect(throws: HosoError("signin.empty_password")) { try Credentials(login: "s1.teacher", password: "") }
        #expect(throws: HosoError("signin.bad_password")) { try Credentials(login: "s1.teacher", password: "\u{0}x") }
        #expect(throws: HosoError("signin.bad_password")) { try Credentials(login: "s1.teacher", password: "Demo@2026!\u{0}tail") }
    }

    @Test func aDirectoryThatIsDownSaysSo() async throws {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        await #expect(throws: HosoError("service.directory_unavailable")) { try await authenticate("s1.teacher", url: "ldap://127.0.0.1:1") }
        #expect(await directory.check(settings: try settings(url: "ldap://127.0.0.1:1"), bindPassword: try TestEnvironment.directoryPassword) == false)
        #expect(await directory.check(settings: try settings(), bindPassword: try TestEnvironment.directoryPassword))
    }

    @Test func aWrongServiceAccountPasswordIsAnOutageNotTheUsersFault() async throws {
        await #expect(throws: HosoError("service.directory_unavailable")) {
            try await directory.authenticate(try Credentials(login: "s1.teacher", password: "Demo@2026!"), settings: try settings(),
                                             bindPassword: "not-the-password", groupAttributes: [])
        }
    }
}

extension DirectoryTests {
    /// The demo directory's password policy locks an account after five wrong passwords.
    @Test func theDemoDirectoryLocksAnAccountAfterRepeatedFailures() async throws {
        for _ in 0..<5 {
            await #expect(throws: HosoError("signin.invalid_credentials")) { try await authenticate("t1.teacher", "wrong") }
        }
        // Now even the right password is refused (and refused as the person's problem, not an outage).
        await #expect(throws: HosoError("signin.invalid_credentials")) { try await authenticate("t1.teacher") }
    }
}
