import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import HosoStore
import Hummingbird
import HummingbirdTesting
import Testing

/// Who sees which inspection, on every read path: the SQL twin of the visibility rule agrees with
/// HosoCore's; a planned surprise leaves the inspected school's figures alone until it starts; a
/// follow-up the caller cannot see is "not found"; the minutes before they exist are a bad request.
@Suite struct InspectionVisibilityTests {
    static let year = InspectionTests.year

    func csrf(_ browser: Browser) -> HTTPFields { [HTTPField.Name("X-CSRF-Token")!: browser.csrf] }

    /// The summary line of a dashboard's coverage card.
    func coverageLine(_ html: String) -> String {
        // The coverage card's line (the paper-copy card's line also starts with the year).
        html.components(separatedBy: "\n").first { $0.contains("Năm học \(Self.year):") && $0.contains("kiểm tra") } ?? ""
    }

    @Test func aPlannedSurpriseLeavesTheSchoolsFiguresAloneUntilItStarts() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var officer = Browser()
            var inspector = Browser()
            var principal = Browser()
            officer.csrf = try await officer.signIn(client, "d1.officer")
            inspector.csrf = try await inspector.signIn(client, "d1.inspector")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            let coverageURL = "/api/v1/units/S01/inspection-coverage?year=\(Self.year)"
            let dashboardURL = "/units/S01/dashboard?year=\(Self.year)"
            // setup: the school's figures before anything is planned
            let coverageBefore = try await principal.send(client, .get, coverageURL).text
            let dashboardBefore = coverageLine(try await principal.send(client, .get, dashboardURL).text)
            #expect(!dashboardBefore.isEmpty, "the dashboard has its coverage line")

            // act: the office plans a surprise inspection of S01
            let planned = try await officer.send(
                client, .post, "/api/v1/units/D01/inspections",
                json: """
                    {"kind": "surprise", "title": "Kiểm tra đột xuất", "place": "Hồng Bàng",
                     "from": "2026-09-01", "to": "2026-10-31",
                     "recordTypes": ["lesson_plan"], "scope": ["S01"], "inspectors": ["d1.inspector"]}
                    """, headers: csrf(officer))
            #expect(planned.status == .created, "\(planned.text)")
            let id = try #require(try planned.json()["id"] as? Int)

            // verify: the school sees no change, in the API and on its dashboard
            #expect(try await principal.send(client, .get, coverageURL).text == coverageBefore)
            #expect(coverageLine(try await principal.send(client, .get, dashboardURL).text) == dashboardBefore)
            #expect(try await principal.send(client, .get, "/api/v1/inspections/\(id)").status == .notFound)
            // The office that planned it counts it, and its team sees it.
            let office = try await officer.send(client, .get, "/api/v1/units/D01/inspection-coverage?year=\(Self.year)")
                .json()
            let school = try #require((office["units"] as? [[String: Any]])?.first { $0["unit"] as? String == "S01" })
            #expect(school["planned"] as? Int == 1 && school["inspections"] as? Int == 1)
            let listed = try await inspector.send(client, .get, "/api/v1/units/D01/inspections?year=\(Self.year)")
                .json()
            #expect((listed["items"] as? [[String: Any]])?.contains { $0["id"] as? Int == id } == true)

            // Started: now the school counts it.
            #expect(
                try await inspector.send(client, .post, "/api/v1/inspections/\(id)/start", headers: csrf(inspector))
                    .status == .ok)
            let after = try await principal.send(client, .get, coverageURL).json()
            let own = try #require((after["units"] as? [[String: Any]])?.first { $0["unit"] as? String == "S01" })
            #expect(own["planned"] as? Int == 1 && own["inspections"] as? Int == 1)
            #expect(
                coverageLine(try await principal.send(client, .get, dashboardURL).text).contains("1 cuộc kiểm tra; 1/1")
            )
        }
    }

    @Test func aFollowUpIsNotFoundByWhoeverCannotSeeIt() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var officer = Browser()
            var inspector = Browser()
            var principal = Browser()
            var teacher = Browser()
            var stranger = Browser()
            officer.csrf = try await officer.signIn(client, "d1.officer")
            inspector.csrf = try await inspector.signIn(client, "d1.inspector")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            stranger.csrf = try await stranger.signIn(client, "t1.principal")
            // setup: an inspection in progress with a finding and a follow-up owned by the principal
            let planned = try await officer.send(
                client, .post, "/api/v1/units/D01/inspections",
                json: """
                    {"kind": "periodic", "title": "Kiểm tra", "place": "Hồng Bàng",
                     "from": "2026-09-01", "to": "2026-10-31",
                     "recordTypes": ["lesson_plan"], "scope": ["S01"], "inspectors": ["d1.inspector"]}
                    """, headers: csrf(officer))
            let id = try #require(try planned.json()["id"] as? Int)
            let base = "/api/v1/inspections/\(id)"
            // The minutes before they exist: a bad request, as the API document says.
            let early = try await officer.send(client, .get, base + "/minutes")
            #expect(early.status == .badRequest && early.errorCode == "inspection.no_minutes")
            // The pages offer each step where its decision accepts it, with the form's target.
            let plannedPage = try await officer.send(client, .get, "/inspections/\(id)").text
            #expect(plannedPage.contains("action=\"/inspections/\(id)/cancel\""))
            #expect(!plannedPage.contains("action=\"/inspections/\(id)/start\""), "the officer is not on the team")
            #expect(try await inspector.send(client, .get, "/inspections/\(id)").text
                .contains("action=\"/inspections/\(id)/start\""))
            #expect(try await officer.send(client, .get, "/units/D01/inspections").text
                .contains("action=\"/units/D01/inspections\""))
            #expect(try await inspector.send(client, .post, base + "/start", headers: csrf(inspector)).status == .ok)
            let items = try #require(
                try await inspector.send(client, .get, base + "/items").json()["items"] as? [[String: Any]])
            let item = try #require(items.first?["id"] as? Int)
            let conducting = try await inspector.send(client, .get, "/inspections/\(id)").text
            #expect(conducting.contains("action=\"/inspections/\(id)/items/\(item)\""))
            #expect(conducting.contains("action=\"/inspections/\(id)/findings\""))
            #expect(conducting.contains("action=\"/inspections/\(id)/conclude\""), "its only inspector leads it")
            let finding = try await inspector.send(
                client, .post, base + "/findings",
                json: #"{"item": \#(item), "severity": "shortcoming", "text": "Thiếu"}"#,
                headers: csrf(inspector))
            let findingID = try #require(try finding.json()["id"] as? Int)
            let due = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970)).adding(days: 20).iso
            let followUp = try await inspector.send(
                client, .post, base + "/follow-ups",
                json: """
                    {"finding": \(findingID), "owner": "s1.principal", "due": "\(due)", "action": "Bổ sung"}
                    """, headers: csrf(inspector))
            #expect(followUp.status == .created, "\(followUp.text)")
            let followUpID = try #require(try followUp.json()["id"] as? Int)
            let done = "/api/v1/follow-ups/\(followUpID)/done"

            // act and verify: whoever cannot see it is told it does not exist, like an unknown id
            for (browser, login) in [(teacher, "s1.teacher"), (stranger, "t1.principal")] {
                var browser = browser
                let refused = try await browser.send(
                    client, .post, done, json: #"{"note": "x"}"#, headers: csrf(browser))
                #expect(
                    refused.status == .notFound && refused.errorCode == "inspection.follow_up_not_found", "\(login)")
            }
            let unknown = try await teacher.send(
                client, .post, "/api/v1/follow-ups/\(followUpID + 100000)/done", json: #"{"note": "x"}"#,
                headers: csrf(teacher))
            #expect(unknown.status == .notFound && unknown.errorCode == "inspection.follow_up_not_found")
            let malformed = try await teacher.send(
                client, .post, "/api/v1/follow-ups/abc/done", json: #"{"note": "x"}"#,
                headers: csrf(teacher))
            #expect(malformed.status == .notFound && malformed.errorCode == "inspection.follow_up_not_found")
            // Seen but not theirs: the office's officer.
            let notYours = try await officer.send(client, .post, done, json: #"{"note": "x"}"#, headers: csrf(officer))
            #expect(notYours.status == .forbidden && notYours.errorCode == "inspection.follow_up_not_yours")
            // Its owner marks it done; the page offered the form to the owner only.
            #expect(
                try await principal.send(client, .get, "/inspections/\(id)").text.contains(
                    "/follow-ups/\(followUpID)/done"))
            #expect(
                !(try await officer.send(client, .get, "/inspections/\(id)").text.contains(
                    "/follow-ups/\(followUpID)/done")))
            #expect(
                try await principal.send(
                    client, .post, done, json: #"{"note": "Đã bổ sung"}"#, headers: csrf(principal)
                ).status
                    == .noContent)
            let again = try await principal.send(
                client, .post, done, json: #"{"note": "Đã bổ sung"}"#, headers: csrf(principal))
            #expect(again.status == .conflict && again.errorCode == "inspection.follow_up_done_already")
        }
    }

    /// `InspectionStore.shownToViewer` (SQL) and `InspectionVisibility.counts` (HosoCore) agree for
    /// every kind × state and viewers on the team, above the issuer, in scope and elsewhere.
    @Test func theSQLRuleAgreesWithHosoCore() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let logins = ["d1.officer", "d1.inspector", "s1.principal", "s1.teacher", "t1.principal", "so.officer"]
        let id = try await world.withApp { client in
            for login in logins {
                var browser = Browser()
                _ = try await browser.signIn(client, login)
            }
            var officer = Browser()
            officer.csrf = try await officer.signIn(client, "d1.officer")
            let planned = try await officer.send(
                client, .post, "/api/v1/units/D01/inspections",
                json: """
                    {"kind": "surprise", "title": "Kiểm tra", "place": "Hồng Bàng",
                     "from": "2026-09-01", "to": "2026-10-31", "scope": ["S01"], "inspectors": ["d1.inspector"]}
                    """, headers: [HTTPField.Name("X-CSRF-Token")!: officer.csrf])
            return try #require(try planned.json()["id"] as? Int)
        }
        // setup: one copy of the inspection (its scope and team) per kind × state
        for kind in InspectionKind.allCases {
            for state in InspectionState.allCases {
                _ = try await TestEnvironment.ownerRows(
                    """
                    WITH copy AS (
                        INSERT INTO inspections (tenant_id, kind, state, title, issuer_unit_id, symbol, school_year,
                                                 period_from, period_to, record_types, place, planned_on, planned_by)
                        SELECT tenant_id, '\(kind.rawValue)', '\(state.rawValue)', title, issuer_unit_id, symbol,
                               school_year, period_from, period_to, record_types, place, planned_on, planned_by
                        FROM inspections WHERE id = \(id)
                        RETURNING id
                    ), units AS (
                        INSERT INTO inspection_units (tenant_id, inspection_id, unit_id)
                        SELECT iu.tenant_id, copy.id, iu.unit_id FROM inspection_units iu, copy
                        WHERE iu.inspection_id = \(id)
                    )
                    INSERT INTO inspection_members (tenant_id, inspection_id, user_id, leader)
                    SELECT m.tenant_id, copy.id, m.user_id, m.leader FROM inspection_members m, copy
                    WHERE m.inspection_id = \(id)
                    """, database: world.database.name)
            }
        }
        let rows = try await TestEnvironment.ownerRows(
            """
            SELECT i.id::text, i.kind, i.state, i.tenant_id::text, u.path::text,
                   (SELECT string_agg(m.user_id::text, ',') FROM inspection_members m WHERE m.inspection_id = i.id)
            FROM inspections i JOIN units u ON u.id = i.issuer_unit_id ORDER BY i.id
            """, database: world.database.name)
        #expect(rows.count == 1 + InspectionKind.allCases.count * InspectionState.allCases.count)
        let tenantID = try #require(Int64(rows.first?[3] ?? ""))
        try await withDatabase(try world.database.appURL) { pool in
            let store = InspectionStore(database: pool, logger: TestEnvironment.logger)
            let people = try await store.people(tenantID: tenantID, logins: logins)
            #expect(people.count == logins.count)
            for person in people {
                let actor = Actor(
                    userID: person.userID, tenantID: tenantID, login: person.login, displayName: person.displayName,
                    grants: person.grants)
                let viewer = InspectionViewer(actor)
                let shown = try await store.shown(
                    tenantID: tenantID, viewer: viewer, ids: rows.compactMap { Int64($0[0] ?? "") })
                for row in rows {
                    let inspection = try #require(Int64(row[0] ?? ""))
                    let kind = try #require(InspectionKind(rawValue: row[1] ?? ""))
                    let state = try #require(InspectionState(rawValue: row[2] ?? ""))
                    let members = (row[5] ?? "").split(separator: ",").compactMap { Int64($0) }
                    let swift = InspectionVisibility.counts(
                        kind: kind, state: state, isMember: members.contains(actor.userID),
                        issuerAncestry: (row[4] ?? "").split(separator: ".").compactMap { Int64($0) },
                        watchedUnits: viewer.watchedUnits)
                    #expect(shown.contains(inspection) == swift, "\(person.login) \(kind) \(state)")
                }
            }
        }
    }
}
