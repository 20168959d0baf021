import Foundation
import HosoCore
import HosoServer
@testable import HosoStore
@testable import HosoSynthetic
import HTTPTypes
import HummingbirdTesting
import Testing

/// The effective-dated tree against the real database: after random sequences of dated moves
/// (past and future), every kept figure on both bases equals the rows counted along a history
/// kept by the test itself; a closing withdraws what was due from its date and hands inspections
/// to the successor; a closed office stays readable; bad histories import nothing.
@Suite struct TreeHistoryTests {
    static let years = ["2025-2026", "2026-2027"]
    static let today = LocalDate(2026, 12, 7)!

    /// The test's own account of the tree: each unit's first parent and its dated changes. A move
    /// dated D replaces every change from D on (what `parent_since` says in a tenant file).
    struct Model {
        var first: [String: String?]
        var changes: [String: [(LocalDate, String)]] = [:]

        func parent(_ code: String, on date: LocalDate) -> String? {
            changes[code]?.last { $0.0 <= date }?.1 ?? first[code] ?? nil
        }

        func ancestors(_ code: String, on date: LocalDate) -> [String] {
            var chain = [code]
            while let parent = parent(chain.last!, on: date) { chain.append(parent) }
            return chain
        }

        func latest(_ code: String) -> String? { changes[code]?.last?.1 ?? first[code] ?? nil }

        mutating func move(_ code: String, to parent: String, on date: LocalDate) {
            changes[code] = (changes[code] ?? []).filter { $0.0 < date } + [(date, parent)]
        }
    }

    /// One reading of the kept counts: (unit code, school year, record type, week) → counts.
    typealias Figures = [String: ComplianceCounts]

    func tenantID(_ world: TestWorld, _ code: String = "demo") async throws -> Int64 {
        try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM tenants WHERE code = '\(code)'", database: world.database.name)
            .flatMap { Int64($0) })
    }

    func key(_ unit: String, _ year: String, _ type: String, _ week: Int) -> String { "\(unit)|\(year)|\(type)|\(week)" }

    /// Counts the rows along the model: each item under its school's ancestors on its due date
    /// (as it stood) or on `today` (as it is now), by week and for the whole year (week -1).
    func counted(_ world: TestWorld, _ model: Model, today: LocalDate) async throws -> (stood: Figures, now: Figures, signatures: [String: [Int]]) {
        let rows = try await TestEnvironment.ownerRows("""
            SELECT u.code, o.school_year, o.record_type, o.due_week::text, ((o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)::text,
                   o.withdrawn::text, (o.exempt_reason IS NOT NULL)::text, o.status, o.state, coalesce(o.step, 0)::text,
                   extract(epoch FROM o.first_submitted_at)::bigint::text, extract(epoch FROM o.due_at)::bigint::text, o.signature_state
            FROM obligations o JOIN units u ON u.id = o.unit_id
            """, database: world.database.name)
        var stood: Figures = [:], now: Figures = [:]
        var signatures: [String: [Int]] = [:]
        for row in rows {
            let (code, year, type) = (row[0] ?? "", row[1] ?? "", row[2] ?? "")
            let week = Int(row[3] ?? "0") ?? 0
            let due = try #require(LocalDate(iso: row[4] ?? ""))
            let state = try #require(RecordWorkflow.State(stored: row[8] ?? "", step: Int(row[9] ?? "0")))
            let withdrawn = row[5] == "true"
            let counts = ComplianceCounts.of(
                withdrawn: withdrawn, exempt: row[6] == "true", status: try #require(ObligationStatus(rawValue: row[7] ?? "")),
                state: state, firstSubmittedAt: row[10].flatMap { Int64($0) }, dueAt: try #require(row[11].flatMap { Int64($0) }))
            let pair = withdrawn ? [0, 0] : [row[12] == "signed" ? 1 : 0, row[12] == "invalid" ? 1 : 0]
            for (basis, date) in [("stood", due), ("now", today)] {
                for unit in model.ancestors(code, on: date) {
                    for w in [week, -1] {
                        if basis == "stood" { stood[key(unit, year, type, w), default: ComplianceCounts()] += counts }
                        else { now[key(unit, year, type, w), default: ComplianceCounts()] += counts }
                    }
                    let signatureKey = "\(basis)|\(unit)|\(year)"
                    let sums = signatures[signatureKey] ?? [0, 0]
                    signatures[signatureKey] = [sums[0] + pair[0], sums[1] + pair[1]]
                }
            }
        }
        func nonZero(_ figures: Figures) -> Figures { figures.filter { $0.value != ComplianceCounts() } }
        return (nonZero(stood), nonZero(now), signatures.filter { $0.value != [0, 0] })
    }

    /// The kept counts read on each basis, as the dashboards read them.
    func kept(_ world: TestWorld) async throws -> (stood: Figures, now: Figures, signatures: [String: [Int]]) {
        var result: [String: Figures] = [:]
        for basis in TreeBasis.allCases {
            let bases = basis.storedBases.map { "'\($0)'" }.joined(separator: ", ")
            let rows = try await TestEnvironment.ownerRows("""
                SELECT u.code, c.school_year, c.record_type, c.due_week::text,
                       array_to_string(ARRAY[sum(expected), sum(on_time), sum(late_1_3), sum(late_4_7), sum(late_over_7), sum(missing),
                                             sum(not_due), sum(awaiting), sum(returned), sum(approved), sum(signed), sum(locked), sum(exempt)], ',')
                FROM compliance_counts c JOIN units u ON u.id = c.unit_id WHERE c.basis IN (\(bases))
                GROUP BY u.code, c.school_year, c.record_type, c.due_week
                """, database: world.database.name)
            var figures: Figures = [:]
            for row in rows {
                let vector = (row[4] ?? "").split(separator: ",").compactMap { Int($0) }
                let counts = ComplianceCounts(vector: vector)
                if counts != ComplianceCounts() { figures[key(row[0] ?? "", row[1] ?? "", row[2] ?? "", Int(row[3] ?? "") ?? 0)] = counts }
            }
            result[basis.rawValue] = figures
        }
        var signatures: [String: [Int]] = [:]
        for basis in TreeBasis.allCases {
            let bases = basis.storedBases.map { "'\($0)'" }.joined(separator: ", ")
            for row in try await TestEnvironment.ownerRows("""
                SELECT u.code, s.school_year, sum(s.signed)::text, sum(s.invalid)::text FROM signature_counts s JOIN units u ON u.id = s.unit_id
                WHERE s.basis IN (\(bases)) GROUP BY u.code, s.school_year
                """, database: world.database.name) {
                let pair = [Int(row[2] ?? "") ?? -1, Int(row[3] ?? "") ?? -1]
                if pair != [0, 0] { signatures["\(basis.rawValue)|\(row[0] ?? "")|\(row[1] ?? "")"] = pair }
            }
        }
        return (result["stood"] ?? [:], result["now"] ?? [:], signatures)
    }

    /// The demo file with the model's latest parents, and `moved` stated with its legal date.
    func definition(_ original: TenantDefinition, _ model: Model, moved: (String, LocalDate)? = nil) -> TenantDefinition {
        let units = original.units.map { unit in
            UnitDefinition(code: unit.code, nameVi: unit.nameVi, nameEn: unit.nameEn, kind: unit.kind, schoolLevels: unit.schoolLevels,
                           parentCode: model.latest(unit.code), opensOn: unit.opensOn, closesOn: unit.closesOn, line: unit.line,
                           parentSince: moved?.0 == unit.code ? moved?.1.iso : nil)
        }
        return TenantDefinition(id: original.id, nameVi: original.nameVi, nameEn: original.nameEn, hosts: original.hosts,
                                levels: original.levels, units: units, directory: original.directory, groupRules: original.groupRules)
    }

    /// Gives some submitted items a signature state, row by row (the trigger's path).
    func sign(_ world: TestWorld, seed: UInt64) async throws {
        var random = SyntheticProvince.Random(seed: seed)
        let ids = try await TestEnvironment.ownerRows(
            "SELECT id::text FROM obligations WHERE first_submitted_at IS NOT NULL ORDER BY id", database: world.database.name)
            .compactMap { $0[0].flatMap { Int64($0) } }
        var updates: [String] = []
        for id in ids where random.below(100) < 30 {
            updates.append("UPDATE obligations SET signature_state = '\(random.below(4) == 0 ? "invalid" : "signed")' WHERE id = \(id);")
        }
        if !updates.isEmpty {
            try await TestEnvironment.ownerExecute("DO $$ BEGIN \(updates.joined(separator: "\n")) END $$", database: world.database.name)
        }
    }

    @Test func everyFigureOnBothBasesIsTheRowsCountedAlongTheHistoryAfterRandomMoves() async throws {
        do { try await randomMoves() } catch { Issue.record("\(String(reflecting: error))"); throw error }
    }

    func randomMoves() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: Self.years)
        try await DashboardTests().scramble(world, seed: 15, percent: 60, moveWeeks: false)
        try await sign(world, seed: 15)
        let original = try TenantFile.load(directory: try TestEnvironment.repoDirectory + "/tenants/demo")
        var model = Model(first: Dictionary(uniqueKeysWithValues: original.units.map { ($0.code, $0.parentCode) }))
        let schools = ["S01", "S02", "S03", "S05", "S06", "T01", "T02"]
        let parents = ["SO", "D01", "D02"]
        let first = SchoolYearSpan(code: Self.years[0])!.first.dayNumber, last = SchoolYearSpan(code: Self.years[1])!.last.dayNumber

        var today = Self.today
        var random = SyntheticProvince.Random(seed: 2025)
        let stoodBefore = try await kept(world).stood
        for step in 0..<6 {
            let school = schools[random.below(schools.count)]
            let parent = parents.filter { $0 != model.latest(school) }[random.below(2)]
            let date = LocalDate(dayNumber: first + random.below(last - first + 1))
            model.move(school, to: parent, on: date)
            let (file, day) = (definition(original, model, moved: (school, date)), today)
            let summary = try await withDatabase(try world.database.appURL) { pool in
                try await TenantStore(database: pool, logger: TestEnvironment.logger).importTenant(file, today: day)
            }
            #expect(summary.moved == [school], "step \(step): \(school) → \(parent) on \(date.iso)")
            if step == 0 {
                // A move changes nothing of what was due before its date, as it stood.
                let stoodAfter = try await kept(world).stood
                let moveWeek = try await TestEnvironment.ownerValue("""
                    SELECT hoso_year_week('\(date.iso)'::date::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh', (c.definition ->> 'firstWeekMonday')::date)::text
                    FROM school_calendars c WHERE c.school_year = '\(date < SchoolYearSpan(code: Self.years[1])!.first ? Self.years[0] : Self.years[1])'
                    """, database: world.database.name).flatMap { Int($0) } ?? 0
                let year = date < SchoolYearSpan(code: Self.years[1])!.first ? Self.years[0] : Self.years[1]
                let earlier = stoodBefore.filter { entry in
                    let parts = entry.key.split(separator: "|")
                    return (parts[1] == year && Int(parts[3])! >= 0 && Int(parts[3])! < moveWeek) || (parts[1] < year && Int(parts[3])! >= 0)
                }
                for (key, counts) in earlier { #expect(stoodAfter[key] == counts, "\(key) before the move's week") }
            }
            if step == 3 {
                // Items change under the moved tree: the trigger keeps both bases.
                try await DashboardTests().scramble(world, seed: 16, percent: 30, moveWeeks: true)
                try await sign(world, seed: 16)
            }
            let (expectedStood, expectedNow, expectedSignatures) = try await counted(world, model, today: today)
            let (stood, now, signatures) = try await kept(world)
            #expect(stood == expectedStood, "step \(step): as it stood, \(Set(stood.keys).symmetricDifference(expectedStood.keys).sorted().prefix(5))")
            #expect(now == expectedNow, "step \(step): as it is now")
            #expect(signatures == expectedSignatures, "step \(step): signatures")
        }

        // A day after every dated move: the ones dated in the future take effect.
        today = SchoolYearSpan(code: Self.years[1])!.last.adding(days: 1)
        let demoID = try await tenantID(world)
        let day = today
        let changed = try await withDatabase(try world.database.appURL) { pool in
            try await TenantStore(database: pool, logger: TestEnvironment.logger).advanceTree(tenantID: demoID, today: day)
        }
        let (expectedStood, expectedNow, _) = try await counted(world, model, today: today)
        let (stood, now, _) = try await kept(world)
        #expect(stood == expectedStood && now == expectedNow)
        let future = model.changes.values.contains { $0.contains { $0.0 > Self.today } }
        #expect((changed > 0) == future, "units changed path when a dated move came due: \(changed)")
        for school in schools {
            let parent = try await TestEnvironment.ownerValue("""
                SELECT p.code FROM units u JOIN units p ON p.id = u.parent_id WHERE u.code = '\(school)'
                """, database: world.database.name)
            #expect(parent == model.parent(school, on: today), "\(school) hangs where the history says today")
        }

        // The kept counts equal a recount from scratch, row for row (both tables, both bases).
        let keptRows = try await TestEnvironment.ownerRows("""
            SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0 ORDER BY tenant_id, unit_id, school_year, record_type, school_level, due_week, basis
            """, database: world.database.name)
        let keptSignatures = try await TestEnvironment.ownerRows(
            "SELECT * FROM signature_counts WHERE signed <> 0 OR invalid <> 0 ORDER BY 1, 2, 3, 6", database: world.database.name)
        try await TestEnvironment.ownerExecute("SELECT hoso_compliance_rebuild(id) FROM tenants", database: world.database.name)
        let rebuilt = try await TestEnvironment.ownerRows("""
            SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0 ORDER BY tenant_id, unit_id, school_year, record_type, school_level, due_week, basis
            """, database: world.database.name)
        #expect(keptRows == rebuilt, "\(Set(keptRows.map { "\($0)" }).symmetricDifference(rebuilt.map { "\($0)" }).sorted().prefix(6))")
        #expect(keptSignatures == (try await TestEnvironment.ownerRows(
            "SELECT * FROM signature_counts WHERE signed <> 0 OR invalid <> 0 ORDER BY 1, 2, 3, 6", database: world.database.name)))
        // The whole-tenant rebuild (what a merger uses) lands on the same paths and counts.
        let paths = "SELECT unit_id::text, valid_from::text, valid_to::text, path::text FROM unit_paths ORDER BY 1, 2"
        let keptPaths = try await TestEnvironment.ownerRows(paths, database: world.database.name)
        try await TestEnvironment.ownerExecute("SELECT hoso_tree_rebuild(\(demoID), '\(day.iso)')", database: world.database.name)
        #expect(try await TestEnvironment.ownerRows(paths, database: world.database.name) == keptPaths)
        #expect(try await TestEnvironment.ownerRows("""
            SELECT * FROM compliance_counts WHERE expected <> 0 OR exempt <> 0
            ORDER BY tenant_id, unit_id, school_year, record_type, school_level, due_week, basis
            """, database: world.database.name) == rebuilt)
    }

    @Test func theMapOf2026ClosesAnOfficeWithoutRewritingItsPastAndHandsItsInspectionOn() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: Self.years)
        let original = try TenantFile.load(directory: try TestEnvironment.repoDirectory + "/tenants/demo")
        let past = "year=\(Self.years[0])"
        @Sendable func figures(_ json: [String: Any]) -> ComplianceCounts { DashboardTests().figures(json["total"]) }

        let (before, inspectionID) = try await world.withApp { client in
            var officer = Browser(), d1 = Browser()
            officer.csrf = try await officer.signIn(client, "so.officer")
            d1.csrf = try await d1.signIn(client, "d1.officer")
            var before: [String: ComplianceCounts] = [:]
            for code in ["SO", "D01", "D02", "S01"] {
                before[code] = figures(try await officer.send(client, .get, "/api/v1/units/\(code)/compliance?\(past)").json())
            }
            var inspector = Browser()
            _ = try await inspector.signIn(client, "d1.inspector")
            let planned = try await d1.send(client, .post, "/api/v1/units/D01/inspections", json: """
                {"kind": "periodic", "title": "Kiểm tra hồ sơ học kỳ II", "place": "Hồng Bàng", "from": "2027-01-11", "to": "2027-03-31",
                 "recordTypes": [], "scope": ["S01"], "inspectors": ["d1.inspector"]}
                """, headers: [HTTPField.Name("X-CSRF-Token")!: d1.csrf])
            #expect(planned.status == .created, "\(planned.text)")
            // T02's own self-inspection, still running when the centre closes in January.
            var director = Browser()
            director.csrf = try await director.signIn(client, "t2.director")
            let own = try await director.send(client, .post, "/api/v1/units/T02/inspections", json: """
                {"kind": "self", "title": "Tự kiểm tra hồ sơ", "place": "T02", "from": "2026-09-01", "to": "2027-01-31",
                 "recordTypes": [], "scope": ["T02"], "inspectors": ["t2.director"]}
                """, headers: [HTTPField.Name("X-CSRF-Token")!: director.csrf])
            #expect(own.status == .created, "\(own.text)")
            return (before, try #require(try planned.json()["id"] as? Int))
        }
        #expect((before["D01"]?.expected ?? 0) > 0)

        // The file of the new map: D01 closes on 1 July 2026 (its successor is the department),
        // S01 and S03 go to D02 and S04 straight under the department on that day; T02 closes on
        // 15 January 2027, after the day of the import.
        let map: [String: (parent: String, since: String)] = ["S01": ("D02", "2026-07-01"), "S03": ("D02", "2026-07-01"), "S04": ("SO", "2026-07-01")]
        let units = original.units.map { unit in
            UnitDefinition(
                code: unit.code, nameVi: unit.nameVi, nameEn: unit.nameEn, kind: unit.kind, schoolLevels: unit.schoolLevels,
                parentCode: map[unit.code]?.parent ?? unit.parentCode, opensOn: unit.opensOn,
                closesOn: ["D01": "2026-07-01", "T02": "2027-01-15", "S02": "2026-11-30"][unit.code] ?? unit.closesOn, line: unit.line,
                parentSince: map[unit.code]?.since, successorCode: ["D01": "SO", "T02": "SO"][unit.code])
        }
        let newMap = TenantDefinition(id: original.id, nameVi: original.nameVi, nameEn: original.nameEn, hosts: original.hosts,
                                      levels: original.levels, units: units, directory: original.directory, groupRules: original.groupRules)
        let openDueLater = try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id
            WHERE u.code = 'T02' AND NOT o.withdrawn AND o.state = 'open' AND o.first_submitted_at IS NULL AND o.exempt_reason IS NULL
              AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date >= '2027-01-15'
            """, database: world.database.name)
        let dueBefore = try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id
            WHERE u.code = 'T02' AND NOT o.withdrawn AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < '2027-01-15'
            """, database: world.database.name)
        let summary = try await withDatabase(try world.database.appURL) { pool in
            try await TenantStore(database: pool, logger: TestEnvironment.logger).importTenant(newMap, today: Self.today)
        }
        #expect(summary.moved == ["S01", "S03", "S04"])
        #expect(summary.handedOver.count == 1)

        // Only T02's open items due from its closing date are withdrawn, as closed.
        #expect(Int(openDueLater ?? "") ?? 0 > 0)
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id WHERE u.code = 'T02' AND o.withdrawn_reason = 'closed'
            """, database: world.database.name) == openDueLater)
        #expect(try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id
            WHERE u.code = 'T02' AND NOT o.withdrawn AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < '2027-01-15'
            """, database: world.database.name) == dueBefore)

        // The inspection D01 issued continues under the department, and the audit says so.
        #expect(try await TestEnvironment.ownerValue("""
            SELECT u.code FROM inspections i JOIN units u ON u.id = i.issuer_unit_id WHERE i.id = \(inspectionID)
            """, database: world.database.name) == "SO")
        #expect(try await TestEnvironment.ownerValue("""
            SELECT details FROM audit_log WHERE action = 'inspection.handed_over' AND subject = 'inspection:\(inspectionID)'
            """, database: world.database.name)?.contains("\"from_unit\":\"D01\"") == true)

        try await world.withApp { client in
            var officer = Browser(), d1 = Browser(), inspector = Browser()
            officer.csrf = try await officer.signIn(client, "so.officer")
            d1.csrf = try await d1.signIn(client, "d1.officer")
            inspector.csrf = try await inspector.signIn(client, "d1.inspector")
            // Last year's figures, as they stood, say what they said; along today's tree D01 is empty.
            for code in ["SO", "D01", "D02", "S01"] {
                let after = figures(try await officer.send(client, .get, "/api/v1/units/\(code)/compliance?\(past)").json())
                #expect(after == before[code], "\(code) \(Self.years[0]) as it stood")
            }
            let now = figures(try await officer.send(client, .get, "/api/v1/units/D01/compliance?\(past)&tree=now").json())
            #expect(now.expected == 0)
            let d2Now = figures(try await officer.send(client, .get, "/api/v1/units/D02/compliance?\(past)&tree=now").json())
            #expect(d2Now.expected > (before["D02"]?.expected ?? 0), "S01 and S03 count under D02 along today's tree")
            // As it stood, D01's page lists the schools it had that year.
            let stoodChildren = try await officer.send(client, .get, "/api/v1/units/D01/compliance?\(past)").json()["children"] as? [[String: Any]] ?? []
            #expect(Set(stoodChildren.compactMap { ($0["unit"] as? [String: Any])?["code"] as? String }) == ["S01", "S03", "S04"])

            // The unit's page tells where it hung; the tree reads as it stood on any day.
            let parents = try await officer.send(client, .get, "/api/v1/units/S01").json()["parents"] as? [[String: Any]] ?? []
            #expect(parents.map { (($0["parent"] as? [String: Any])?["code"] as? String) ?? "" } == ["D01", "D02"])
            #expect(parents.map { $0["from"] as? String ?? "…" } == ["…", "2026-07-01"])
            for (day, parent) in [("2026-06-30", "D01"), ("2026-07-01", "D02")] {
                let tree = try await officer.send(client, .get, "/api/v1/tree?on=\(day)").json()["units"] as? [[String: Any]] ?? []
                let s01 = tree.first { (($0["unit"] as? [String: Any])?["code"] as? String) == "S01" }
                #expect(s01?["parent"] as? String == parent, "S01 on \(day)")
            }
            let badDay = try await officer.send(client, .get, "/api/v1/tree?on=2026-02-30")
            #expect(badDay.status == .badRequest && badDay.errorCode == "tree.bad_date")

            // The items behind the figures follow the same tree.
            let stoodItems = try await officer.send(client, .get, "/api/v1/units/D01/items?\(past)").json()["items"] as? [[String: Any]] ?? []
            let nowItems = try await officer.send(client, .get, "/api/v1/units/D01/items?\(past)&tree=now").json()["items"] as? [[String: Any]] ?? []
            #expect(stoodItems.count == min(100, (before["D01"]?.expected ?? 0) + (before["D01"]?.exempt ?? 0)) && nowItems.isEmpty)

            // The closed office stays readable by its own officer, read-only; S01 has left it.
            #expect(try await d1.send(client, .get, "/api/v1/units/D01").status == .ok)
            #expect(try await d1.send(client, .get, "/api/v1/units/D01/compliance?\(past)").status == .ok)
            #expect(try await d1.send(client, .get, "/api/v1/units/S01").status == .notFound)
            let plan = try await d1.send(client, .post, "/api/v1/units/D01/inspections", json: """
                {"kind": "periodic", "title": "x", "place": "x", "from": "2027-01-11", "to": "2027-03-31", "recordTypes": [],
                 "scope": ["S03"], "inspectors": ["d1.inspector"]}
                """, headers: [HTTPField.Name("X-CSRF-Token")!: d1.csrf])
            #expect(plan.status == .forbidden || plan.status == .badRequest, "a closed office plans nothing: \(plan.text)")
            // A school closed since 30 November: its principal still reads its records, and changes none.
            var s2 = Browser()
            s2.csrf = try await s2.signIn(client, "s2.principal")
            let item = try #require(try await TestEnvironment.ownerValue("""
                SELECT o.id::text FROM obligations o JOIN units u ON u.id = o.unit_id
                WHERE u.code = 'S02' AND NOT o.withdrawn AND o.exempt_reason IS NULL ORDER BY o.due_at LIMIT 1
                """, database: world.database.name))
            #expect(try await s2.send(client, .get, "/api/v1/units/S02").status == .ok)
            #expect(try await s2.send(client, .get, "/api/v1/obligations/\(item)").status == .ok)
            let exempt = try await s2.send(client, .post, "/api/v1/obligations/\(item)/exemption", json: #"{"reason":"Trường đã giải thể"}"#,
                                           headers: [HTTPField.Name("X-CSRF-Token")!: s2.csrf])
            #expect(exempt.status == .forbidden, "\(exempt.text)")

            // The inspection is still the inspector's to run.
            let started = try await inspector.send(client, .post, "/api/v1/inspections/\(inspectionID)/start",
                                                   headers: [HTTPField.Name("X-CSRF-Token")!: inspector.csrf])
            #expect(started.status == .ok, "\(started.text)")
        }

        // The tree as of a date reads the history.
        let demoID = try await tenantID(world)

        // T02's closing is dated after the import: its inspection moves on that day, not before.
        let t02Issued = "SELECT count(*)::text FROM inspections i JOIN units u ON u.id = i.issuer_unit_id WHERE u.code = 'T02'"
        #expect(try await TestEnvironment.ownerValue(t02Issued, database: world.database.name) == "1")
        for (day, left) in [(LocalDate(2027, 1, 14)!, "1"), (LocalDate(2027, 1, 15)!, "0")] {
            _ = try await withDatabase(try world.database.appURL) { pool in
                try await TenantStore(database: pool, logger: TestEnvironment.logger).advanceTree(tenantID: demoID, today: day)
            }
            #expect(try await TestEnvironment.ownerValue(t02Issued, database: world.database.name) == left, "on \(day.iso)")
        }
        #expect(try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM audit_log WHERE action = 'inspection.handed_over'", database: world.database.name) == "2")
        let (then, later) = try await withDatabase(try world.database.appURL) { pool in
            let units = UnitStore(database: pool, logger: TestEnvironment.logger)
            return (try await units.tree(tenantID: demoID, asOf: LocalDate(2026, 6, 30)!),
                    try await units.tree(tenantID: demoID, asOf: LocalDate(2026, 7, 1)!))
        }
        let code = { (tree: [(unit: StoredUnit, parentID: Int64?)], unit: String) -> String? in
            let parent = tree.first { $0.unit.code == unit }?.parentID
            return tree.first { $0.unit.id == parent }?.unit.code
        }
        #expect(code(then, "S01") == "D01" && code(later, "S01") == "D02")
        #expect(later.contains { $0.unit.code == "D01" } == false, "closed on that day")
    }

    @Test(arguments: [
        ("elsewhere", "tenant.unknown_parent"), ("outside", "tenant.date_outside_school_years"), ("order", "tenant.history_order"),
        ("root", "tenant.root_history"), ("successor", "tenant.unknown_successor"),
    ])
    func aBadHistoryImportsNothing(kind: String, expected: String) async throws {
        let world = try await TestWorld.make(importing: ["demo", "demo2"], records: [Self.years[1]])
        let original = try TenantFile.load(directory: try TestEnvironment.repoDirectory + "/tenants/demo")
        let units = original.units.map { unit -> UnitDefinition in
            func with(parent: String? = unit.parentCode, since: String? = nil, past: [UnitDefinition.PastParent] = [],
                      successor: String? = nil) -> UnitDefinition {
                UnitDefinition(code: unit.code, nameVi: unit.nameVi, nameEn: unit.nameEn, kind: unit.kind, schoolLevels: unit.schoolLevels,
                               parentCode: parent, opensOn: unit.opensOn, closesOn: unit.closesOn, line: unit.line,
                               parentSince: since, pastParents: past, successorCode: successor)
            }
            switch (kind, unit.code) {
            // A move into another tenant: demo2's department is no unit of this file.
            case ("elsewhere", "S01"): return with(parent: "SGD", since: "2026-09-01")
            case ("outside", "S01"): return with(parent: "D02", since: "2019-09-01")
            case ("order", "S01"): return with(parent: "D02", since: "2026-09-01", past: [.init(parentCode: "D01", since: "2026-10-01")])
            case ("root", "SO"): return with(since: "2026-09-01")
            case ("successor", "D01"): return with(successor: "D01")
            default: return unit
            }
        }
        let bad = TenantDefinition(id: original.id, nameVi: original.nameVi, nameEn: original.nameEn, hosts: original.hosts,
                                   levels: original.levels, units: units, directory: original.directory, groupRules: original.groupRules)
        let snapshot = "SELECT unit_id::text, parent_id::text, valid_from::text, valid_to::text FROM unit_parent_history ORDER BY 1, 3"
        let before = try await TestEnvironment.ownerRows(snapshot, database: world.database.name)
        let counts = "SELECT * FROM compliance_counts ORDER BY tenant_id, unit_id, school_year, record_type, school_level, due_week, basis"
        let countsBefore = try await TestEnvironment.ownerRows(counts, database: world.database.name)
        await #expect {
            _ = try await withDatabase(try world.database.appURL) { pool in
                try await TenantStore(database: pool, logger: TestEnvironment.logger).importTenant(bad, today: Self.today)
            }
        } throws: { error in
            ((error as? HosoErrors)?.errors.map(\.code) ?? [(error as? HosoError)?.code ?? "\(error)"]).contains(expected)
        }
        #expect(try await TestEnvironment.ownerRows(snapshot, database: world.database.name) == before)
        #expect(try await TestEnvironment.ownerRows(counts, database: world.database.name) == countsBefore)
    }
}
