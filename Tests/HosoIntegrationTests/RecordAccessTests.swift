import Foundation
import HosoCore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// What an outside probe found about records, each kept as a test: acting on a record one cannot
/// read answers 404 like reading it, nothing is written, and every export of record content is on
/// the record's audit trail.
@Suite struct RecordAccessTests {
    static let year = RecordTests.year
    let records = RecordTests()

    func count(_ world: TestWorld, _ sql: String) async throws -> Int {
        Int(try await TestEnvironment.ownerValue("SELECT (\(sql))::text", database: world.database.name) ?? "") ?? -1
    }

    @Test func actingOnAColleaguesRecordAnswersLikeReadingIt() async throws {
        // setup: s1.teacher's lesson plan, submitted, approved by the head and the principal, locked.
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await records.obligation(world, owner: "s1.teacher")
        let other = try await records.obligation(world, owner: "s1.teacher", period: 11)
        try await world.withApp { client in
            var teacher = Browser(), colleague = Browser(), head = Browser(), principal = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let c = try await colleague.signIn(client, "s1.teacher2")
            let h = try await head.signIn(client, "s1.head")
            let p = try await principal.signIn(client, "s1.principal")
            for record in [id, other] {
                #expect(try await records.upload(client, &teacher, csrf: t, record, filename: "giao-an.pdf",
                                                 Array(RecordTests.pdf().utf8)).status == .created)
            }
            // While it awaits the head: the colleague can neither approve nor return it (404, not 403).
            for (path, body) in [("approve", #"{"step":1}"#), ("return", #"{"step":1,"comment":"x"}"#), ("lock", "{}")] {
                let response = try await records.post(client, &colleague, csrf: c, "/api/v1/obligations/\(id)/\(path)", body)
                #expect(response.status == .notFound && response.errorCode == "record.not_found", "\(path): \(response.text)")
            }
            let form = try await colleague.send(client, .post, "/records/\(id)/approve", form: [("_csrf", c), ("step", "1")])
            #expect(form.status == .notFound, "\(form.text)")
            #expect(try await records.post(client, &head, csrf: h, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#).status == .ok)
            #expect(try await records.post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/approve", #"{"step":2}"#).status == .ok)
            #expect(try await records.post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/lock", "{}").status == .ok)

            // act: the colleague asks to correct the locked record they cannot read.
            let read = try await colleague.send(client, .get, "/api/v1/obligations/\(id)")
            let correction = try await records.post(client, &colleague, csrf: c, "/api/v1/obligations/\(id)/corrections",
                                                    #"{"reason":"Sai điểm"}"#)
            // verify: the same answer as reading it, and nothing reaches the principal's consent queue.
            #expect(read.status == .notFound)
            #expect(correction.status == .notFound && correction.errorCode == "record.not_found", "\(correction.text)")
            #expect(try await count(world, "SELECT count(*) FROM corrections") == 0)
            // Nor an exemption, nor an upload naming the owner's role.
            let exemption = try await records.post(client, &colleague, csrf: c, "/api/v1/obligations/\(other)/exemption", #"{"reason":"x"}"#)
            #expect(exemption.status == .notFound, "\(exemption.text)")
            let upload = try await records.upload(client, &colleague, csrf: c, other, filename: "x.pdf", Array(RecordTests.pdf().utf8))
            #expect(upload.status == .notFound && upload.errorCode == "record.not_found", "\(upload.text)")

            // The owner asks; the colleague cannot decide on it, the principal can.
            let asked = try await records.post(client, &teacher, csrf: t, "/api/v1/obligations/\(id)/corrections", #"{"reason":"Sai điểm"}"#)
            #expect(asked.status == .created, "\(asked.text)")
            let correctionID = try #require(try asked.json()["id"] as? Int)
            let decided = try await records.post(client, &colleague, csrf: c, "/api/v1/corrections/\(correctionID)/decision",
                                                 #"{"consent":false}"#)
            #expect(decided.status == .notFound, "\(decided.text)")
            let page = try await principal.send(client, .get, "/records/\(id)")
            #expect(page.status == .ok && page.text.contains("/corrections/\(correctionID)/decision"), "the principal is offered the decision")
            #expect(!(try await teacher.send(client, .get, "/records/\(id)").text.contains("/corrections/\(correctionID)/decision")))
        }
    }

    @Test func aGroupHeadsQueueHoldsOnlyTheirGroupsTeachers() async throws {
        // setup: lesson plans of s1.teacher (in s1.head's group) and s1.teacher2 (in another), submitted.
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let own = try await records.obligation(world, owner: "s1.teacher")
        let other = try await records.obligation(world, owner: "s1.teacher2")
        try await world.withApp { client in
            var teacher = Browser(), teacher2 = Browser(), head = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let t2 = try await teacher2.signIn(client, "s1.teacher2")
            let h = try await head.signIn(client, "s1.head")
            #expect(try await records.upload(client, &teacher, csrf: t, own, filename: "a.pdf", Array(RecordTests.pdf().utf8)).status == .created)
            #expect(try await records.upload(client, &teacher2, csrf: t2, other, filename: "b.pdf", Array(RecordTests.pdf().utf8)).status == .created)

            // act
            let queue = try await head.send(client, .get, "/api/v1/approvals").json()
            let ids = ((queue["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }.map(Int64.init)

            // verify: the queue and the approval apply the same rule.
            #expect(ids.contains(own) && !ids.contains(other), "\(ids)")
            let refused = try await records.post(client, &head, csrf: h, "/api/v1/obligations/\(other)/approve", #"{"step":1}"#)
            #expect(refused.status == .forbidden && refused.errorCode == "workflow.not_your_group", "\(refused.text)")
        }
    }

    @Test func everyExportOfRecordContentIsAudited() async throws {
        // setup: a submitted lesson plan.
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await records.obligation(world, owner: "s1.teacher")
        try await world.withApp { client in
            var teacher = Browser(), principal = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            _ = try await principal.signIn(client, "s1.principal")
            #expect(try await records.upload(client, &teacher, csrf: t, id, filename: "giao-an.pdf", Array(RecordTests.pdf().utf8)).status == .created)

            // act: the principal (not an inspector) exports the record as a ZIP.
            let zip = try await principal.send(client, .get, "/records/\(id)/export.zip")

            // verify
            #expect(zip.status == .ok, "\(zip.text.prefix(200))")
            #expect(try await count(world, """
                SELECT count(*) FROM audit_log WHERE action = 'record.export' AND actor_login = 's1.principal' AND subject = 'obligation:\(id)'
                """) == 1)
            let version = try #require(try await TestEnvironment.ownerValue(
                "SELECT id::text FROM record_versions WHERE obligation_id = \(id)", database: world.database.name))
            #expect(try await principal.send(client, .get, "/api/v1/versions/\(version)/content").status == .ok)
            #expect(try await count(world, "SELECT count(*) FROM audit_log WHERE action = 'record.download' AND subject = 'obligation:\(id)'") == 1)
        }
    }

    /// Every action × every demo role × every state of a record, through the pages and the
    /// server: a form is on the page exactly when the server accepts its action. A refused action
    /// changes nothing; an offered one is carried out on a fresh record in the same state.
    @Test func aButtonIsOfferedExactlyWhenItsActionIsAccepted() async throws {
        // setup: forty of s1.teacher's lesson plans (head, then principal), brought to states as needed.
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let ids = try await TestEnvironment.ownerRows("""
            SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = 's1.teacher' AND o.record_type = 'lesson_plan' AND o.school_year = '\(Self.year)'
            ORDER BY o.period_number LIMIT 40
            """, database: world.database.name).compactMap { $0[0].flatMap { Int64($0) } }
        let logins = ["s1.teacher", "s1.teacher2", "s1.head", "s1.vice", "s1.principal", "s1.admin", "s1.clerk",
                      "d1.inspector", "d1.officer", "so.officer", "s2.principal"]
        let actions = ["upload", "approve", "return", "lock", "exempt", "unexempt", "correction"]
        let states = ["open", "exempt", "awaiting1", "awaiting2", "approved", "locked"]
        let records = self.records
        try await world.withApp { client in
            var browsers: [String: Browser] = [:]
            for login in logins {
                var browser = Browser()
                browser.csrf = try await browser.signIn(client, login)
                browsers[login] = browser
            }
            var pool = ids[...]
            func revision(_ id: Int64) async throws -> String? {
                try await TestEnvironment.ownerValue("SELECT revision::text FROM obligations WHERE id = \(id)", database: world.database.name)
            }
            /// Carries `action` out as `login`, the way its button (or, for an upload, the API) does.
            func perform(_ action: String, on id: Int64, as login: String, step: Int) async throws -> TestResponse {
                var browser = try #require(browsers[login])
                defer { browsers[login] = browser }
                switch action {
                case "upload":
                    return try await records.upload(client, &browser, csrf: browser.csrf, id, filename: "giao-an.pdf",
                                                    Array(RecordTests.pdf().utf8))
                default:
                    let fields: [(String, String)] = [("_csrf", browser.csrf), ("step", String(step)), ("comment", "Bổ sung"),
                                                      ("reason", "Lý do")]
                    return try await browser.send(client, .post, "/records/\(id)/\(action)", form: fields)
                }
            }
            func accepted(_ response: TestResponse) -> Bool { [201, 302, 303].contains(response.status.code) }
            /// A fresh record in `state`, brought there by the people whose step it is.
            func make(_ state: String) async throws -> Int64 {
                let next = pool.popFirst()
                let id = try #require(next, "enough lesson plans")
                let path: [(String, String, Int)] = switch state {
                case "exempt": [("exempt", "s1.principal", 1)]
                case "awaiting1": [("upload", "s1.teacher", 1)]
                case "awaiting2": [("upload", "s1.teacher", 1), ("approve", "s1.head", 1)]
                case "approved": [("upload", "s1.teacher", 1), ("approve", "s1.head", 1), ("approve", "s1.principal", 2)]
                case "locked": [("upload", "s1.teacher", 1), ("approve", "s1.head", 1), ("approve", "s1.principal", 2),
                                ("lock", "s1.principal", 1)]
                default: []
                }
                for (action, login, step) in path {
                    let response = try await perform(action, on: id, as: login, step: step)
                    #expect(accepted(response), "setting up \(state): \(action) by \(login): \(response.status) \(response.text.prefix(200))")
                }
                return id
            }

            for state in states {
                let step = state == "awaiting2" ? 2 : 1
                let probe = try await make(state)
                for login in logins {
                    // What the page offers.
                    var browser = try #require(browsers[login])
                    let page = try await browser.send(client, .get, "/records/\(probe)")
                    browsers[login] = browser
                    let offered = Set(actions.filter { page.status == .ok && page.text.contains("action=\"/records/\(probe)/\($0)\"") })
                    // act, verify: what is not offered is refused and changes nothing ...
                    for action in actions where !offered.contains(action) {
                        let before = try await revision(probe)
                        let response = try await perform(action, on: probe, as: login, step: step)
                        #expect(!accepted(response), "\(login) at \(state): \(action) not offered, yet \(response.status)")
                        #expect(try await revision(probe) == before, "\(login) at \(state): a refused \(action) changed the record")
                    }
                    // ... and what is offered is accepted.
                    for action in offered.sorted() {
                        let fresh = try await make(state)
                        let response = try await perform(action, on: fresh, as: login, step: step)
                        #expect(accepted(response), "\(login) at \(state): \(action) offered, yet \(response.status) \(response.text.prefix(200))")
                    }
                }
            }
        }
    }
}
