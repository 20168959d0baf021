import Foundation
import HosoServer
import HTTPTypes
import HummingbirdTesting
import Testing

/// Concluding holds the inspection's row lock (and the issuer's numbering lock) while the minutes
/// are drawn: what they say of the inspection is read on that same connection, the rest before
/// the lock. Several conclusions at once by one issuer then finish with a pool of three; they used
/// to take more pooled connections each while holding the locks, and starve one another.
@Suite struct InspectionConcludeTests {
    static let year = "2026-2027"

    @Test func fourConclusionsAtOnceFinishWithAPoolOfThree() async throws {
        // setup: four periodic inspections of S01 by the office, started and every line marked.
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year]) { configuration in
            configuration.databaseMaxConnections = 3
        }
        try await world.withApp { client in
            var officer = Browser(), inspector = Browser()
            officer.csrf = try await officer.signIn(client, "d1.officer")
            inspector.csrf = try await inspector.signIn(client, "d1.inspector")
            let csrf = { (b: Browser) -> HTTPFields in [HTTPField.Name("X-CSRF-Token")!: b.csrf] }
            var ids: [Int] = []
            for n in 1...4 {
                let planned = try await officer.send(
                    client, .post, "/api/v1/units/D01/inspections",
                    json: #"{"kind": "periodic", "title": "Kiểm tra \#(n)", "symbol": "PGDĐT", "place": "Hồng Bàng", "#
                        + #""from": "2026-09-01", "to": "2026-09-14", "recordTypes": ["lesson_plan"], "#
                        + #""scope": ["S01"], "inspectors": ["d1.inspector"]}"#,
                    headers: csrf(officer))
                #expect(planned.status == .created, "\(planned.text)")
                let id = try #require(try planned.json()["id"] as? Int)
                let base = "/api/v1/inspections/\(id)"
                #expect(try await inspector.send(client, .post, base + "/start", headers: csrf(inspector)).status == .ok)
                let items = try #require(
                    try await inspector.send(client, .get, base + "/items").json()["items"] as? [[String: Any]])
                for item in items {
                    let marked = try await inspector.send(
                        client, .put, base + "/items/\(item["id"] as? Int ?? 0)", json: #"{"verdict": "compliant"}"#,
                        headers: csrf(inspector))
                    #expect(marked.status == .ok, "\(marked.text)")
                }
                ids.append(id)
            }

            // act: the leader concludes all four at once.
            let leader = inspector
            let headers = csrf(leader)
            let results = try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status, String).self) { group in
                for id in ids {
                    group.addTask {
                        var browser = leader
                        let response = try await browser.send(
                            client, .post, "/api/v1/inspections/\(id)/conclude",
                            json: #"{"conclusions": "Đạt yêu cầu."}"#, headers: headers)
                        return (id, response.status, response.text)
                    }
                }
                return try await group.reduce(into: [(Int, HTTPResponse.Status, String)]()) { $0.append($1) }
            }

            // verify: every one concluded with its own number, none refused for want of a connection.
            #expect(results.count == 4)
            for (id, status, text) in results { #expect(status == .ok, "\(id): \(text)") }
            let numbers = try await TestEnvironment.ownerRows(
                "SELECT number FROM inspection_minutes ORDER BY sequence", database: world.database.name
            ).compactMap { $0[0] }
            #expect(numbers == ["01/BB-PGDĐT", "02/BB-PGDĐT", "03/BB-PGDĐT", "04/BB-PGDĐT"])
        }
    }
}
