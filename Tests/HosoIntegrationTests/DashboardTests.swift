import Foundation
import HosoCore
@testable import HosoServer
@testable import HosoStore
@testable import HosoSynthetic
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Compliance dashboards against the real database: the figures the trigger keeps are exactly
/// those of counting the obligation rows (after random changes of every kind), a submission shows
/// at once, filters and scope are checked, and the exports open in a spreadsheet reader.
@Suite struct DashboardTests {
    static let year = "2026-2027"

    /// Changes about `percent` of the items at random: workflow state, stored status, first
    /// submission (on time, or 1 to 20 days late), exemption, withdrawal and due week.
    func scramble(_ world: TestWorld, seed: UInt64, percent: Int, moveWeeks: Bool) async throws {
        let ids = try await TestEnvironment.ownerRows("SELECT id::text FROM obligations ORDER BY id", database: world.database.name)
            .compactMap { $0[0].flatMap { Int64($0) } }
        // The generator's SplitMix64: the same seed replays the same changes.
        var random = SyntheticProvince.Random(seed: seed)
        let states = ["open", "awaiting", "returned", "approved", "locked", "correcting"]
        let statuses = ObligationStatus.allCases.map(\.rawValue)
        var values: [String] = []
        for id in ids where random.below(100) < percent {
            let submitted = (random.below(100) < 60) ? "o.due_at + interval '\(random.below(20 * 86_400) - 4 * 86_400) seconds'" : "NULL"
            let exempt = (random.below(100) < 6) ? "'lý do'" : "NULL"
            let week = moveWeeks && (random.below(100) < 20) ? "o.due_week + \(random.below(5) - 2)" : "o.due_week"
            // Each SQL fragment travels as a quoted literal and is spliced in by format(%s).
            func literal(_ sql: String) -> String { "'" + sql.replacingOccurrences(of: "'", with: "''") + "'" }
            values.append("(\(id), '\(states[random.below(states.count)])', '\(statuses[random.below(statuses.count)])', "
                          + "\((random.below(100) < 4)), \(literal(submitted)), \(literal(exempt)), \(literal(week)))")
        }
        // One UPDATE per row kind would be quicker; row by row exercises the trigger as events do.
        for chunk in stride(from: 0, to: values.count, by: 200) {
            let rows = values[chunk..<min(chunk + 200, values.count)].joined(separator: ",\n")
            try await TestEnvironment.ownerExecute("""
                DO $$
                DECLARE r record;
                BEGIN
                    FOR r IN SELECT * FROM (VALUES \(rows)) AS x(id, state, status, withdrawn, submitted, exempt, week) LOOP
                        EXECUTE format('UPDATE obligations o SET state = %L, status = %L, withdrawn = %L, first_submitted_at = %s, '
                                       'exempt_reason = %s, due_week = greatest(0, %s) WHERE id = %s',
                                       r.state, r.status, r.withdrawn, r.submitted, r.exempt, r.week, r.id);
                    END LOOP;
                END $$
                """, database: world.database.name)
        }
    }

    /// Counts the rows in Swift: per unit (every ancestor of the item's school), record type and week.
    func counted(_ world: TestWorld) async throws -> [Int64: [String: [Int: ComplianceCounts]]] {
        let rows = try await TestEnvironment.ownerRows("""
            SELECT u.path::text, o.record_type, o.due_week::text, o.withdrawn::text, (o.exempt_reason IS NOT NULL)::text, o.status, o.state,
                   coalesce(o.step, 0)::text, extract(epoch FROM o.first_submitted_at)::bigint::text, extract(epoch FROM o.due_at)::bigint::text
            FROM obligations o JOIN units u ON u.id = o.unit_id WHERE o.school_year = '\(Self.year)'
            """, database: world.database.name)
        var result: [Int64: [String: [Int: ComplianceCounts]]] = [:]
        for row in rows {
            let ancestry = (row[0] ?? "").split(separator: ".").compactMap { Int64($0) }
            let state = try #require(RecordWorkflow.State(stored: row[6] ?? "", step: Int(row[7] ?? "0")))
            let counts = ComplianceCounts.of(
                withdrawn: row[3] == "true", exempt: row[4] == "true", status: try #require(ObligationStatus(rawValue: row[5] ?? "")),
                state: state, firstSubmittedAt: row[8].flatMap { Int64($0) }, dueAt: try #require(row[9].flatMap { Int64($0) })
            )
            for unit in ancestry {
                result[unit, default: [:]][row[1] ?? "", default: [:]][Int(row[2] ?? "0") ?? 0, default: ComplianceCounts()] += counts
            }
        }
        return result
    }

    func figures(_ json: Any?) -> ComplianceCounts {
        let f = json as? [String: Any] ?? [:]
        func n(_ key: String) -> Int { f[key] as? Int ?? -1 }
        return ComplianceCounts(vector: [n("expected"), n("onTime"), n("late1to3"), n("late4to7"), n("lateOver7"), n("missing"), n("notDue"),
                                         n("awaiting"), n("returned"), n("approved"), n("signed"), n("locked"), n("exempt")])
    }

    func unitID(_ world: TestWorld, _ code: String) async throws -> Int64 {
        try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM units WHERE code = '\(code)'", database: world.database.name)
            .flatMap { Int64($0) })
    }

    @Test func theFiguresAreExactlyTheCountOfTheRowsAfterRandomChanges() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await scramble(world, seed: 2026, percent: 70, moveWeeks: false)
        try await scramble(world, seed: 27, percent: 50, moveWeeks: true)
        // Rows removed by hand (the owner may; the application may not) leave the counts too.
        try await TestEnvironment.ownerExecute("DELETE FROM obligations WHERE id % 23 = 0", database: world.database.name)
        // What the server's sweep does every minute, done now so that both sides see the same rows.
        try await TestEnvironment.ownerExecute("UPDATE obligations SET status = 'missing' WHERE status = 'pending' AND due_at < now()",
                                               database: world.database.name)
        let expected = try await counted(world)
        let so = try await unitID(world, "SO"), d1 = try await unitID(world, "D01"), s1 = try await unitID(world, "S01")
        @Sendable func total(_ unit: Int64, weeks: ClosedRange<Int>? = nil, type: String? = nil) -> ComplianceCounts {
            (expected[unit] ?? [:]).filter { type == nil || $0.key == type }.values
                .flatMap { $0.filter { weeks?.contains($0.key) ?? true }.values }.reduce(ComplianceCounts(), +)
        }
        #expect(total(so).expected > 500, "the demo year has hundreds of items")

        try await world.withApp { client in
            var officer = Browser()
            _ = try await officer.signIn(client, "so.officer")
            let whole = try await officer.send(client, .get, "/api/v1/units/SO/compliance?year=\(Self.year)&detail=types").json()
            let range = try #require(whole["filter"] as? [String: Any])
            let year = (range["fromWeek"] as? Int ?? -1)...(range["toWeek"] as? Int ?? -1)
            #expect(year.lowerBound == 0 && year.upperBound > 35)
            #expect(figures(whole["total"]) == total(so, weeks: year))
            for child in (whole["children"] as? [[String: Any]]) ?? [] {
                let code = ((child["unit"] as? [String: Any])?["code"] as? String) ?? ""
                #expect(figures(child["total"]) == total(try await unitID(world, code), weeks: year), "\(code)")
                for typed in (child["byType"] as? [[String: Any]]) ?? [] {
                    let type = typed["recordType"] as? String ?? ""
                    #expect(figures(typed["figures"]) == total(try await unitID(world, code), weeks: year, type: type), "\(code) \(type)")
                }
            }
            for week in (whole["weeks"] as? [[String: Any]]) ?? [] {
                let number = week["week"] as? Int ?? -1
                #expect(figures(week["figures"]) == total(so, weeks: number...number), "week \(number)")
            }
            // A week range and a type, at an office and a school.
            let narrow = try await officer.send(client, .get, "/api/v1/units/D01/compliance?year=\(Self.year)&from=3&to=12&type=lesson_plan").json()
            #expect(figures(narrow["total"]) == total(d1, weeks: 3...12, type: "lesson_plan"))
            let school = try await officer.send(client, .get, "/api/v1/units/S01/compliance?year=\(Self.year)&semester=1").json()
            let semester = try #require(school["filter"] as? [String: Any])
            let weeks = (semester["fromWeek"] as? Int ?? -1)...(semester["toWeek"] as? Int ?? -1)
            #expect(figures(school["total"]) == total(s1, weeks: weeks))
        }

        // The stored counts equal a recount from scratch, row for row.
        let before = try await TestEnvironment.ownerRows("SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0 ORDER BY 1, 2, 3, 4, 5, 6, basis",
                                                         database: world.database.name)
        try await TestEnvironment.ownerExecute("SELECT hoso_compliance_rebuild(id) FROM tenants", database: world.database.name)
        let after = try await TestEnvironment.ownerRows("SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0 ORDER BY 1, 2, 3, 4, 5, 6, basis",
                                                        database: world.database.name)
        #expect(before == after)
    }

    @Test func aSchoolMovedToAnotherOfficeTakesItsFiguresWithIt() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let original = try TenantFile.load(directory: try TestEnvironment.repoDirectory + "/tenants/demo")
        let units = original.units.map { unit in
            unit.code == "S01" ? UnitDefinition(code: "S01", nameVi: unit.nameVi, nameEn: unit.nameEn, kind: unit.kind,
                                                 schoolLevels: unit.schoolLevels, parentCode: "D02", opensOn: unit.opensOn) : unit
        }
        let moved = TenantDefinition(id: original.id, nameVi: original.nameVi, nameEn: original.nameEn, hosts: original.hosts,
                                     levels: original.levels, units: units, directory: original.directory, groupRules: original.groupRules)
        @Sendable func totals(_ client: any TestClientProtocol, _ browser: inout Browser) async throws -> [String: ComplianceCounts] {
            var result: [String: ComplianceCounts] = [:]
            for code in ["D01", "D02", "S01", "SO"] {
                result[code] = figures(try await browser.send(client, .get, "/api/v1/units/\(code)/compliance?year=\(Self.year)").json()["total"])
            }
            return result
        }
        let before = try await world.withApp { client in
            var officer = Browser()
            _ = try await officer.signIn(client, "so.officer")
            return try await totals(client, &officer)
        }
        let summary = try await withDatabase(try world.database.appURL) { pool in
            try await TenantStore(database: pool, logger: TestEnvironment.logger).importTenant(moved)
        }
        #expect(summary.moved == ["S01"])
        let after = try await world.withApp { client in
            var officer = Browser()
            _ = try await officer.signIn(client, "so.officer")
            return try await totals(client, &officer)
        }
        let school = try #require(before["S01"])
        #expect(school.expected > 0)
        #expect(after["S01"] == school && after["SO"] == before["SO"])
        #expect(after["D01"]?.vector == zip(before["D01"]?.vector ?? [], school.vector).map { $0 - $1 })
        #expect(after["D02"]?.vector == zip(before["D02"]?.vector ?? [], school.vector).map { $0 + $1 })
    }

    @Test func aSubmissionShowsOnTheDashboardAtOnce() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try #require(try await TestEnvironment.ownerValue("""
            SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = 's1.teacher' AND o.record_type = 'lesson_plan' AND o.state = 'open' AND o.due_at > now() ORDER BY o.due_at LIMIT 1
            """, database: world.database.name).flatMap { Int64($0) })
        try await world.withApp { client in
            var principal = Browser(), teacher = Browser()
            _ = try await principal.signIn(client, "s1.principal")
            let csrf = try await teacher.signIn(client, "s1.teacher")
            let path = "/api/v1/units/S01/compliance?year=\(Self.year)&type=lesson_plan"
            let before = figures(try await principal.send(client, .get, path).json()["total"])
            let pdf = Array("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".utf8)
            var headers: HTTPFields = [.contentType: "application/pdf", HTTPField.Name("X-CSRF-Token")!: csrf]
            headers[.cookie] = teacher.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let uploaded = try await client.execute(uri: "/api/v1/obligations/\(id)/versions?filename=giao-an.pdf", method: .post,
                                                    headers: headers, body: ByteBuffer(bytes: pdf))
            #expect(uploaded.status == .created, "\(uploaded.text)")
            let after = figures(try await principal.send(client, .get, path).json()["total"])
            #expect(after.expected == before.expected)
            #expect(after.onTime == before.onTime + 1 && after.notDue == before.notDue - 1)
            #expect(after.awaiting == before.awaiting + 1)
        }
    }

    @Test func filtersAndScopeAreCheckedAndAnEmptyViewIsZeros() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var principal = Browser(), teacher = Browser(), inspector = Browser()
            _ = try await principal.signIn(client, "s1.principal")
            _ = try await teacher.signIn(client, "s1.teacher")
            _ = try await inspector.signIn(client, "d1.inspector")
            let base = "/api/v1/units/S01/compliance"
            for (query, code) in [("year=1999-2000", "dashboard.unknown_year"), ("year=\(Self.year)&from=0&to=99", "dashboard.bad_weeks"),
                                  ("year=\(Self.year)&from=9&to=3", "dashboard.bad_weeks"), ("year=\(Self.year)&semester=7", "dashboard.unknown_semester"),
                                  ("year=\(Self.year)&semester=1&from=30", "dashboard.bad_weeks"), ("year=\(Self.year)&type=nope", "dashboard.unknown_type"),
                                  ("year=\(Self.year)&level=university", "dashboard.unknown_level"), ("year=\(Self.year)&sort=best", "dashboard.unknown_sort")] {
                let response = try await principal.send(client, .get, "\(base)?\(query)")
                #expect(response.status == .badRequest && response.errorCode == code, "\(query): \(response.text)")
            }
            // Another school, the office above and another tenant's unit: not found, all alike.
            for code in ["S02", "D01", "T01", "NOPE"] {
                let response = try await principal.send(client, .get, "/api/v1/units/\(code)/compliance")
                #expect(response.status == .notFound, "\(code): \(response.text)")
            }
            #expect(try await teacher.send(client, .get, base).status == .forbidden)
            let teacherEntry = try await teacher.send(client, .get, "/dashboard")
            #expect(teacherEntry.headers[.location] == "/owe")
            let principalEntry = try await principal.send(client, .get, "/dashboard")
            #expect(principalEntry.headers[.location] == "/units/S01/dashboard")

            // A school level that has no school here: zeros, not an error.
            let empty = try await principal.send(client, .get, "\(base)?year=\(Self.year)&level=continuing_education")
            #expect(empty.status == .ok)
            #expect(figures(try empty.json()["total"]) == ComplianceCounts())

            // The inspector's look at a school's items is in the school's audit trail.
            let items = try await inspector.send(client, .get, "/api/v1/units/S01/items?year=\(Self.year)&column=not_due")
            #expect(items.status == .ok, "\(items.text)")
            #expect(((try items.json()["items"] as? [[String: Any]]) ?? []).count == 100)
        }
        let logged = try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM audit_log WHERE action = 'compliance.items' AND subject = 'S01'", database: world.database.name)
        #expect(logged == "1")
    }

    @Test func thePagesDrawTheTableTheChartAndTheSchoolsDeadlines() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var officer = Browser(), principal = Browser()
            _ = try await officer.signIn(client, "so.officer")
            _ = try await principal.signIn(client, "s1.principal")
            let province = try await officer.send(client, .get, "/units/SO/dashboard?year=\(Self.year)")
            #expect(province.status == .ok, "\(province.text.prefix(500))")
            let html = province.text
            #expect(html.contains("<svg") && html.contains("role=\"img\"") && html.contains("<title id=\"trend-title\">"))
            #expect(html.contains("/units/D01/dashboard?year=\(Self.year)") && html.contains("/units/D02/dashboard?"))
            #expect(html.contains("Tỷ lệ đã nộp"))
            #expect(!html.contains("<script"), "no script at all")
            // The matrix's columns: short labels, distinct, each with its full name as the header's
            // title, in the legend and in every cell's accessible name.
            let headers = html.matches(of: /<th scope="col" class="type"><abbr title="([^"]+)">([^<]+)<\/abbr><\/th>/).map { (String($0.1), String($0.2)) }
            #expect(headers.count > 3, "\(headers)")
            #expect(Set(headers.map(\.1)).count == headers.count, "distinct labels")
            for (name, short) in headers {
                #expect(short.count <= ShortLabel.maxLength + 2 && short.count < name.count, "\(short) for \(name)")
                #expect(html.contains("<div><dt>\(short)</dt><dd>\(name)</dd></div>"), "\(short) in the legend")
                #expect(html.contains("aria-label=\"\(name): "), "cells of \(name) say so")
            }

            let school = try await principal.send(client, .get, "/units/S01/dashboard?year=\(Self.year)")
            #expect(school.status == .ok)
            #expect(school.text.contains("Hạn trong tuần này") && school.text.contains("Giáo viên và bộ phận"))
            #expect(school.text.contains("s1.teacher"))
            let english = try await principal.send(client, .get, "/units/S01/dashboard?year=\(Self.year)", headers: [.acceptLanguage: "en"])
            #expect(english.status == .ok)
        }
    }

    @Test func exportsOpenInASpreadsheetReaderWithTheSameNumbers() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let output = try TestEnvironment.temporaryDirectory("exports")
        try await world.withApp { client in
            var officer = Browser()
            _ = try await officer.signIn(client, "so.officer")
            let json = try await officer.send(client, .get, "/api/v1/units/SO/compliance?year=\(Self.year)").json()
            let total = figures(json["total"])

            let csv = try await officer.send(client, .get, "/units/SO/dashboard.csv?year=\(Self.year)")
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let bytes = Array(csv.body.readableBytesView)
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 with a byte-order mark")
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.count > 3)
            #expect(lines.dropFirst().first?.hasPrefix("SO,") == true)
            #expect(lines.dropFirst().first?.split(separator: ",").dropFirst(3).first.map(String.init) == String(total.expected))

            let xlsx = try await officer.send(client, .get, "/units/SO/dashboard.xlsx?year=\(Self.year)")
            #expect(xlsx.status == .ok)
            let path = output + "/dashboard.xlsx"
            try Data(buffer: xlsx.body).write(to: URL(fileURLWithPath: path))
            let read = try await Python.run("""
                import openpyxl, sys
                book = openpyxl.load_workbook(sys.argv[1])
                units = book.worksheets[0]
                print(book.sheetnames[0], book.sheetnames[1], units.freeze_panes)
                print(units["A2"].value, units["C2"].value, units["D2"].value, type(units["D2"].value).__name__)
                """, arguments: [path])
            let readLines = read.split(separator: "\n").map(String.init)
            #expect(readLines.first == "Đơn vị Theo tuần A2", "\(read)")
            #expect(readLines.dropFirst().first == "SO Tất cả loại hồ sơ \(total.expected) int", "\(read)")

            // The items export streams every row, with the header first.
            let items = try await officer.send(client, .get, "/units/SO/items.csv?year=\(Self.year)")
            #expect(items.status == .ok)
            #expect(items.text.split(separator: "\r\n").count == total.expected + total.exempt + 1)
            // Read by one query in batches of a thousand: every item once, soonest due first, across the batches.
            let records = try CSV.parse(String(items.text.drop { $0 == "\u{FEFF}" })).dropFirst()
            let ids = records.compactMap { $0.fields.last.flatMap { Int64($0) } }
            #expect(ids.count == records.count && Set(ids).count == ids.count && ids.count > ComplianceQuery.exportPage)
            let dues = records.map { $0.fields[6] }
            #expect(dues == dues.sorted(), "soonest due first")
            let itemsBook = try await officer.send(client, .get, "/units/D01/items.xlsx?year=\(Self.year)&column=not_due")
            try Data(buffer: itemsBook.body).write(to: URL(fileURLWithPath: output + "/items.xlsx"))
            let rows = try await Python.run("import openpyxl, sys\nprint(openpyxl.load_workbook(sys.argv[1]).worksheets[0].max_row)",
                                      arguments: [output + "/items.xlsx"])
            let d1 = figures(try await officer.send(client, .get, "/api/v1/units/D01/compliance?year=\(Self.year)").json()["total"])
            #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == String(d1.notDue + 1))

            // Reminders: a principal downloads the list of people with items due soon.
            var principal = Browser()
            _ = try await principal.signIn(client, "s1.principal")
            let reminders = try await principal.send(client, .get, "/units/S01/reminders.csv?days=60")
            #expect(reminders.status == .ok)
            #expect(reminders.text.contains("s1.teacher"))
            let bad = try await principal.send(client, .get, "/api/v1/units/S01/reminders?days=900")
            #expect(bad.status == .badRequest && bad.errorCode == "dashboard.bad_days")
        }
    }
}

/// The project's Python test environment (scripts/python-env.sh), for readers such as openpyxl.
enum Python {
    struct Failed: Error, CustomStringConvertible {
        let status: Int32
        let output: String
        var description: String { "python exited \(status): \(output)" }
    }

    /// The same, awaited from a thread of its own: a browser script talks to the test's own live
    /// server, which needs the cooperative pool that a blocked wait would hold.
    static func run(_ script: String, arguments: [String] = []) async throws -> String {
        try await RawHTTP.offPool { try run(script, arguments: arguments) as String }
    }

    static func run(_ script: String, arguments: [String] = []) throws -> String {
        let python = ProcessInfo.processInfo.environment["HOSO_TEST_PYTHON"] ?? "python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script] + arguments
        let output = try TestEnvironment.temporaryDirectory("python") + "/out.txt"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let errors = output + ".err"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardOutput = handle
        process.standardError = errorHandle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        try errorHandle.close()
        let text = try String(contentsOfFile: output, encoding: .utf8)
        guard process.terminationStatus == 0 else {
            throw Failed(status: process.terminationStatus, output: text + (try String(contentsOfFile: errors, encoding: .utf8)))
        }
        return text
    }
}
