import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoStore

/// Choices of form end to end: a school's choice of paper for the transcript (seed 001 Điều 17.1)
/// and a teacher's for a voluntary book (seed 002 §1, TT 28/2020 Điều 21.4), each one audited
/// action over the year's items. The demo tenant's 2026-2027 rules are copied with
/// `choice: school` on the transcript and `choice: teacher` on the lesson plan, so that S01's
/// homeroom classes and weekly plans show the bulk.
@Suite struct FormChoiceTests {
    static let year = "2026-2027"

    func value(_ world: TestWorld, _ sql: String) async throws -> String? {
        try await TestEnvironment.ownerValue(sql, database: world.database.name)
    }

    /// The world, and a copy of `tenants/` whose demo rules offer the two choices.
    func setup() async throws -> (TestWorld, String) {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let repo = try TestEnvironment.repoDirectory
        let copy = try TestEnvironment.temporaryDirectory("tenants")
        for folder in ["demo", "shared"] {
            try FileManager.default.copyItem(atPath: "\(repo)/tenants/\(folder)", toPath: "\(copy)/\(folder)")
        }
        let path = "\(copy)/demo/rules/\(Self.year).yaml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "  - code: student_transcript\n    paper_copy: required\n",
            with: "  - code: student_transcript\n    paper_copy: required\n    choice: school\n")
        text = text.replacingOccurrences(
            of: "  - code: lesson_plan\n", with: "  - code: lesson_plan\n    choice: teacher\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try await withDatabase(try world.database.appURL) { pool in
            let setup = RecordsSetup(database: pool, logger: TestEnvironment.logger, tenantsDirectory: copy)
            _ = try await setup.importRules(tenant: "demo")
            _ = try await setup.generate(tenant: "demo", schoolYear: Self.year)
        }
        return (world, copy)
    }

    func count(_ world: TestWorld, _ type: String, _ condition: String) async throws -> Int {
        Int(
            try await value(
                world,
                """
                SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id LEFT JOIN users w ON w.id = o.owner_user_id
                WHERE u.code = 'S01' AND o.school_year = '\(Self.year)' AND o.record_type = '\(type)' AND NOT o.withdrawn AND \(condition)
                """) ?? "") ?? -1
    }

    func choose(
        _ client: any TestClientProtocol, _ browser: inout Browser, _ fields: [(String, String)]
    ) async throws -> TestResponse {
        try await browser.send(
            client, .post, "/units/S01/choices", form: [("_csrf", browser.csrf), ("year", Self.year)] + fields)
    }

    @Test func aSchoolChoosesPaperForTheTranscriptAndLaterItemsFollow() async throws {
        let (world, copy) = try await setup()
        let transcripts = try await count(world, "student_transcript", "true")
        #expect(transcripts == 5, "one per homeroom class of S01")
        let first = try #require(
            try await value(
                world,
                """
                SELECT o.id::text FROM obligations o JOIN users w ON w.id = o.owner_user_id
                WHERE w.login = 's1.teacher' AND o.record_type = 'student_transcript' AND o.school_year = '\(Self.year)'
                """
            ).flatMap { Int64($0) })
        try await world.withApp { client in
            var principal = Browser()
            var teacher = Browser()
            var other = Browser()
            principal.csrf = try await principal.signIn(client, "s1.principal")
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            other.csrf = try await other.signIn(client, "s2.principal")
            // setup: one transcript is submitted before the choice (the window opened by order).
            let window = try await principal.send(
                client, .post, "/api/v1/units/S01/windows",
                json: #"{"recordType":"student_transcript","open":true,"orderedBy":"QĐ 1"}"#,
                headers: [HTTPField.Name("X-CSRF-Token")!: principal.csrf])
            #expect(window.status == .created, "\(window.text)")
            var headers: HTTPFields = [.contentType: "application/pdf"]
            headers[HTTPField.Name("X-CSRF-Token")!] = teacher.csrf
            headers[.cookie] = teacher.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let upload = try await client.execute(
                uri: "/api/v1/obligations/\(first)/versions?filename=hoc-ba.pdf", method: .post,
                headers: headers, body: ByteBuffer(string: RecordTests.pdf("học bạ")))
            #expect(upload.status == .created, "\(upload.text)")

            // Bad input: not the principal (403), another school's principal (404), no reason, not a school book.
            let paper = [("scope", "school"), ("record_type", "student_transcript"), ("form", "paper")]
            #expect(try await choose(client, &teacher, paper + [("reason", "x")]).status == .forbidden)
            #expect(try await choose(client, &other, paper + [("reason", "x")]).status == .notFound)
            #expect(try await choose(client, &principal, paper + [("reason", "  ")]).status == .badRequest)
            let register = [
                ("scope", "school"), ("record_type", "student_register"), ("form", "paper"), ("reason", "x"),
            ]
            #expect(try await choose(client, &principal, register).status == .badRequest)
            #expect(try await value(world, "SELECT count(*)::text FROM record_form_choices") == "0")

            // act: the principal records paper, in one action.
            let chosen = try await choose(client, &principal, paper + [("reason", "Quyết định số 15/QĐ-THCS")])
            #expect(chosen.status == .seeOther || chosen.status == .found, "\(chosen.text)")

            // verify: the four items not acted on are exempt with the reason; the submitted one goes on.
            #expect(
                try await count(
                    world, "student_transcript",
                    "o.status = 'exempt' AND o.exempt_reason = 'Quyết định số 15/QĐ-THCS' AND o.exempt_choice_id IS NOT NULL"
                ) == 4)
            #expect(
                try await value(world, "SELECT state || ':' || status FROM obligations WHERE id = \(first)")
                    == "awaiting:submitted")
            #expect(
                try await value(
                    world,
                    """
                    SELECT details::jsonb->>'applied' || ':' || (details::jsonb->>'skipped_acted_on') FROM audit_log WHERE action = 'choice.school'
                    """) == "4:1")
            #expect(
                try await value(world, "SELECT count(*)::text FROM workflow_events WHERE kind = 'exempt_choice'") == "4"
            )
            // The dashboard counts them exempt, never missing, even after the sweep at the year's very end.
            let compliance = try await principal.send(client, .get, "/api/v1/units/S01/compliance?year=\(Self.year)")
            let byType = try #require(try compliance.json()["byType"] as? [[String: Any]])
            let figures = try #require(
                byType.first { $0["recordType"] as? String == "student_transcript" }?["figures"] as? [String: Any])
            #expect(figures["exempt"] as? Int == 4 && figures["missing"] as? Int == 0, "\(figures)")
            let page = try await principal.send(client, .get, "/units/S01/choices?year=\(Self.year)")
            #expect(page.status == .ok && page.text.contains("Quyết định số 15/QĐ-THCS"))
        }
        let swept = try await withDatabase(try world.database.appURL) { pool in
            let tenant = try #require(
                try await TenantStore(database: pool, logger: TestEnvironment.logger).tenant(code: "demo"))
            return try await ObligationStore(database: pool, logger: TestEnvironment.logger)
                .sweepMissing(tenantID: tenant.id, now: 4_102_444_800)
        }
        #expect(swept > 0)
        #expect(try await count(world, "student_transcript", "o.status = 'missing'") == 0)

        // An item planned after the choice (a new homeroom class) comes out exempt too.
        let people = "\(copy)/demo/people/S01.csv"
        let csv = try String(contentsOfFile: people, encoding: .utf8)
            .replacingOccurrences(
                of: "admin.lockout,Mai Thị Uyên,khtn,Tổ Khoa học tự nhiên,Natural Sciences,member,,,",
                with: "admin.lockout,Mai Thị Uyên,khtn,Tổ Khoa học tự nhiên,Natural Sciences,member,9A2,9,")
        #expect(csv.contains("9A2"))
        try await withDatabase(try world.database.appURL) { pool in
            let setup = RecordsSetup(database: pool, logger: TestEnvironment.logger, tenantsDirectory: copy)
            _ = try await setup.importPeople(tenant: "demo", school: "S01", schoolYear: Self.year, csv: csv)
            _ = try await setup.generate(tenant: "demo", schoolYear: Self.year)
        }
        #expect(try await count(world, "student_transcript", "true") == 6)
        #expect(
            try await count(world, "student_transcript", "o.status = 'exempt' AND o.exempt_choice_id IS NOT NULL") == 5)

        // The principal lifts one item's exemption by hand: a later generation leaves that decision alone.
        let lifted = try #require(
            try await value(
                world,
                """
                SELECT o.id::text FROM obligations o JOIN users w ON w.id = o.owner_user_id
                WHERE w.login = 'admin.lockout' AND o.record_type = 'student_transcript' AND o.school_year = '\(Self.year)'
                """
            ).flatMap { Int64($0) })
        try await world.withApp { client in
            var principal = Browser()
            principal.csrf = try await principal.signIn(client, "s1.principal")
            let unexempt = try await principal.send(
                client, .post, "/records/\(lifted)/unexempt", form: [("_csrf", principal.csrf)])
            #expect(unexempt.status == .seeOther || unexempt.status == .found, "\(unexempt.text)")
        }
        try await withDatabase(try world.database.appURL) { pool in
            _ = try await RecordsSetup(database: pool, logger: TestEnvironment.logger, tenantsDirectory: copy)
                .generate(tenant: "demo", schoolYear: Self.year)
        }
        #expect(
            try await value(
                world, "SELECT status || ':' || (exempt_choice_id IS NULL)::text FROM obligations WHERE id = \(lifted)"
            )
            .map { $0.hasSuffix(":true") && !$0.hasPrefix("exempt") } == true)
        #expect(
            try await count(world, "student_transcript", "o.status = 'exempt' AND o.exempt_choice_id IS NOT NULL") == 4)

        // Back to electronic: the items the choice exempted are expected again; nothing else moves.
        try await world.withApp { client in
            var principal = Browser()
            principal.csrf = try await principal.signIn(client, "s1.principal")
            let back = try await choose(
                client, &principal,
                [
                    ("scope", "school"), ("record_type", "student_transcript"),
                    ("form", "electronic"), ("reason", "Quyết định số 16/QĐ-THCS"),
                ])
            #expect(back.status == .seeOther || back.status == .found, "\(back.text)")
        }
        #expect(try await count(world, "student_transcript", "o.exempt_reason IS NOT NULL") == 0)
        #expect(try await count(world, "student_transcript", "o.status IN ('pending', 'missing')") == 5)
        #expect(try await value(world, "SELECT count(*)::text FROM record_form_choices") == "2", "history is kept")
    }

    @Test func aTeacherKeepsAVoluntaryBookOnPaperForTheYearInOneAction() async throws {
        let (world, _) = try await setup()
        let own = try await count(world, "lesson_plan", "w.login = 's1.teacher'")
        let colleague = try await count(world, "lesson_plan", "w.login = 's1.teacher2'")
        #expect(own > 20 && colleague > 20, "weekly plans for the year")
        let colleagueID = try #require(try await value(world, "SELECT id::text FROM users WHERE login = 's1.teacher2'"))
        try await world.withApp { client in
            var teacher = Browser()
            var principal = Browser()
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            let paper = [("record_type", "lesson_plan"), ("form", "paper"), ("reason", "Soạn giáo án viết tay")]
            // Bad input: a teacher for a colleague (403); a book that is the school's choice (400).
            #expect(
                try await choose(client, &teacher, [("scope", "teacher"), ("teacher", colleagueID)] + paper).status
                    == .forbidden)
            let wrong = [("scope", "self"), ("record_type", "student_transcript"), ("form", "paper"), ("reason", "x")]
            #expect(try await choose(client, &teacher, wrong).status == .badRequest)
            // act: the teacher declares their own, once, for the year.
            let declared = try await choose(client, &teacher, [("scope", "self")] + paper)
            #expect(declared.status == .seeOther || declared.status == .found, "\(declared.text)")
            // verify: all their plans not acted on are exempt; the colleague's are not.
            #expect(try await count(world, "lesson_plan", "w.login = 's1.teacher' AND o.status = 'exempt'") == own)
            #expect(
                try await count(world, "lesson_plan", "w.login = 's1.teacher2' AND o.exempt_reason IS NOT NULL") == 0)
            #expect(
                try await value(world, "SELECT count(*)::text FROM audit_log WHERE action = 'choice.teacher'") == "1")
            // The principal records it for the colleague (their written request).
            let forColleague = try await choose(
                client, &principal, [("scope", "teacher"), ("teacher", colleagueID)] + paper)
            #expect(forColleague.status == .seeOther || forColleague.status == .found, "\(forColleague.text)")
            #expect(
                try await count(world, "lesson_plan", "w.login = 's1.teacher2' AND o.status = 'exempt'") == colleague)
            let page = try await teacher.send(client, .get, "/units/S01/choices?year=\(Self.year)")
            #expect(page.status == .ok && page.text.contains("Soạn giáo án viết tay"))
        }
    }
}
