import Foundation
import HosoCore
import HosoServer
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// The HTML pages: sign-in form, home, the tree, people, sign-out, the language switch.
@Suite struct PageTests {
    /// Fetches the sign-in form and posts it as a browser would.
    func signInWithForm(_ client: any TestClientProtocol, _ browser: inout Browser, login: String,
                        password: String = "Demo@2026!", next: String = "/") async throws -> TestResponse {
        let form = try await browser.send(client, .get, "/signin")
        let token = try #require(form.text.firstMatch(of: /name="_signin" value="([0-9a-f]+)"/)?.1)
        return try await browser.send(client, .post, "/signin", form: [
            ("_signin", String(token)), ("tenant", "demo"), ("username", login), ("password", password), ("next", next),
        ])
    }

    @Test func anonymousVisitorsAreSentToSignIn() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            let home = try await browser.send(client, .get, "/units/S01")
            #expect(home.status == .seeOther)
            #expect(home.headers[.location] == "/signin?next=/units/S01")
            let form = try await browser.send(client, .get, "/signin", headers: [.acceptLanguage: "en-US,en;q=0.9"])
            #expect(form.status == .ok)
            #expect(form.text.contains("<html lang=\"vi\">"), "pages are Vietnamese until the person switches")
            #expect(form.text.contains("Sở Giáo dục và Đào tạo Lâm Đồng (demo)"), "the tenant list")
            #expect(form.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
        }
    }

    @Test func eachRoleLandsOnWhatTheyCameFor() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: ["2026-2027"])
        try await world.withApp { client in
            let expected = [
                ("so.officer", "/units/SO/dashboard"), ("d1.inspector", "/units/D01/dashboard"), ("s1.principal", "/units/S01/dashboard"),
                ("s1.head", "/approvals"), ("s1.teacher", "/owe"), ("s1.admin", "/units/S01/dashboard"),
            ]
            for (login, landing) in expected {
                var browser = Browser()
                let signedIn = try await signInWithForm(client, &browser, login: login)
                #expect(signedIn.status == .seeOther && signedIn.headers[.location] == landing, "\(login): \(signedIn.headers[.location] ?? "")")
                // The page it names opens, and the account page stays one click away.
                let page = try await browser.send(client, .get, landing)
                #expect(page.status == .ok, "\(login) at \(landing)")
                #expect(page.text.contains("href=\"/\""), "\(login): the account page is linked")
            }
            // On their way elsewhere, they go there.
            var browser = Browser()
            let elsewhere = try await signInWithForm(client, &browser, login: "s1.teacher", next: "/units/S01")
            #expect(elsewhere.headers[.location] == "/units/S01")
        }
    }

    @Test func aTeachersListPutsTheseWeeksFirstAndEarlierYearsBehindALink() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: ["2025-2026", "2026-2027"])
        let db = world.database.name
        // The teacher's overdue items of the earlier school year, which the page keeps behind a link.
        let earlier = try await TestEnvironment.ownerRows("""
            SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = 's1.teacher' AND o.school_year = '2025-2026' AND o.status = 'missing' AND NOT o.withdrawn
              AND o.state IN ('open', 'returned', 'correcting') AND o.exempt_reason IS NULL
            """, database: db).compactMap { $0[0] }
        #expect(!earlier.isEmpty, "the demo's earlier year has overdue items")
        try await world.withApp { client in
            var teacher = Browser()
            _ = try await teacher.signIn(client, "s1.teacher")
            let page = try await teacher.send(client, .get, "/owe")
            #expect(page.status == .ok)
            let html = page.text
            let order = ["Hạn trong tuần này", "Hạn tuần sau", "Bị trả lại", "Quá hạn trong năm học này"].map { html.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil } && zip(order, order.dropFirst()).allSatisfy { $0! < $1! }, "this week first")
            for id in earlier { #expect(!html.contains("href=\"/records/\(id)\""), "last year's \(id) is behind the link") }
            #expect(html.contains("id=\"owe-earlier\"") && html.contains("Xem \(earlier.count) mục quá hạn"), "the link counts them")
            let past = try await teacher.send(client, .get, "/owe?past=1")
            #expect(past.text.contains("Quá hạn của các năm học trước"))
            for id in earlier { #expect(past.text.contains("href=\"/records/\(id)\"")) }
            #expect(!past.text.contains("id=\"owe-earlier\""))
        }
    }

    @Test func signInShowsWhoRolesAndScopeThenSignsOut() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            let signedIn = try await signInWithForm(client, &browser, login: "d1.officer", next: "/units/S01")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/units/S01")
            let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("hoso_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"), "plain HTTP on loopback")

            let home = try await browser.send(client, .get, "/")
            #expect(home.text.contains("Cán bộ Phòng"))
            #expect(home.text.contains("Phòng Văn hóa – Xã hội phường Hồng Bàng"))

            let school = try await browser.send(client, .get, "/units/S01")
            #expect(school.status == .ok)
            #expect(school.text.contains("Trường THCS Chu Văn An"))
            #expect(school.text.contains("05/09/1995"), "dates as dd/MM/yyyy")
            #expect(!school.text.contains("Ngày đóng"), "no closing date on an open unit")
            #expect(school.text.contains("href=\"/units/D01\""), "breadcrumb up to the office")
            #expect(!school.text.contains("href=\"/units/SO\""), "but not above what they may see")

            let office = try await browser.send(client, .get, "/units/D01")
            for code in ["S01", "S03", "S04"] { #expect(office.text.contains("href=\"/units/\(code)\"")) }
            #expect(try await browser.send(client, .get, "/units/D02").status == .notFound)

            // Sign out needs the CSRF token of the session.
            let csrf = try #require(home.text.firstMatch(of: /name="_csrf" value="([^"]+)"/)?.1)
            let refused = try await browser.send(client, .post, "/signout", form: [("_csrf", "forged")])
            #expect(refused.status == .forbidden)
            let out = try await browser.send(client, .post, "/signout", form: [("_csrf", String(csrf))])
            #expect(out.status == .seeOther)
            #expect(browser.cookies["hoso_session"] == nil)
            #expect(try await browser.send(client, .get, "/").status == .seeOther)
        }
    }

    @Test func wrongPasswordReShowsTheFormWithTheMessage() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            let response = try await signInWithForm(client, &browser, login: "s1.teacher2", password: "wrong")
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("Tên đăng nhập hoặc mật khẩu không đúng."))
            #expect(response.text.contains("value=\"s1.teacher2\""), "the login is kept")
            #expect(browser.cookies["hoso_session"] == nil)
        }
    }

    @Test func theSignInFormNeedsItsOwnToken() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            let response = try await browser.send(client, .post, "/signin", form: [
                ("_signin", "guess"), ("tenant", "demo"), ("username", "s1.teacher"), ("password", "Demo@2026!"),
            ])
            #expect(response.status == .forbidden)
            #expect(browser.cookies["hoso_session"] == nil)
        }
    }

    @Test func languageSwitchesToEnglishAndBack() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            _ = try await signInWithForm(client, &browser, login: "so.officer")
            let switched = try await browser.send(client, .get, "/lang/en?next=%2Funits%2FSO")
            #expect(switched.status == .seeOther)
            #expect(switched.headers[.location] == "/units/SO")
            let english = try await browser.send(client, .get, "/units/SO")
            #expect(english.text.contains("<html lang=\"en\">"))
            #expect(english.text.contains("Units under this one"))
            #expect(english.text.contains("Hong Bang Ward Culture and Society Office"))
            _ = try await browser.send(client, .get, "/lang/vi?next=/")
            #expect(try await browser.send(client, .get, "/units/SO").text.contains("Đơn vị trực thuộc"))
            // No open redirect through next=.
            for target in ["//evil.example", "/%09/evil.example", "/%0a/evil.example", "/%5Cevil.example", "https://evil.example", "/%252F%252Fevil"] {
                #expect(try await browser.send(client, .get, "/lang/en?next=\(target)").headers[.location]?.contains("evil") != true, "\(target)")
            }
        }
    }

    @Test func peoplePageFollowsThePolicy() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var principal = Browser(), teacher = Browser()
            _ = try await signInWithForm(client, &teacher, login: "s1.teacher")
            _ = try await signInWithForm(client, &principal, login: "s1.principal")
            let page = try await principal.send(client, .get, "/units/S01/people")
            #expect(page.status == .ok)
            #expect(page.text.contains("s1.teacher"))
            let refused = try await teacher.send(client, .get, "/units/S01/people")
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("Vai trò của bạn không cho phép thao tác này"))
            #expect(!(try await teacher.send(client, .get, "/units/S01").text.contains("/units/S01/people")), "no link to what is refused")
        }
    }

    @Test func unknownPagesAnswerInTheUsersLanguage() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            let missing = try await browser.send(client, .get, "/no/such/page?lang=en")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("Page not found."))
            let css = try await browser.send(client, .get, "/static/hoso.css")
            #expect(css.status == .ok)
            #expect(css.text.contains("@media print"))
        }
    }
}
