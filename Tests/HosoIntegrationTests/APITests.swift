import Foundation
import HosoCore
import HosoServer
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// The JSON API against real PostgreSQL and slapd, through the server's router.
@Suite struct APITests {
    @Test func eachDemoRoleSeesItsSubtreeAndNoFurther() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            // (login, units they may open, units that must look absent)
            let cases: [(String, [String], [String])] = [
                ("so.officer", ["SO", "D01", "S01", "S02", "T01"], []),
                ("so.inspector", ["SO", "S06", "T02"], []),
                ("d1.officer", ["D01", "S01", "S03", "S04"], ["SO", "D02", "S02", "T01"]),
                ("d1.inspector", ["D01", "S01"], ["D02", "S02", "SO"]),
                ("s1.principal", ["S01"], ["D01", "SO", "S02", "S03"]),
                ("s1.teacher", ["S01"], ["D01", "S02"]),
                ("s2.principal", ["S02"], ["S01", "D01", "D02"]),
                ("t1.principal", ["T01"], ["SO", "T02", "S01"]),
            ]
            for (login, visible, hidden) in cases {
                var browser = Browser()
                try await browser.signIn(client, login)
                for code in visible {
                    let response = try await browser.send(client, .get, "/api/v1/units/\(code)")
                    #expect(response.status == .ok, "\(login) should see \(code)")
                }
                for code in hidden {
                    let response = try await browser.send(client, .get, "/api/v1/units/\(code)")
                    #expect(response.status == .notFound, "\(login) must not see \(code)")
                    #expect(response.errorCode == "scope.not_found")
                }
            }
        }
    }

    @Test func meReportsUserGrantsAndCSRFToken() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            let csrf = try await browser.signIn(client, "s1.head")
            let me = try await browser.send(client, .get, "/api/v1/me").json()
            #expect((me["user"] as? [String: Any])?["login"] as? String == "s1.head")
            #expect(me["csrfToken"] as? String == csrf)
            let grants = (me["grants"] as? [[String: Any]] ?? []).compactMap { $0["role"] as? String }
            #expect(Set(grants) == ["subject_group_head", "teacher"])
            let unit = try await browser.send(client, .get, "/api/v1/units/S01").json()
            #expect(unit["breadcrumbs"] as? [Any] != nil)
            #expect((unit["breadcrumbs"] as? [Any])?.isEmpty == true, "nothing above the school is visible to a group head")
        }
    }

    @Test func officerBreadcrumbsAndChildren() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "so.officer")
            let unit = try await browser.send(client, .get, "/api/v1/units/S01").json()
            #expect((unit["breadcrumbs"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["SO", "D01"])
            let department = try await browser.send(client, .get, "/api/v1/units/SO").json()
            let children = (department["children"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
            #expect(Set(children) == ["D01", "D02", "T01", "T02"])
            #expect((department["subtreeCounts"] as? [String: Int])?["school"] == 8)
        }
    }

    @Test func signInRefusalsAreClearAndLocalised() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            let wrong = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"s1.teacher2","password":"nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "signin.invalid_credentials")
            #expect(wrong.errorMessage == "Tên đăng nhập hoặc mật khẩu không đúng.")

            let english = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"nobody","password":"x"}"#,
                                                 headers: [.acceptLanguage: "en-GB,en;q=0.8"])
            #expect(english.errorCode == "signin.invalid_credentials")
            #expect(english.errorMessage == "Wrong login name or password.")

            let empty = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"s1.teacher","password":""}"#)
            #expect(empty.status == .badRequest)
            #expect(empty.errorCode == "signin.empty_password")

            let long = String(repeating: "x", count: 300)
            let tooLong = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"\#(long)","password":"x"}"#)
            #expect(tooLong.status == .badRequest)
            #expect(tooLong.errorCode == "input.too_long")

            let malformed = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "request.bad_json")

            let notJSON = try await browser.send(client, .post, "/api/v1/session", form: [("tenant", "demo")])
            #expect(notJSON.errorCode == "request.unsupported_media_type")

            // A login of another tenant is nobody here.
            let foreign = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"p2.officer","password":"Demo@2026!"}"#)
            #expect(foreign.errorCode == "signin.invalid_credentials")

            let nul = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"s1.teacher","password":"\u0000x"}"#)
            #expect(nul.status == .badRequest)
            #expect(nul.errorCode == "signin.bad_password")

            let oddHeader = try await browser.send(client, .get, "/api/v1/me", headers: [.acceptLanguage: ";"])
            #expect(oddHeader.errorCode == "auth.required", "a malformed Accept-Language is ignored, not fatal")

            let unknownTenant = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"atlantis","username":"a","password":"b"}"#)
            #expect(unknownTenant.errorCode == "signin.unknown_tenant")
            #expect(browser.cookies["hoso_session"] == nil)
        }
    }

    @Test func theSameLoginInTwoTenantsIsTwoPeople() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var demo = Browser(), demo2 = Browser()
            try await demo.signIn(client, tenant: "demo", "s1.teacher")
            try await demo2.signIn(client, tenant: "demo2", "s1.teacher")
            let one = try await demo.send(client, .get, "/api/v1/me").json()
            let two = try await demo2.send(client, .get, "/api/v1/me").json()
            #expect((one["tenant"] as? [String: Any])?["code"] as? String == "demo")
            #expect((two["tenant"] as? [String: Any])?["code"] as? String == "demo2")
            // demo2 has its own S01; demo's session can never reach it, nor demo2's department.
            let name1 = ((try await demo.send(client, .get, "/api/v1/units/S01").json())["unit"] as? [String: Any])?["name"] as? String
            let name2 = ((try await demo2.send(client, .get, "/api/v1/units/S01").json())["unit"] as? [String: Any])?["name"] as? String
            #expect(name1 == "Trường THCS Chu Văn An")
            #expect(name2 == "Trường THCS Lê Lợi")
            #expect(try await demo.send(client, .get, "/api/v1/units/SGD").status == .notFound)
        }
    }

    @Test func inScopeButNotAllowedIs403() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var teacher = Browser(), principal = Browser()
            try await teacher.signIn(client, "s1.teacher")
            try await principal.signIn(client, "s1.principal")
            let refused = try await teacher.send(client, .get, "/api/v1/units/S01/people")
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "scope.forbidden")
            let people = try await principal.send(client, .get, "/api/v1/units/S01/people").json()
            let logins = (people["people"] as? [[String: Any]])?.compactMap { $0["login"] as? String } ?? []
            #expect(Set(logins) == ["s1.teacher", "s1.principal"], "people appear after their first sign-in")
            #expect(try await principal.send(client, .get, "/api/v1/units/S02/people").status == .notFound)
        }
    }

    @Test func csrfGuardsUnsafeRequests() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            let csrf = try await browser.signIn(client, "s1.teacher")
            let missing = try await browser.send(client, .delete, "/api/v1/session")
            #expect(missing.status == .forbidden)
            #expect(missing.errorCode == "csrf.missing")
            let wrong = try await browser.send(client, .delete, "/api/v1/session", headers: [HTTPField.Name("X-CSRF-Token")!: "forged"])
            #expect(wrong.errorCode == "csrf.invalid")
            #expect(try await browser.send(client, .get, "/api/v1/me").status == .ok, "still signed in")
            let signedOut = try await browser.send(client, .delete, "/api/v1/session", headers: [HTTPField.Name("X-CSRF-Token")!: csrf])
            #expect(signedOut.status == .noContent)
            #expect(try await browser.send(client, .get, "/api/v1/me").status == .unauthorized)
        }
    }

    @Test func anEndedOrExpiredSessionNoLongerWorks() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "s1.teacher")
            let token = try #require(browser.cookies["hoso_session"])
            // Age the session past the absolute limit.
            try await TestEnvironment.ownerExecute(
                "UPDATE sessions SET created_at = now() - interval '13 hours'", database: world.database.name
            )
            let expired = try await browser.send(client, .get, "/api/v1/me")
            #expect(expired.status == .unauthorized)
            #expect(expired.errorCode == "auth.expired")
            // A token that never existed is refused the same way, with nothing revealed.
            var forged = Browser()
            forged.cookies["hoso_session"] = String(token.reversed())
            #expect(try await forged.send(client, .get, "/api/v1/me").status == .unauthorized)
        }
    }

    @Test func idleSessionsExpire() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "s1.teacher")
            try await TestEnvironment.ownerExecute(
                "UPDATE sessions SET last_seen_at = now() - interval '31 minutes'", database: world.database.name
            )
            #expect(try await browser.send(client, .get, "/api/v1/me").errorCode == "auth.expired")
        }
    }

    @Test func percentEncodedVietnameseInPaths() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "so.officer")
            let response = try await browser.send(client, .get, "/api/v1/units/Tr%C6%B0%E1%BB%9Dng")
            #expect(response.status == .notFound)
            #expect(response.errorMessage?.contains("Trường") == true, "decoded before use")
            let ok = try await browser.send(client, .get, "/api/v1/units/S%30%31")
            #expect(ok.status == .ok, "S%30%31 is S01")
        }
    }

    @Test func signInIsThrottledPerLogin() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            // admin.lockout exists only for this test: the directory locks it after five failures too.
            for _ in 0..<5 {
                let response = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"admin.lockout","password":"bad"}"#)
                #expect(response.errorCode == "signin.invalid_credentials")
            }
            let throttled = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"ADMIN.lockout","password":"Demo@2026!"}"#)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.errorCode == "signin.throttled_login")
            #expect(throttled.errorMessage?.contains("15 phút") == true)
        }
    }

    @Test func parallelGuessesCannotOutrunTheThrottle() async throws {
        let world = try await TestWorld.make()
        let codes = try await world.withApp { client in
            try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        var browser = Browser()
                        return try await browser.send(client, .post, "/api/v1/session",
                                                      json: #"{"tenant":"demo","username":"ghost.race","password":"guess"}"#).errorCode
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1 ?? "") }
            }
        }
        #expect(codes.filter { $0 == "signin.invalid_credentials" }.count == 5)
        #expect(codes.filter { $0 == "signin.throttled_login" }.count == 5)
    }

    @Test func signInIsThrottledPerAddress() async throws {
        let world = try await TestWorld.make { $0.throttle.maxFailuresPerAddress = 3 }
        try await world.withApp { client in
            var browser = Browser()
            for index in 0..<3 {
                _ = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"ghost\#(index)","password":"x"}"#)
            }
            let throttled = try await browser.send(client, .post, "/api/v1/session", json: #"{"tenant":"demo","username":"s1.clerk","password":"Demo@2026!"}"#)
            #expect(throttled.errorCode == "signin.throttled_address")
        }
    }

    @Test func grantsAreReReadAtEachSignIn() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "s1.clerk")
            // A stale grant in the database (as if the directory had changed since) …
            try await TestEnvironment.ownerExecute("""
                INSERT INTO user_grants (tenant_id, user_id, role, unit_id, source_group)
                SELECT u.tenant_id, u.id, 'district_officer', (SELECT id FROM units WHERE code = 'D02' AND tenant_id = u.tenant_id), 'old'
                FROM users u WHERE u.login = 's1.clerk'
                """, database: world.database.name)
            #expect(try await browser.send(client, .get, "/api/v1/units/S02").status == .ok)
            // … is gone after the next sign-in, which asks the directory again.
            var again = Browser()
            try await again.signIn(client, "s1.clerk")
            #expect(try await again.send(client, .get, "/api/v1/units/S02").status == .notFound)
            let roles = ((try await again.send(client, .get, "/api/v1/me").json())["grants"] as? [[String: Any]])?.compactMap { $0["role"] as? String }
            #expect(roles == ["clerk"])
        }
    }

    @Test func aPersonWithoutGroupsSeesNothing() async throws {
        let world = try await TestWorld.make()
        try await world.withApp { client in
            var browser = Browser()
            try await browser.signIn(client, "s1.former")
            let me = try await browser.send(client, .get, "/api/v1/me").json()
            #expect((me["grants"] as? [Any])?.isEmpty == true)
            #expect(try await browser.send(client, .get, "/api/v1/units/S01").status == .notFound)
        }
    }

    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        let world = try await TestWorld.make(importing: [])
        let services = try await makeServices(configuration: world.configuration, logger: TestEnvironment.logger)
        let router = makeRouter(services: services)
        let document = try String(contentsOfFile: world.configuration.webDirectory + "/openapi.yaml", encoding: .utf8)
        let apiRoutes = router.routes.filter { $0.path.description.hasPrefix("/api/") }
        #expect(apiRoutes.count >= 7)
        for route in apiRoutes {
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                .joined(separator: "/")
            let block = document.components(separatedBy: "\n  /" + path.drop { $0 == "/" } + ":\n")
            #expect(block.count == 2, "\(path) is in openapi.yaml")
            let section = block.count == 2 ? (block[1].components(separatedBy: "\n  /").first ?? "") : ""
            #expect(section.contains("    \(route.method.rawValue.lowercased()):"), "\(route.method) \(path) is in openapi.yaml")
        }
        try await world.withApp { client in
            let served = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
            #expect(served.status == .ok)
            #expect(String(buffer: served.body) == document)
        }
    }
}
