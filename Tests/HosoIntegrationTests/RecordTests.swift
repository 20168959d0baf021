import Foundation
import HosoCore
import HosoServer
@testable import HosoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Record books end to end through the API, against the real database and directory: the demo
/// tenant's rule-sets, calendar and people of 2026-2027, its obligations, uploads to the blob
/// store, the approval chain (teacher → subject-group head → principal), locks and corrections.
@Suite struct RecordTests {
    static let year = "2026-2027"

    static func pdf(_ text: String = "giáo án") -> String { "%PDF-1.4\n% \(text)\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n" }

    /// The id of an obligation, looked up as the database owner.
    func obligation(_ world: TestWorld, owner login: String, type: String = "lesson_plan", period: Int = 10) async throws -> Int64 {
        let value = try await TestEnvironment.ownerValue("""
            SELECT o.id::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = '\(login)' AND o.record_type = '\(type)' AND o.period_number = \(period) AND o.school_year = '\(Self.year)'
            """, database: world.database.name)
        return try #require(value.flatMap { Int64($0) }, "an obligation \(type) #\(period) of \(login)")
    }

    func row(_ world: TestWorld, _ id: Int64) async throws -> [String?] {
        try #require(try await TestEnvironment.ownerRows(
            "SELECT state, step::text, status, awaiting_role, revision::text, current_version_id::text FROM obligations WHERE id = \(id)",
            database: world.database.name
        ).first)
    }

    func upload(_ client: any TestClientProtocol, _ browser: inout Browser, csrf: String, _ id: Int64, filename: String,
                _ content: [UInt8], contentType: String = "application/pdf") async throws -> TestResponse {
        let name = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? ""
        var headers: HTTPFields = [.contentType: contentType]
        headers[HTTPField.Name("X-CSRF-Token")!] = csrf
        if !browser.cookies.isEmpty { headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        return try await client.execute(uri: "/api/v1/obligations/\(id)/versions?filename=\(name)", method: .post, headers: headers,
                                        body: ByteBuffer(bytes: content))
    }

    func post(_ client: any TestClientProtocol, _ browser: inout Browser, csrf: String, _ path: String, _ json: String) async throws -> TestResponse {
        try await browser.send(client, .post, path, json: json, headers: [HTTPField.Name("X-CSRF-Token")!: csrf])
    }

    func blobFiles(_ world: TestWorld, _ folder: String) -> [String] {
        let root = world.configuration.blobDirectory + "/" + folder
        return ((FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? [])
            .filter { !FileManager.default.fileExists(atPath: root + "/" + $0 + "/.") }
    }

    // MARK: - Rule-sets

    @Test func aChangedRuleSetIsANewVersionAndOtherYearsAreUntouched() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let repo = try TestEnvironment.repoDirectory
        let copy = try TestEnvironment.temporaryDirectory("tenants")
        for folder in ["demo", "shared"] {
            try FileManager.default.copyItem(atPath: "\(repo)/tenants/\(folder)", toPath: "\(copy)/\(folder)")
        }
        let before = try await TestEnvironment.ownerRows(
            "SELECT id::text, school_year, version::text, checksum FROM rule_sets ORDER BY id", database: world.database.name)
        #expect(before.count == 2)

        let path = "\(copy)/demo/rules/\(Self.year).yaml"
        let changed = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "max_size_mb: 20", with: "max_size_mb: 25")
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        let lines = try await withDatabase(try world.database.appURL) { pool in
            let setup = RecordsSetup(database: pool, logger: TestEnvironment.logger, tenantsDirectory: copy)
            let first = try await setup.importRules(tenant: "demo")
            let again = try await setup.importRules(tenant: "demo")
            return first + again
        }
        let after = try await TestEnvironment.ownerRows(
            "SELECT id::text, school_year, version::text, checksum FROM rule_sets ORDER BY id", database: world.database.name)
        #expect(after.count == 3, "\(lines)")
        #expect(Array(after.prefix(2)) == before, "the rows of both years are as they were")
        #expect(after.last?[1] == Self.year && after.last?[2] == "2")
        let limit = try await TestEnvironment.ownerValue("""
            SELECT (t.definition->>'maxSizeMB') FROM record_types t JOIN rule_sets r ON r.id = t.rule_set_id
            WHERE r.id = \(after.last?[0] ?? "0") AND t.code = 'lesson_plan'
            """, database: world.database.name)
        #expect(limit == "25")
    }

    @Test(arguments: [
        ("chain:\n      - {role: subject_group_head}\n      - {role: principal}", "chain:\n      - {role: headmaster}\n      - {role: principal}", "rules.unknown_role"),
        ("extends: base-2026-2027", "extends: demo-2026-2027", "rules.cycle"),
    ])
    func aBrokenRuleSetIsRefusedAndNothingIsWritten(original: String, replacement: String, code: String) async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let repo = try TestEnvironment.repoDirectory
        let copy = try TestEnvironment.temporaryDirectory("tenants")
        for folder in ["demo", "shared"] {
            try FileManager.default.copyItem(atPath: "\(repo)/tenants/\(folder)", toPath: "\(copy)/\(folder)")
        }
        let path = "\(copy)/demo/rules/\(Self.year).yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(original))
        try text.replacingOccurrences(of: original, with: replacement).write(toFile: path, atomically: true, encoding: .utf8)
        let codes: [String] = try await withDatabase(try world.database.appURL) { pool in
            do {
                _ = try await RecordsSetup(database: pool, logger: TestEnvironment.logger, tenantsDirectory: copy).importRules(tenant: "demo")
                return []
            } catch let error as HosoErrors {
                return error.errors.map(\.code)
            } catch let error as HosoError {
                return [error.code]
            }
        }
        #expect(codes.contains(code), "\(codes)")
        let stored = try await TestEnvironment.ownerValue("SELECT count(*)::text FROM rule_sets", database: world.database.name)
        #expect(stored == "0", "nothing of any year is written when one year is broken")
    }

    // MARK: - Obligations

    @Test func regenerationIsIdempotentAndKeepsWhatIsFulfilled() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let count = "SELECT count(*)::text FROM obligations WHERE NOT withdrawn"
        let first = try await TestEnvironment.ownerValue(count, database: world.database.name)
        #expect(Int(first ?? "") ?? 0 > 500)
        // One teacher's lesson plans: one per teaching week.
        let weekly = try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations o JOIN users u ON u.id = o.owner_user_id
            WHERE u.login = 's1.teacher' AND o.record_type = 'lesson_plan'
            """, database: world.database.name)
        #expect(weekly == "35")

        let id = try await obligation(world, owner: "s1.teacher")
        try await world.withApp { client in
            var teacher = Browser()
            let csrf = try await teacher.signIn(client, "s1.teacher")
            #expect(try await upload(client, &teacher, csrf: csrf, id, filename: "giao-an.pdf", Array(Self.pdf().utf8)).status == .created)
        }
        let summary = try await withDatabase(try world.database.appURL) { pool in
            try await RecordsSetup(database: pool, logger: TestEnvironment.logger, tenantsDirectory: try TestEnvironment.repoDirectory + "/tenants")
                .generate(tenant: "demo", schoolYear: Self.year)
        }
        #expect(summary.inserted == 0 && summary.updated == 0 && summary.withdrawn == 0)
        #expect(try await TestEnvironment.ownerValue(count, database: world.database.name) == first)
        #expect(try await row(world, id)[0] == "awaiting", "the submitted item keeps its state")
    }

    // MARK: - Uploads

    @Test func badUploadsAreRefusedAndNothingIsStored() async throws {
        let world = try await TestWorld.make(importing: ["demo", "demo2"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher")
        let other = try await obligation(world, owner: "t1.teacher")
        try await world.withApp { client in
            var teacher = Browser()
            let csrf = try await teacher.signIn(client, "s1.teacher")
            let pdf = Array(Self.pdf().utf8)
            let cases: [(String, [UInt8], String, HTTPResponse.Status)] = [
                ("trong.pdf", [], "upload.empty", .badRequest),
                ("ghi-chu.pdf", Array("chỉ là văn bản, không phải PDF".utf8), "upload.unrecognised", .badRequest),
                // A PNG is an accepted kind of file elsewhere, not for lesson plans (pdf, docx, odt here).
                ("anh.pdf", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64), "upload.format_not_accepted", .badRequest),
                ("../../etc/passwd.pdf", pdf, "upload.bad_filename", .badRequest),
                ("a\u{0}b.pdf", pdf, "upload.bad_filename", .badRequest),
                ("thư mục/giáo án.pdf", pdf, "upload.bad_filename", .badRequest),
            ]
            for (name, content, code, status) in cases {
                let response = try await upload(client, &teacher, csrf: csrf, id, filename: name, content)
                #expect(response.status == status, "\(name)")
                #expect(response.errorCode == code, "\(name): \(response.text)")
                #expect(response.errorMessage?.isEmpty == false)
            }
            // Over the type's limit (20 MB): refused while streaming.
            let big = pdf + [UInt8](repeating: 0x20, count: 20 * 1024 * 1024)
            let tooBig = try await upload(client, &teacher, csrf: csrf, id, filename: "lon.pdf", big)
            #expect(tooBig.status == .contentTooLarge)
            #expect(tooBig.errorCode == "upload.too_large")
            // Another school's item, and, from another tenant, an item of this one: not found.
            #expect(try await upload(client, &teacher, csrf: csrf, other, filename: "x.pdf", pdf).status == .notFound)
            var stranger = Browser()
            let strangerCSRF = try await stranger.signIn(client, tenant: "demo2", "p2.officer")
            let foreign = try await upload(client, &stranger, csrf: strangerCSRF, id, filename: "x.pdf", pdf)
            #expect(foreign.status == .notFound)
            #expect(try await stranger.send(client, .get, "/api/v1/obligations/\(id)").status == .notFound)
        }
        #expect(blobFiles(world, "objects").isEmpty, "\(blobFiles(world, "objects"))")
        #expect(blobFiles(world, "tmp").isEmpty)
        #expect(try await TestEnvironment.ownerValue("SELECT count(*)::text FROM record_versions", database: world.database.name) == "0")
        #expect(try await row(world, id)[0] == "open")
    }

    @Test func anUploadIsStoredOnceByContentWithItsNameInNFC() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let first = try await obligation(world, owner: "s1.teacher", period: 10)
        let second = try await obligation(world, owner: "s1.teacher", period: 11)
        let nfd = "Gia\u{301}o a\u{301}n tuần 10.pdf"
        let content = Array(Self.pdf("tuần 10").utf8)
        try await world.withApp { client in
            var teacher = Browser()
            let csrf = try await teacher.signIn(client, "s1.teacher")
            let created = try await upload(client, &teacher, csrf: csrf, first, filename: nfd, content)
            #expect(created.status == .created, "\(created.text)")
            let version = try created.json()
            #expect(version["filename"] as? String == "Giáo án tuần 10.pdf".precomposedStringWithCanonicalMapping)
            #expect((version["filename"] as? String)?.unicodeScalars.count == "Giáo án tuần 10.pdf".precomposedStringWithCanonicalMapping.unicodeScalars.count)
            #expect(version["mediaType"] as? String == "application/pdf")
            #expect(version["size"] as? Int == content.count)
            #expect(try await upload(client, &teacher, csrf: csrf, second, filename: "copy.pdf", content).status == .created)

            // The download is the same bytes, for someone in scope.
            let url = try #require(version["url"] as? String)
            let download = try await teacher.send(client, .get, url)
            #expect(download.status == .ok)
            #expect(Array(download.body.readableBytesView) == content)
            #expect(download.headers[.contentType] == "application/pdf")
        }
        #expect(blobFiles(world, "objects").count == 1, "identical content is stored once")
        let stored = try await TestEnvironment.ownerRows("SELECT sha256, filename FROM record_versions ORDER BY id", database: world.database.name)
        #expect(stored.count == 2 && stored[0][0] == stored[1][0])
        #expect(stored[0][1] == "Giáo án tuần 10.pdf".precomposedStringWithCanonicalMapping)
        let onDisk = try #require(blobFiles(world, "objects").first)
        #expect(onDisk.hasSuffix(stored[0][0] ?? "-"), "the file is named by its hash, never by the upload's name")
    }

    // MARK: - Approval chain

    @Test func theChainRunsInOrderAndOnlyTheCurrentStepsRoleActs() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher")
        try await world.withApp { client in
            var teacher = Browser(), teacher2 = Browser(), head = Browser(), principal = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let t2 = try await teacher2.signIn(client, "s1.teacher2")
            let h = try await head.signIn(client, "s1.head")
            let p = try await principal.signIn(client, "s1.principal")

            // Another teacher may neither submit nor see it.
            #expect(try await upload(client, &teacher2, csrf: t2, id, filename: "x.pdf", Array(Self.pdf().utf8)).status == .notFound)
            #expect(try await upload(client, &teacher, csrf: t, id, filename: "giao-an.pdf", Array(Self.pdf().utf8)).status == .created)
            let submitted = try await row(world, id)
            #expect(submitted[0] == "awaiting" && submitted[1] == "0" && submitted[3] == "subject_group_head", "\(submitted)")

            // The head's queue holds it; the principal's does not yet.
            let queue = try await head.send(client, .get, "/api/v1/approvals").json()
            #expect(((queue["items"] as? [[String: Any]]) ?? []).contains { $0["id"] as? Int == Int(id) })
            let principalQueue = try await principal.send(client, .get, "/api/v1/approvals").json()
            #expect(!((principalQueue["items"] as? [[String: Any]]) ?? []).contains { $0["id"] as? Int == Int(id) })

            // Out of order: the principal cannot approve step 1 (the head's) nor step 2 yet.
            let early = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#)
            #expect(early.status == .forbidden && early.errorCode == "workflow.wrong_role", "\(early.text)")
            let skipped = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/approve", #"{"step":2}"#)
            #expect(skipped.status == .conflict, "\(skipped.text)")
            let byTeacher = try await post(client, &teacher, csrf: t, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#)
            #expect(byTeacher.status == .forbidden || byTeacher.status == .notFound)
            let noStep = try await post(client, &head, csrf: h, "/api/v1/obligations/\(id)/approve", "{}")
            #expect(noStep.status == .badRequest && noStep.errorCode == "workflow.step_required")

            let approved = try await post(client, &head, csrf: h, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#)
            #expect(approved.status == .ok, "\(approved.text)")
            #expect(try approved.json()["awaitingRole"] as? String == "principal")
            let twice = try await post(client, &head, csrf: h, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#)
            #expect(twice.status == .conflict && twice.errorCode == "workflow.conflict", "\(twice.text)")
            #expect(twice.errorMessage?.contains("2") == true)

            // The principal returns it with a comment; it goes back to the teacher.
            let noComment = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/return", #"{"step":2}"#)
            #expect(noComment.status == .badRequest && noComment.errorCode == "workflow.comment_required")
            let returned = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/return", #"{"step":2,"comment":"Bổ sung mục tiêu bài học"}"#)
            #expect(returned.status == .ok)
            #expect(try returned.json()["status"] as? String == "returned")
            let owed = try await teacher.send(client, .get, "/api/v1/me/obligations").json()
            #expect(((owed["returned"] as? [[String: Any]]) ?? []).contains { $0["id"] as? Int == Int(id) })

            // Again: the whole chain, then the lock.
            #expect(try await upload(client, &teacher, csrf: t, id, filename: "giao-an-2.pdf", Array(Self.pdf("v2").utf8)).status == .created)
            #expect(try await post(client, &head, csrf: h, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#).status == .ok)
            #expect(try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/approve", #"{"step":2}"#).status == .ok)
            let lockedByHead = try await post(client, &head, csrf: h, "/api/v1/obligations/\(id)/lock", "{}")
            #expect(lockedByHead.status == .forbidden, "\(lockedByHead.text)")
            let locked = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/lock", "{}")
            #expect(locked.status == .ok, "\(locked.text)")
            #expect(try locked.json()["status"] as? String == "locked")

            // A locked book takes no new version.
            let late = try await upload(client, &teacher, csrf: t, id, filename: "giao-an-3.pdf", Array(Self.pdf("v3").utf8))
            #expect(late.status == .conflict && late.errorCode == "workflow.locked", "\(late.text)")

            // The record page tells the story.
            let record = try await principal.send(client, .get, "/api/v1/obligations/\(id)").json()
            let kinds = ((record["events"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }
            #expect(kinds == ["submit", "approve", "return", "submit", "approve", "approve", "lock"])
            #expect(((record["versions"] as? [Any]) ?? []).count == 2)
            let page = try await principal.send(client, .get, "/records/\(id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("Bổ sung mục tiêu bài học"))
        }
        #expect(try await row(world, id)[0] == "locked")
    }

    @Test func twoApprovalsAtOnceOneWinsTheOtherIsAConflict() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher")
        try await world.withApp(.live) { client in
            var teacher = Browser(), head = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let h = try await head.signIn(client, "s1.head")
            #expect(try await upload(client, &teacher, csrf: t, id, filename: "giao-an.pdf", Array(Self.pdf().utf8)).status == .created)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<4 {
                    let browser = head
                    group.addTask {
                        var copy = browser
                        return try await copy.send(client, .post, "/api/v1/obligations/\(id)/approve", json: #"{"step":1}"#,
                                                   headers: [HTTPField.Name("X-CSRF-Token")!: h]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 3, "\(statuses)")
        }
        let approvals = try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM workflow_events WHERE obligation_id = \(id) AND kind = 'approve'", database: world.database.name)
        #expect(approvals == "1")
        #expect(try await row(world, id)[1] == "1")
    }

    // MARK: - Entry windows and exemptions

    @Test func aClosedWindowRefusesSubmissionsUntilItIsOpenedAgain() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher", period: 12)
        try await world.withApp { client in
            var teacher = Browser(), admin = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let a = try await admin.signIn(client, "s1.admin")
            let noOrder = try await post(client, &admin, csrf: a, "/api/v1/units/S01/windows",
                                         #"{"recordType":"lesson_plan","schoolYear":"\#(Self.year)","periodKind":"week","periodNumber":12,"open":false}"#)
            #expect(noOrder.status == .badRequest && noOrder.errorCode == "window.order_required")
            let byTeacher = try await post(client, &teacher, csrf: t, "/api/v1/units/S01/windows",
                                           #"{"recordType":"lesson_plan","schoolYear":"\#(Self.year)","periodKind":"week","periodNumber":12,"open":false,"orderedBy":"QĐ 12/QĐ-THCS"}"#)
            #expect(byTeacher.status == .forbidden)
            let closed = try await post(client, &admin, csrf: a, "/api/v1/units/S01/windows",
                                        #"{"recordType":"lesson_plan","schoolYear":"\#(Self.year)","periodKind":"week","periodNumber":12,"open":false,"orderedBy":"Hiệu trưởng, QĐ 12/QĐ-THCS"}"#)
            #expect(closed.status == .created || closed.status == .ok, "\(closed.text)")
            let refused = try await upload(client, &teacher, csrf: t, id, filename: "g.pdf", Array(Self.pdf().utf8))
            #expect(refused.status == .conflict && refused.errorCode == "window.closed", "\(refused.text)")
            // Another week is not affected.
            let week13 = try await obligation(world, owner: "s1.teacher", period: 13)
            #expect(try await upload(client, &teacher, csrf: t, week13, filename: "g.pdf", Array(Self.pdf().utf8)).status == .created)
            _ = try await post(client, &admin, csrf: a, "/api/v1/units/S01/windows",
                               #"{"recordType":"lesson_plan","schoolYear":"\#(Self.year)","periodKind":"week","periodNumber":12,"open":true,"orderedBy":"Hiệu trưởng"}"#)
            #expect(try await upload(client, &teacher, csrf: t, id, filename: "g.pdf", Array(Self.pdf().utf8)).status == .created)
            let windows = try await admin.send(client, .get, "/api/v1/units/S01/windows?year=\(Self.year)").json()
            #expect(((windows["windows"] as? [Any]) ?? []).count == 2)
        }
        let audited = try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM audit_log WHERE action IN ('window.open', 'window.close')", database: world.database.name)
        #expect(audited == "2")
    }

    @Test func anExemptionNeedsAReasonAndStopsSubmissions() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher", period: 20)
        try await world.withApp { client in
            var teacher = Browser(), principal = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let p = try await principal.signIn(client, "s1.principal")
            let bare = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/exemption", #"{"reason":"  "}"#)
            #expect(bare.status == .badRequest && bare.errorCode == "obligation.reason_required")
            let byTeacher = try await post(client, &teacher, csrf: t, "/api/v1/obligations/\(id)/exemption", #"{"reason":"Tôi nghỉ"}"#)
            #expect(byTeacher.status == .forbidden || byTeacher.status == .notFound)
            let exempt = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/exemption", #"{"reason":"Giáo viên nghỉ ốm có giấy xác nhận"}"#)
            #expect(exempt.status == .ok)
            #expect(try exempt.json()["status"] as? String == "exempt")
            let refused = try await upload(client, &teacher, csrf: t, id, filename: "g.pdf", Array(Self.pdf().utf8))
            #expect(refused.status == .conflict && refused.errorCode == "record.exempt")
            let lifted = try await principal.send(client, .delete, "/api/v1/obligations/\(id)/exemption", headers: [HTTPField.Name("X-CSRF-Token")!: p])
            #expect(lifted.status == .ok)
            #expect(try lifted.json()["status"] as? String != "exempt")
            #expect(try await upload(client, &teacher, csrf: t, id, filename: "g.pdf", Array(Self.pdf().utf8)).status == .created)
        }
    }

    // MARK: - Corrections after lock

    /// Submits, approves at both steps and locks; returns the CSRF tokens of teacher, head, principal.
    func lockedRecord(_ client: any TestClientProtocol, _ id: Int64, _ teacher: inout Browser, _ head: inout Browser,
                      _ principal: inout Browser) async throws -> (String, String, String) {
        let t = try await teacher.signIn(client, "s1.teacher")
        let h = try await head.signIn(client, "s1.head")
        let p = try await principal.signIn(client, "s1.principal")
        #expect(try await upload(client, &teacher, csrf: t, id, filename: "ban-dau.pdf", Array(Self.pdf("bản đầu").utf8)).status == .created)
        #expect(try await post(client, &head, csrf: h, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#).status == .ok)
        #expect(try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/approve", #"{"step":2}"#).status == .ok)
        #expect(try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/lock", "{}").status == .ok)
        return (t, h, p)
    }

    @Test func aCorrectionAfterLockKeepsTheOldVersionReadableAndLocksAgain() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher", period: 5)
        try await world.withApp { client in
            var teacher = Browser(), head = Browser(), principal = Browser()
            let (t, h, p) = try await lockedRecord(client, id, &teacher, &head, &principal)

            let noReason = try await post(client, &teacher, csrf: t, "/api/v1/obligations/\(id)/corrections", #"{"reason":""}"#)
            #expect(noReason.status == .badRequest && noReason.errorCode == "workflow.reason_required", "\(noReason.text)")
            let requested = try await post(client, &teacher, csrf: t, "/api/v1/obligations/\(id)/corrections",
                                           #"{"reason":"Sai tên bài ở tiết 2"}"#)
            #expect(requested.status == .created, "\(requested.text)")
            let correction = try #require(try requested.json()["id"] as? Int)
            let again = try await post(client, &teacher, csrf: t, "/api/v1/obligations/\(id)/corrections", #"{"reason":"Lần nữa"}"#)
            #expect(again.status == .conflict && again.errorCode == "correction.already_requested")

            // Only the principal consents, and the minutes name the three witnesses.
            let byHead = try await post(client, &head, csrf: h, "/api/v1/corrections/\(correction)/decision", #"{"consent":true}"#)
            #expect(byHead.status == .forbidden || byHead.status == .notFound, "\(byHead.text)")
            let noWitnesses = try await post(client, &principal, csrf: p, "/api/v1/corrections/\(correction)/decision",
                                             #"{"consent":true,"leader":"Nguyễn Văn Hiệu","text":"Sửa tên bài"}"#)
            #expect(noWitnesses.status == .badRequest && noWitnesses.errorCode == "correction.witnesses_required", "\(noWitnesses.text)")
            // The witnesses are accounts (issue 14): the school administrator has signed in once.
            var admin = Browser()
            let a = try await admin.signIn(client, "s1.admin")
            let consented = try await post(client, &principal, csrf: p, "/api/v1/corrections/\(correction)/decision", """
                {"consent":true,"leader":"s1.principal","administrator":"s1.admin","requester":"s1.teacher","text":"Sửa tên bài ở tiết 2"}
                """)
            #expect(consented.status == .ok, "\(consented.text)")
            #expect(try consented.json()["state"] as? String == "correcting")

            // A new version, the chain again, locked again.
            #expect(try await upload(client, &teacher, csrf: t, id, filename: "da-sua.pdf", Array(Self.pdf("đã sửa").utf8)).status == .created)
            #expect(try await post(client, &head, csrf: h, "/api/v1/obligations/\(id)/approve", #"{"step":1}"#).status == .ok)
            #expect(try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/approve", #"{"step":2}"#).status == .ok)
            // Locked again only once the minutes are issued and every witness has confirmed them.
            let early = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/lock", "{}")
            #expect(early.status == .conflict && early.errorCode == "correction.minutes_outstanding", "\(early.text)")
            let minutes = "/api/v1/corrections/\(correction)"
            #expect(try await post(client, &principal, csrf: p, minutes + "/minutes", "{}").status == .created)
            #expect(try await post(client, &principal, csrf: p, minutes + "/confirmation", "{}").status == .ok)
            #expect(try await post(client, &teacher, csrf: t, minutes + "/confirmation", "{}").status == .ok)
            let stillOne = try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/lock", "{}")
            #expect(stillOne.errorCode == "correction.minutes_outstanding", "the administrator has not confirmed yet")
            #expect(try await post(client, &admin, csrf: a, minutes + "/confirmation", "{}").status == .ok)
            #expect(try await post(client, &principal, csrf: p, "/api/v1/obligations/\(id)/lock", "{}").status == .ok)

            let record = try await principal.send(client, .get, "/api/v1/obligations/\(id)").json()
            let versions = (record["versions"] as? [[String: Any]]) ?? []
            #expect(versions.count == 2)
            let old = try #require(versions.first { $0["version"] as? Int == 1 })
            let new = try #require(versions.first { $0["version"] as? Int == 2 })
            #expect(old["superseded"] as? Bool == true && new["superseded"] as? Bool == false)
            let oldBytes = try await principal.send(client, .get, try #require(old["url"] as? String))
            #expect(oldBytes.status == .ok && String(buffer: oldBytes.body).contains("bản đầu"))
            #expect(((record["corrections"] as? [[String: Any]]) ?? []).first?["state"] as? String == "completed")
            #expect((record["obligation"] as? [String: Any])?["status"] as? String == "locked")
        }
    }

    // MARK: - Audit trail

    func verify(_ world: TestWorld, _ tenantID: Int64) async throws -> AuditVerification {
        try await withDatabase(try world.database.appURL) { pool in
            try await AuditStore(database: pool, logger: TestEnvironment.logger).verify(tenantID: tenantID)
        }
    }

    @Test func everyStepIsInTheChainedLogAndAHandEditIsFound() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher", period: 7)
        try await world.withApp { client in
            var teacher = Browser(), head = Browser(), principal = Browser(), inspector = Browser()
            _ = try await lockedRecord(client, id, &teacher, &head, &principal)
            // An inspector of the district views the record and downloads it: the school sees it.
            try await inspector.signIn(client, "d1.inspector")
            let viewed = try await inspector.send(client, .get, "/api/v1/obligations/\(id)").json()
            let url = try #require(((viewed["versions"] as? [[String: Any]]) ?? []).first?["url"] as? String)
            #expect(try await inspector.send(client, .get, url).status == .ok)
            let record = try await principal.send(client, .get, "/api/v1/obligations/\(id)").json()
            let trail = (record["audit"] as? [[String: Any]]) ?? []
            #expect(trail.contains { $0["actor"] as? String == "d1.inspector" && $0["action"] as? String == "record.view" })
            #expect(trail.contains { $0["actor"] as? String == "d1.inspector" && $0["action"] as? String == "record.download" })
            let page = try await principal.send(client, .get, "/records/\(id)")
            #expect(page.text.contains("Phạm Thị Dung"), "the inspector's name is on the record page")
        }
        let actions = try await TestEnvironment.ownerRows(
            "SELECT action FROM audit_log WHERE subject = 'obligation:\(id)' ORDER BY seq", database: world.database.name).map { $0[0] ?? "" }
        #expect(actions.starts(with: ["record.submit", "record.approve", "record.approve", "record.lock"]), "\(actions)")

        let tenantID = try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM tenants WHERE code = 'demo'", database: world.database.name).flatMap { Int64($0) })
        let intact = try await verify(world, tenantID)
        #expect(intact.firstBroken == nil && intact.checked >= 6)
        let approveSeq = try #require(try await TestEnvironment.ownerValue(
            "SELECT min(seq)::text FROM audit_log WHERE action = 'record.approve'", database: world.database.name).flatMap { Int64($0) })
        try await TestEnvironment.ownerExecute("UPDATE audit_log SET actor_login = 's1.teacher' WHERE seq = \(approveSeq)", database: world.database.name)
        let broken = try await verify(world, tenantID)
        #expect(broken.firstBroken == approveSeq)
    }

    // MARK: - Pages

    func multipart(_ fields: [(String, String)], file: (name: String, bytes: [UInt8])?) -> (String, [UInt8]) {
        let boundary = "hoso-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    func postMultipart(_ client: any TestClientProtocol, _ browser: Browser, _ path: String, _ form: (String, [UInt8])) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: form.0]
        headers[.cookie] = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: form.1))
    }

    @Test func theFormsOfThePagesRunTheSameWorkflow() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let id = try await obligation(world, owner: "s1.teacher", period: 30)
        try await world.withApp { client in
            var teacher = Browser(), head = Browser(), admin = Browser()
            let t = try await teacher.signIn(client, "s1.teacher")
            let h = try await head.signIn(client, "s1.head")
            let a = try await admin.signIn(client, "s1.admin")

            let owe = try await teacher.send(client, .get, "/owe")
            #expect(owe.status == .ok && owe.text.contains("Hồ sơ tôi cần nộp"))
            let page = try await teacher.send(client, .get, "/records/\(id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("action=\"/records/\(id)/upload\""), "the owner gets the upload form")

            // The form's file part must come after a valid _csrf field.
            let pdf = Array(Self.pdf().utf8)
            let forged = try await postMultipart(client, teacher, "/records/\(id)/upload", multipart([], file: ("giáo án.pdf", pdf)))
            #expect(forged.status == .forbidden)
            let wrong = try await postMultipart(client, teacher, "/records/\(id)/upload", multipart([("_csrf", "x")], file: ("giáo án.pdf", pdf)))
            #expect(wrong.status == .forbidden)
            #expect(try await row(world, id)[0] == "open", "nothing was submitted by the refused forms")
            let sent = try await postMultipart(client, teacher, "/records/\(id)/upload", multipart([("_csrf", t)], file: ("giáo án.pdf", pdf)))
            #expect((300..<400).contains(sent.status.code), "\(sent.status) \(sent.text)")
            #expect(try await row(world, id)[0] == "awaiting")

            // The head finds it in the queue and approves it from the record page's form.
            let queue = try await head.send(client, .get, "/approvals")
            #expect(queue.status == .ok && queue.text.contains("/records/\(id)"))
            let headPage = try await head.send(client, .get, "/records/\(id)")
            #expect(headPage.text.contains("action=\"/records/\(id)/approve\""))
            #expect(!page.text.contains("action=\"/records/\(id)/approve\""), "the teacher had no approve form")
            let approved = try await head.send(client, .post, "/records/\(id)/approve", form: [("_csrf", h), ("step", "1")])
            #expect((300..<400).contains(approved.status.code), "\(approved.status) \(approved.text)")
            #expect(try await row(world, id)[3] == "principal")

            // Entry windows: the school administrator's page; a teacher may not set them.
            let windows = try await admin.send(client, .get, "/units/S01/windows")
            #expect(windows.status == .ok && windows.text.contains("Thời hạn nhập liệu"))
            let fields = [("record_type", "lesson_plan"), ("period_kind", "week"), ("period_number", "31"), ("open", "no"),
                          ("ordered_by", "Hiệu trưởng"), ("year", Self.year)]
            let setByTeacher = try await teacher.send(client, .post, "/units/S01/windows", form: [("_csrf", t)] + fields)
            #expect(setByTeacher.status == .forbidden)
            let set = try await admin.send(client, .post, "/units/S01/windows", form: [("_csrf", a)] + fields)
            #expect((300..<400).contains(set.status.code), "\(set.status) \(set.text)")
            let after = try await admin.send(client, .get, "/units/S01/windows?year=\(Self.year)")
            #expect(after.text.contains("Hiệu trưởng") && after.text.contains("Đang đóng"))
        }
    }
}
