import Foundation
import HTTPTypes
import HosoCore
import HosoServer
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HosoStore

/// Issue 14, part 5, through the demo tenant's import and obligations of 2026-2027: the Pioneer book
/// is owed by the Pioneer leader named in the people file and nobody else; a school without an office
/// group owes the office's books itself, submitted by the type's submitter role (the clerk); the
/// continuing-education centre owes its own books and its teacher can act; lesson plans are due by
/// the end of the Tuesday (seed 004 read literally).
@Suite struct MissingBooksIntegrationTests {
    static let year = RecordTests.year

    func rows(_ world: TestWorld, _ sql: String) async throws -> [[String?]] {
        try await TestEnvironment.ownerRows(sql, database: world.database.name)
    }

    @Test func thePioneerBookIsOwedByThePioneerLeaderAlone() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let duties = try await rows(
            world,
            """
            SELECT u.login, d.duty, d.valid_from::text, un.code FROM school_duties d JOIN users u ON u.id = d.user_id
            JOIN units un ON un.id = d.unit_id
            """)
        #expect(duties == [["s3.pioneer", "pioneer_leader", "2025-09-05", "S03"]])
        let owed = try await rows(
            world,
            """
            SELECT un.code, coalesce(u.login, o.owner_key), o.period_number::text
            FROM obligations o JOIN units un ON un.id = o.unit_id
            LEFT JOIN users u ON u.id = o.owner_user_id
            WHERE o.record_type = 'pioneer_book' AND o.school_year = '\(Self.year)' ORDER BY 1, 3
            """)
        // Primary S03 names its leader; the lower-secondary schools name none, so owe none (not every teacher).
        #expect(owed == [["S03", "s3.pioneer", "1"], ["S03", "s3.pioneer", "2"]])
        // The people import refuses an unknown duty by line, and applies the good lines.
        let result = try await withDatabase(try world.database.appURL) { pool in
            try await RecordsSetup(
                database: pool, logger: TestEnvironment.logger,
                tenantsDirectory: try TestEnvironment.repoDirectory + "/tenants"
            )
            .importPeople(
                tenant: "demo", school: "S03", schoolYear: Self.year,
                csv: """
                    login,valid_from,duty
                    s3.pioneer,2025-09-05,pioneer_leader
                    s3.other,2025-09-05,doi_truong
                    """)
        }
        #expect(result.rejected.map(\.error.code) == ["people.bad_duty"])
        #expect(result.summary.duties == 1)
    }

    @Test func aSchoolWithoutAnOfficeGroupOwesTheOfficeBooksAndItsClerkSubmitsThem() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let groups = try await rows(
            world,
            """
            SELECT count(*)::text FROM school_groups g JOIN units u ON u.id = g.unit_id
            WHERE u.code = 'S01' AND g.kind = 'office'
            """)
        #expect(groups == [["0"]])
        let items = try await rows(
            world,
            """
            SELECT o.id::text, o.owner_key, o.period_number::text FROM obligations o JOIN units u ON u.id = o.unit_id
            WHERE u.code = 'S01' AND o.record_type = 'correspondence_register' AND o.school_year = '\(Self.year)'
            ORDER BY o.period_number
            """)
        #expect(
            items.map { [$0[1], $0[2]] } == [["school", "1"], ["school", "2"]], "one school-owned item per semester")
        let id = try #require(items.first?[0].flatMap { Int64($0) })
        try await world.withApp { client in
            var clerk = Browser()
            var teacher = Browser()
            var principal = Browser()
            let c = try await clerk.signIn(client, "s1.clerk")
            let t = try await teacher.signIn(client, "s1.teacher")
            let p = try await principal.signIn(client, "s1.principal")
            let pdf = Array(RecordTests.pdf("sổ công văn").utf8)
            let hidden = try await RecordTests().upload(client, &teacher, csrf: t, id, filename: "cong-van.pdf", pdf)
            #expect(hidden.status == .notFound, "a teacher does not see the school's office books: \(hidden.text)")
            let refused = try await RecordTests().upload(client, &principal, csrf: p, id, filename: "cong-van.pdf", pdf)
            #expect(refused.status == .forbidden, "only the submitter role (clerk): \(refused.text)")
            #expect(refused.errorCode == "workflow.not_submitter")
            let submitted = try await RecordTests().upload(client, &clerk, csrf: c, id, filename: "cong-van.pdf", pdf)
            #expect(submitted.status == .created, "\(submitted.text)")
        }
    }

    @Test func theContinuingEducationCentreOwesItsBooksAndItsTeacherActs() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let types = try await rows(
            world,
            """
            SELECT DISTINCT o.record_type FROM obligations o JOIN units u ON u.id = o.unit_id
            WHERE u.code = 'T02' AND o.school_year = '\(Self.year)' ORDER BY 1
            """
        ).map { $0[0] ?? "" }
        #expect(
            types == [
                "ce_education_plan", "ce_learner_assessment_book", "ce_learner_register", "ce_learner_transcript",
                "ce_lesson_plan",
            ])
        let lesson = try await RecordTests().obligation(world, owner: "t2.teacher", type: "ce_lesson_plan", period: 10)
        try await world.withApp { client in
            var teacher = Browser()
            let csrf = try await teacher.signIn(client, "t2.teacher")
            let owed = try await teacher.send(client, .get, "/api/v1/me/obligations")
            #expect(owed.status == .ok)
            let uploaded = try await RecordTests().upload(
                client, &teacher, csrf: csrf, lesson, filename: "giao-an-gdtx.pdf",
                Array(RecordTests.pdf().utf8))
            #expect(uploaded.status == .created, "\(uploaded.text)")
            var director = Browser()
            try await director.signIn(client, "t2.director")
            let page = try await director.send(client, .get, "/records/\(lesson)")
            #expect(page.status == .ok && page.text.contains("Kế hoạch bài dạy (giáo án) của giáo viên trung tâm"))
        }
    }

    @Test func lessonPlansAreDueByTheEndOfTheTuesdayBefore() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let due = try await rows(
            world,
            """
            SELECT DISTINCT to_char(o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'Dy HH24:MI:SS'),
                   o.period_first::text, (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date::text
            FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = 's1.teacher' AND o.record_type = 'lesson_plan' AND o.period_number = 10
              AND o.school_year = '\(Self.year)'
            """)
        // Week 10 of 2026-27 begins Monday 9 Nov 2026: the week before begins 2 Nov; its Wednesday is the 4th.
        #expect(due.first?[0] == "Tue 23:59:59")
        #expect(due.first?[1] == "2026-11-09")
        #expect(due.first?[2] == "2026-11-03")
    }
}
