import Foundation
import HosoCore
import HosoServer
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// The search box against the demo: with or without diacritics, NFD input, ranked, inside the
/// searcher's scope only (never another office's school or person, never another tenant's), and
/// bad input (too long, LIKE's own characters, a bad limit) answered without harm.
@Suite struct SearchTests {
    func search(_ client: any TestClientProtocol, _ browser: inout Browser, _ query: String, limit: String? = nil) async throws
        -> (status: HTTPResponse.Status, units: [String], people: [String], types: [String], body: [String: Any]) {
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "q", value: query)] + (limit.map { [URLQueryItem(name: "limit", value: $0)] } ?? [])
        let response = try await browser.send(client, .get, "/api/v1/search?" + (components.percentEncodedQuery ?? ""))
        let body = (try? response.json()) ?? [:]
        func codes(_ key: String) -> [String] { (body[key] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } }
        return (response.status, codes("units"), codes("people"), codes("recordTypes"), body)
    }

    /// Both plans of `hoso_search`: an office's or a school's people first (D01's officer, D02's),
    /// or, with a grant at the root (the province's officer), the best names first.
    @Test func namesAreFoundWithOrWithoutDiacriticsInsideTheScopeOnly() async throws {
        let world = try await TestWorld.make(importing: ["demo", "demo2"], records: ["2026-2027"])
        try await world.withApp { client in
            var officer = Browser()
            _ = try await officer.signIn(client, "d1.officer")
            // The same school however it is typed: plain, upper case, with marks, decomposed marks.
            for typed in ["chu van an", "CHU VĂN AN", "Chu Văn An", "Chu Va\u{0306}n An", "  chu   van  "] {
                let found = try await search(client, &officer, typed)
                #expect(found.status == .ok && found.units.first == "S01", "\(typed): \(found.units)")
            }
            // A person by name without marks (đ as d) or by login, linked to their items at their school.
            let person = try await search(client, &officer, "do van minh")
            #expect(person.people.contains("s1.teacher"), "\(person.people)")
            let hit = (person.body["people"] as? [[String: Any]])?.first { $0["code"] as? String == "s1.teacher" }
            #expect((hit?["url"] as? String)?.hasPrefix("/units/S01/items?owner=") == true, "\(String(describing: hit))")
            #expect(try await search(client, &officer, "s1.teacher").people.first == "s1.teacher", "an exact login first")
            // Two letters (no trigram): names that start with them, and nobody outside the scope.
            #expect(try await search(client, &officer, "đỗ").people.contains("s1.teacher"))
            #expect(try await search(client, &officer, "do").people.contains("s1.teacher"))
            #expect(try await search(client, &officer, "va").people.isEmpty, "\"Văn\" is not where Đỗ Văn Minh's name starts")
            // Record types: the tenant's catalogue.
            #expect(try await search(client, &officer, "hoc ba").types.contains("student_transcript"))
            // Another office's school and its people are outside D01: never found.
            #expect(try await search(client, &officer, "bach dang").units.isEmpty)
            #expect(try await search(client, &officer, "S02").units.isEmpty)

            // The province's officer finds it; the other office's officer does not find D01's people.
            var province = Browser()
            _ = try await province.signIn(client, "so.officer")
            #expect(try await search(client, &province, "bach dang").units == ["S02"])
            let everyone = try await search(client, &province, "do van minh")
            #expect(everyone.people.contains("s1.teacher"), "the province's plan finds people too: \(everyone.people)")
            let places = (everyone.body["people"] as? [[String: Any]] ?? []).compactMap { $0["place"] as? String }
            #expect(!places.isEmpty && places.allSatisfy { !$0.isEmpty }, "each with where they work: \(places)")
            var other = Browser()
            _ = try await other.signIn(client, "d2.officer")
            #expect(try await search(client, &other, "do van minh").people.isEmpty)
            #expect(try await search(client, &other, "chu van an").units.isEmpty)

            // Another tenant's officer: only their own tenant's units, whatever they type.
            var foreign = Browser()
            _ = try await foreign.signIn(client, tenant: "demo2", "p2.officer")
            let theirs = try await TestEnvironment.ownerRows(
                "SELECT u.code FROM units u JOIN tenants t ON t.id = u.tenant_id WHERE t.code = 'demo2'", database: world.database.name)
                .compactMap { $0[0] }
            for typed in ["truong", "chu van an", "s1", "do van minh", "nguyen"] {
                let found = try await search(client, &foreign, typed)
                #expect(Set(found.units).isSubset(of: Set(theirs)), "\(typed): \(found.units)")
                let places = (found.body["people"] as? [[String: Any]] ?? []).compactMap { $0["place"] as? String }
                #expect(Set(places).isSubset(of: Set(theirs)), "\(typed): people placed at \(places)")
            }
        }
    }

    @Test func badInputIsAnsweredWithoutHarm() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: ["2026-2027"])
        try await world.withApp { client in
            var officer = Browser()
            _ = try await officer.signIn(client, "so.officer")
            // Empty and one letter: nothing, not an error.
            for typed in ["", " ", "a"] {
                let found = try await search(client, &officer, typed)
                #expect(found.status == .ok && found.units.isEmpty && found.people.isEmpty && found.types.isEmpty, "\(typed)")
            }
            // LIKE's own characters match themselves, not everything.
            for typed in ["%%", "__", "%_", "\\\\", "a%", "' OR 1=1 --", "Trường'; DROP TABLE units; --"] {
                let found = try await search(client, &officer, typed)
                #expect(found.status == .ok && found.units.isEmpty && found.people.isEmpty, "\(typed): \(found.units) \(found.people)")
            }
            // Mixed scripts: nothing, and no error.
            #expect(try await search(client, &officer, "Trường школа 学校").status == .ok)
            // Too long: a clear 400 with a stable code, in the API and on the page (the form kept).
            let long = String(repeating: "x", count: 10_000)
            let refused = try await search(client, &officer, long)
            #expect(refused.status == .badRequest && (refused.body["error"] as? [String: Any])?["code"] as? String == "input.too_long")
            let page = try await officer.send(client, .get, "/search?q=" + String(repeating: "y", count: 150))
            #expect(page.status == .badRequest && page.text.contains("id=\"search-error\"") && page.text.contains("tối đa 100"))
            for limit in ["0", "21", "many", "-1"] {
                let bad = try await search(client, &officer, "chu", limit: limit)
                #expect(bad.status == .badRequest && (bad.body["error"] as? [String: Any])?["code"] as? String == "input.bad_limit", "\(limit)")
            }
            #expect(try await search(client, &officer, "truong", limit: "2").units.count == 2)
            // The page: hits as links, the query kept in the box.
            let found = try await officer.send(client, .get, "/search?q=chu+van+an")
            #expect(found.status == .ok && found.text.contains("href=\"/units/S01/dashboard\"") && found.text.contains("value=\"chu van an\""))
            let none = try await officer.send(client, .get, "/search?q=zzzz")
            #expect(none.status == .ok && none.text.contains("id=\"search-none\""))
        }
        // Signed out: the sign-in page, as everywhere.
        try await world.withApp { client in
            var anonymous = Browser()
            let answer = try await anonymous.send(client, .get, "/api/v1/search?q=chu")
            #expect(answer.status == .unauthorized)
        }
    }
}
