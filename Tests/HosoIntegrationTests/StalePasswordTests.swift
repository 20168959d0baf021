import Foundation
import HosoCore
import HosoDirectory
import HosoServer
import HummingbirdTesting
import Testing

/// Stale passwords against the real slapd and its ppolicy overlay: accounts of their own are added
/// as the directory administrator, their pwdChangedTime set back (Relax Rules control), one locked.
/// The sign-in shows the bind's password-policy warning; the list shows the accounts to those who
/// may review S01 and to nobody else.
@Suite struct StalePasswordTests {
    static let people = "ou=people,dc=demo,dc=hoso,dc=vn"
    static let groups = "ou=groups,dc=demo,dc=hoso,dc=vn"

    struct Accounts {
        /// Password set 175 days ago under the demo policy (pwdMaxAge 180 days, pwdExpireWarning 14).
        let soon: String
        /// Password set 200 days ago (expired, past the tenant's 180-day limit), locked by an administrator.
        let old: String
        let dns: [String]
    }

    /// Two accounts in a new subject group of S01 (`{unit}-totruong-*`), removed by the caller.
    static func makeAccounts(_ admin: DirectoryAdmin) throws -> Accounts {
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        let soon = "pp-soon-\(tag)", old = "pp-old-\(tag)"
        let group = "cn=S01-totruong-pp\(tag),\(groups)"
        func person(_ login: String, _ name: String) -> String {
            """
            dn: uid=\(login),\(people)
            changetype: add
            objectClass: inetOrgPerson
            uid: \(login)
            cn: \(name)
            sn: Thử
            displayName: \(name)
            mail: \(login)@school.test
            userPassword: Demo@2026!

            """
        }
        let accounts = Accounts(soon: soon, old: old, dns: [group, "uid=\(soon),\(people)", "uid=\(old),\(people)"])
        // LDIF records are separated by a blank line.
        let added = person(soon, "Nguyễn Thị Sắp Hết \(tag)") + "\n" + person(old, "Trần Văn Cũ \(tag)") + "\n" + """
            dn: \(group)
            changetype: add
            objectClass: groupOfNames
            cn: S01-totruong-pp\(tag)
            member: uid=\(soon),\(people)
            member: uid=\(old),\(people)

            """
        let day = 86_400.0
        do {
            try admin.apply(added)
            try admin.apply("""
                dn: uid=\(soon),\(people)
                changetype: modify
                replace: pwdChangedTime
                pwdChangedTime: \(DirectoryAdmin.generalizedTime(Date(timeIntervalSinceNow: -175 * day)))

                dn: uid=\(old),\(people)
                changetype: modify
                replace: pwdChangedTime
                pwdChangedTime: \(DirectoryAdmin.generalizedTime(Date(timeIntervalSinceNow: -200 * day)))
                -
                replace: pwdAccountLockedTime
                pwdAccountLockedTime: 000001010000Z

                """, relax: true)
        } catch {
            admin.delete(accounts.dns)
            throw error
        }
        return accounts
    }

    static func signIn(_ client: any TestClientProtocol, _ browser: inout Browser, _ login: String) async throws -> [String: Any] {
        let response = try await browser.send(
            client, .post, "/api/v1/session",
            json: #"{"tenant":"demo","username":"\#(login)","password":"Demo@2026!"}"#)
        #expect(response.status == .created, "\(login): \(response.text)")
        return try response.json()
    }

    @Test func theSignInWarnsOfAPasswordAboutToExpire() async throws {
        // setup
        let admin = try DirectoryAdmin()
        let accounts = try Self.makeAccounts(admin)
        defer { admin.delete(accounts.dns) }
        let world = try await TestWorld.make(importing: ["demo"])

        // The adapter reads the bind's password-policy response control, and the facts behind it.
        let directory = LDAPDirectory(logger: TestEnvironment.logger)
        let settings = DirectorySettings(
            url: try TestEnvironment.ldapURL, bindDN: "cn=hoso-service,ou=services,dc=demo,dc=hoso,dc=vn",
            bindPasswordEnv: "HOSO_DEMO_DIRECTORY_PASSWORD", userBase: Self.people, groupBase: Self.groups,
            passwords: PasswordAgeSettings(policyDN: "cn=default,ou=policies,dc=demo,dc=hoso,dc=vn"))
        func bind(_ login: String) async throws -> DirectoryAccount {
            try await directory.authenticate(
                try Credentials(login: login, password: "Demo@2026!"), settings: settings,
                bindPassword: try TestEnvironment.directoryPassword, groupAttributes: [])
        }
        let soon = try await bind(accounts.soon)
        let seconds = try #require(soon.passwordControl?.secondsBeforeExpiration, "slapd's control")
        #expect(seconds > 5 * 86_400 - 600 && seconds <= 5 * 86_400)
        #expect(soon.passwordFacts?.policy?.maxAgeSeconds == Int64(180 * 86_400))
        #expect(soon.passwordFacts?.changedAt != nil)
        let seeded = try await bind("s1.teacher")
        #expect(seeded.passwordControl?.secondsBeforeExpiration == nil)
        #expect(seeded.passwordFacts?.changedAt == nil && seeded.passwordFacts?.createdAt != nil)

        try await world.withApp { client in
            // act
            var browser = Browser()
            let me = try await Self.signIn(client, &browser, accounts.soon)
            // verify: 5 days (4 days, 23 hours and more, rounded up).
            let notice = me["passwordNotice"] as? [String: Any]
            #expect(notice?["kind"] as? String == "expires_soon")
            #expect(notice?["days"] as? Int == 5)
            let home = try await browser.send(client, .get, "/")
            #expect(home.status == .ok)
            #expect(home.text.contains("id=\"password-notice\""))
            #expect(home.text.contains("Mật khẩu của bạn sẽ hết hạn sau 5 ngày"))
            // In English after the switch, for as long as the session lasts.
            #expect(try await browser.send(client, .get, "/lang/en").status == .seeOther)
            #expect(try await browser.send(client, .get, "/").text.contains("Your password expires in 5 days"))
            let again = try await browser.send(client, .get, "/api/v1/me")
            #expect((try again.json()["passwordNotice"] as? [String: Any])?["days"] as? Int == 5)

            // Through the sign-in form on its way to a unit: the home page first, with a link on.
            var formBrowser = Browser()
            let form = try await formBrowser.send(client, .get, "/signin?next=/units/S01")
            let token = try #require(form.text.firstMatch(of: /name="_signin" value="([0-9a-f]+)"/)?.1)
            let signedIn = try await formBrowser.send(client, .post, "/signin", form: [
                ("_signin", String(token)), ("tenant", "demo"), ("username", accounts.soon), ("password", "Demo@2026!"),
                ("next", "/units/S01"),
            ])
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/?next=%2Funits%2FS01")
            let landing = try await formBrowser.send(client, .get, "/?next=%2Funits%2FS01")
            #expect(landing.text.contains("sẽ hết hạn sau 5 ngày"))
            #expect(landing.text.contains("href=\"/units/S01\""))

            // An account loaded by the demo seed has never changed its password.
            var teacher = Browser()
            let teacherMe = try await Self.signIn(client, &teacher, "s1.teacher")
            #expect((teacherMe["passwordNotice"] as? [String: Any])?["kind"] as? String == "never_changed")
            #expect(try await teacher.send(client, .get, "/").text.contains("Bạn chưa đổi mật khẩu ban đầu"))
        }
    }

    @Test func theListShowsStaleAccountsToThoseInScopeOnly() async throws {
        // setup
        let admin = try DirectoryAdmin()
        let accounts = try Self.makeAccounts(admin)
        defer { admin.delete(accounts.dns) }
        var world = try await TestWorld.make(importing: ["demo"])

        let officer = try await world.withApp { client -> Browser in
            // act: the district officer of D01 (over S01)
            var officer = Browser()
            _ = try await Self.signIn(client, &officer, "d1.officer")
            let unit = try await officer.send(client, .get, "/units/D01")
            #expect(unit.text.contains("/units/D01/passwords"))
            let page = try await officer.send(client, .get, "/units/D01/passwords")
            #expect(page.status == .ok)
            #expect(page.text.contains("data-login=\"\(accounts.soon)\""))
            #expect(page.text.contains("data-login=\"\(accounts.old)\""))
            #expect(page.text.contains("data-login=\"s1.teacher\""), "seeded, never changed")
            #expect(!page.text.contains("data-login=\"so.officer\""), "the department's account is outside D01")

            let json = try await officer.send(client, .get, "/api/v1/units/D01/passwords")
            #expect(json.status == .ok)
            let listed = (try json.json()["accounts"] as? [[String: Any]]) ?? []
            let byLogin = Dictionary(listed.compactMap { row in (row["login"] as? String).map { ($0, row) } }) { a, _ in a }
            let soon = byLogin[accounts.soon]
            #expect(soon?["ageDays"] as? Int == 175)
            #expect(soon?["daysLeft"] as? Int == 5, "the same number as the warning at sign-in")
            #expect((soon?["reasons"] as? [String]) == ["expires_soon"])
            #expect(soon?["units"] as? [String] == ["S01"])
            let old = byLogin[accounts.old]
            #expect(old?["ageDays"] as? Int == 200)
            #expect(Set((old?["reasons"] as? [String]) ?? []) == ["expired", "past_limit", "locked"])
            #expect((byLogin["s1.teacher"]?["reasons"] as? [String])?.contains("never_changed") == true)

            let csv = try await officer.send(client, .get, "/units/D01/passwords.csv")
            #expect(csv.status == .ok)
            #expect(csv.text.contains(accounts.soon))
            for secret in ["{SSHA}", "userPassword", "Demo@2026"] { #expect(!csv.text.contains(secret)) }
            #expect(!json.text.contains("{SSHA}"))

            // The school's administrator sees their school's accounts.
            var schoolAdmin = Browser()
            _ = try await Self.signIn(client, &schoolAdmin, "s1.admin")
            let school = try await schoolAdmin.send(client, .get, "/api/v1/units/S01/passwords")
            #expect(school.status == .ok)
            #expect(school.text.contains(accounts.soon))
            #expect(try await schoolAdmin.send(client, .get, "/api/v1/units/D01/passwords").status == .notFound)

            // Another office's officer sees none of them, and S01 does not exist for them.
            var other = Browser()
            _ = try await Self.signIn(client, &other, "d2.officer")
            let theirs = try await other.send(client, .get, "/api/v1/units/D02/passwords")
            #expect(theirs.status == .ok)
            #expect(!theirs.text.contains(accounts.soon))
            #expect(!theirs.text.contains("s1.teacher"))
            #expect(try await other.send(client, .get, "/units/S01/passwords").status == .notFound)
            #expect(try await other.send(client, .get, "/api/v1/units/S01/passwords").status == .notFound)

            // A teacher sees the school but may not review passwords; the unit page offers no link.
            var teacher = Browser()
            _ = try await Self.signIn(client, &teacher, "s1.teacher")
            #expect(try await teacher.send(client, .get, "/units/S01/passwords").status == .forbidden)
            #expect(!(try await teacher.send(client, .get, "/units/S01").text.contains("/passwords")))
            return officer
        }
        // Each look at the list is in the audit chain: who, where, in which form; refusals are not.
        let views = try await TestEnvironment.ownerRows("""
            SELECT actor_login, subject, details::jsonb->>'format' FROM audit_log WHERE action = 'passwords.view' ORDER BY seq
            """, database: world.database.name)
        #expect(views == [["d1.officer", "unit:D01", "page"], ["d1.officer", "unit:D01", "json"], ["d1.officer", "unit:D01", "csv"],
                          ["s1.admin", "unit:S01", "json"], ["d2.officer", "unit:D02", "json"]], "\(views)")

        // The directory down: a clear 503, not an empty list.
        world.configuration.directoryURLOverride = "ldap://127.0.0.1:1"
        try await world.withApp { client in
            var browser = officer
            let api = try await browser.send(client, .get, "/api/v1/units/D01/passwords")
            #expect(api.status == .serviceUnavailable)
            #expect(api.errorCode == "service.directory_unavailable")
            let page = try await browser.send(client, .get, "/units/D01/passwords")
            #expect(page.status == .serviceUnavailable)
        }
    }

    @Test func theTenantFileSetsTheAgeLimitAndWarningDays() throws {
        // setup: the demo file, whose directory names its policy entry and its limits
        let yaml = try String(contentsOfFile: try TestEnvironment.repoDirectory + "/tenants/demo/tenant.yaml", encoding: .utf8)
        let demo = try TenantFile.parse(yaml)
        #expect(demo.directory?.passwordAge == PasswordAgeSettings(
            policyDN: "cn=default,ou=policies,dc=demo,dc=hoso,dc=vn", ageLimitDays: 180, warningDays: 14))
        // act + verify: without the block, the defaults; numbers out of bounds are refused with their field.
        let block = yaml.firstRange(of: "  passwords:\n").map { yaml[$0.lowerBound...] }.map(String.init) ?? ""
        let lines = block.split(separator: "\n", omittingEmptySubsequences: false).prefix(4).joined(separator: "\n") + "\n"
        #expect(lines.hasPrefix("  passwords:\n    policy_dn:"))
        let without = try TenantFile.parse(yaml.replacingOccurrences(of: lines, with: ""))
        #expect(without.directory?.passwordAge == PasswordAgeSettings())
        func problems(_ line: String, _ replacement: String) -> [String] {
            do { _ = try TenantFile.parse(yaml.replacingOccurrences(of: line, with: replacement)); return [] }
            catch { return (error as? HosoErrors)?.errors.compactMap { $0.parameters["field"] } ?? ["?"] }
        }
        let limit = "    age_limit_days: 180\n", warning = "    warning_days: 14\n"
        #expect(problems(limit, "    age_limit_days: 0\n") == ["directory.passwords.age_limit_days"])
        #expect(problems(limit, "    age_limit_days: soon\n") == ["directory.passwords.age_limit_days"])
        #expect(problems(warning, "    warning_days: -1\n") == ["directory.passwords.warning_days"])
        #expect(problems(limit, "    age_limit_days: 90\n").isEmpty)
    }
}
