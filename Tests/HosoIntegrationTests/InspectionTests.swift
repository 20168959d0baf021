import Crypto
import Foundation
import HosoCore
import HosoServer
import HosoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Command-line tools the checks of documents use (qpdf, poppler's pdftotext and pdftoppm).
enum Tool {
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        // Standard error apart: its lines would otherwise cut through multi-byte characters of the output.
        let file = try TestEnvironment.temporaryDirectory("tool") + "/out.txt"
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        _ = FileManager.default.createFile(atPath: file + ".err", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: file + ".err"))
        process.standardOutput = handle
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        try handle.close()
        try errors.close()
        let output = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return (process.terminationStatus, process.terminationStatus == 0 ? output : output + ((try? String(contentsOfFile: file + ".err", encoding: .utf8)) ?? ""))
    }

    /// The folder of things worth looking at after a run (PDFs, their pictures, spreadsheets).
    static var outputDirectory: String {
        get throws {
            let path = try TestEnvironment.repoDirectory + "/test-output"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return path
        }
    }

    /// Checks a PDF the way the issue asks: valid for qpdf, its text (pdftotext) holding each
    /// string exactly, code point for code point (NFC), and its first page saved as a PNG.
    static func checkPDF(_ bytes: [UInt8], name: String, contains strings: [String]) throws -> (text: String, pages: Int) {
        let directory = try outputDirectory
        let path = directory + "/\(name).pdf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let check = try run("qpdf", ["--check", path])
        #expect(check.status == 0, "qpdf --check \(name): \(check.output)")
        let pages = Int(try run("qpdf", ["--show-npages", path]).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let text = try run("pdftotext", ["-enc", "UTF-8", path, "-"]).output
        let scalars = Array(text.unicodeScalars)
        for string in strings {
            let wanted = Array(string.precomposedStringWithCanonicalMapping.unicodeScalars)
            let found = scalars.count >= wanted.count && (0...(scalars.count - wanted.count)).contains { start in
                scalars[start] == wanted[0] && Array(scalars[start..<(start + wanted.count)]) == wanted
            }
            #expect(found, "\(name).pdf holds \"\(string)\" (NFC)")
        }
        let picture = try run("pdftoppm", ["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", path, directory + "/\(name)-page1"])
        #expect(picture.status == 0, "\(picture.output)")
        #expect(FileManager.default.fileExists(atPath: directory + "/\(name)-page1.png"))
        return (text, pages)
    }
}

/// Inspections end to end on the real database and directory: planning with its refusals, a
/// checklist drawn from the obligations, findings and follow-ups with theirs, views of records
/// logged with the inspection, minutes as a valid PDF in Vietnamese stored with its hash, and
/// coverage on the way up.
@Suite struct InspectionTests {
    static let year = "2026-2027"

    func plan(_ browser: inout Browser, _ client: any TestClientProtocol, unit: String, _ body: String) async throws -> TestResponse {
        try await browser.send(client, .post, "/api/v1/units/\(unit)/inspections", json: body, headers: [HTTPField.Name("X-CSRF-Token")!: browser.csrf])
    }

    @Test func anInspectionFromPlanToClosedMinutes() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var officer = Browser(), inspector = Browser(), principal = Browser(), teacher = Browser()
            officer.csrf = try await officer.signIn(client, "d1.officer")
            inspector.csrf = try await inspector.signIn(client, "d1.inspector")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            // People become known to Hoso when they first sign in.
            var other = Browser()
            _ = try await other.signIn(client, "t1.principal")
            let period = #""from": "2026-09-01", "to": "2026-10-31", "recordTypes": ["lesson_plan"]"#

            // Refusals first: nothing of them is stored.
            let notInspector = try await plan(&officer, client, unit: "D01",
                #"{"kind": "periodic", "title": "Kiểm tra", "place": "Hồng Bàng", \#(period), "scope": ["S01"], "inspectors": ["s1.teacher"]}"#)
            #expect(notInspector.status == .badRequest && notInspector.errorCode == "inspection.member_not_inspector")
            #expect(notInspector.errorMessage?.contains("Đỗ Văn Minh") == true, "\(notInspector.text)")
            let byInspector = try await plan(&inspector, client, unit: "D01",
                #"{"kind": "surprise", "title": "Kiểm tra", "place": "Hồng Bàng", \#(period), "scope": ["S01"], "inspectors": ["d1.inspector"]}"#)
            #expect(byInspector.status == .forbidden && byInspector.errorCode == "inspection.not_allowed_planner")
            let outside = try await plan(&officer, client, unit: "D01",
                #"{"kind": "periodic", "title": "Kiểm tra", "place": "Hồng Bàng", \#(period), "scope": ["T01"], "inspectors": ["d1.inspector"]}"#)
            #expect(outside.status == .badRequest && outside.errorCode == "inspection.scope_outside")
            let otherTenantUnit = try await plan(&officer, client, unit: "D02",
                #"{"kind": "periodic", "title": "Kiểm tra", "place": "x", \#(period), "scope": ["S01"], "inspectors": ["d1.inspector"]}"#)
            #expect(otherTenantUnit.status == .notFound)
            let stored = try await TestEnvironment.ownerValue("SELECT count(*)::text FROM inspections", database: world.database.name)
            #expect(stored == "0")

            // The office plans; its dedicated audit account inspects.
            let planned = try await plan(&officer, client, unit: "D01",
                #"{"kind": "periodic", "title": "Kiểm tra hồ sơ giáo án học kỳ I", "symbol": "PGDĐT", "place": "Hồng Bàng", \#(period), "scope": ["S01"], "inspectors": ["d1.inspector"]}"#)
            #expect(planned.status == .created, "\(planned.text)")
            let id = try #require(try planned.json()["id"] as? Int)
            let base = "/api/v1/inspections/\(id)"
            let csrf = { (b: Browser) -> HTTPFields in [HTTPField.Name("X-CSRF-Token")!: b.csrf] }

            // Only a named inspector starts it; the checklist comes from the obligations in scope.
            let startByOfficer = try await officer.send(client, .post, base + "/start", headers: csrf(officer))
            #expect(startByOfficer.status == .forbidden && startByOfficer.errorCode == "inspection.not_inspector")
            #expect(try await inspector.send(client, .post, base + "/start", headers: csrf(inspector)).status == .ok)
            let items = try #require(try await inspector.send(client, .get, base + "/items").json()["items"] as? [[String: Any]])
            let expected = try await TestEnvironment.ownerValue("""
                SELECT count(*)::text FROM obligations o JOIN units u ON u.id = o.unit_id WHERE u.code = 'S01' AND NOT o.withdrawn
                  AND o.record_type = 'lesson_plan' AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN '2026-09-01' AND '2026-10-31'
                """, database: world.database.name)
            #expect(items.count > 0)
            #expect(String(items.count) == expected)
            let first = try #require(items.first?["id"] as? Int), obligation = try #require(items.first?["obligation"] as? Int)

            // An account without an inspector role cannot mark, find or follow up.
            let byPrincipal = try await principal.send(client, .put, base + "/items/\(first)", json: #"{"verdict": "compliant"}"#, headers: csrf(principal))
            #expect(byPrincipal.status == .forbidden && byPrincipal.errorCode == "inspection.not_inspector")
            #expect(try await teacher.send(client, .get, base).status == .notFound)

            // Viewing a record from the checklist is logged with the inspection and kept as evidence.
            #expect(try await inspector.send(client, .get, "/records/\(obligation)?inspection=\(id)").status == .ok)
            let logged = try await TestEnvironment.ownerValue("""
                SELECT count(*)::text FROM audit_log WHERE action = 'record.view' AND subject = 'obligation:\(obligation)' AND details LIKE '%"inspection":"\(id)"%'
                """, database: world.database.name)
            #expect(logged == "1")
            let viewed = try #require(try await inspector.send(client, .get, base + "/items").json()["items"] as? [[String: Any]])
            #expect(viewed.first { $0["obligation"] as? Int == obligation }?["viewedVersion"] == nil, "nothing submitted yet: no version to keep")

            // Evidence files on a line: a PDF is kept in the blob store; other types are refused.
            func attach(_ type: String, _ body: String) async throws -> TestResponse {
                var headers: HTTPFields = [HTTPField.Name("X-CSRF-Token")!: inspector.csrf, .contentType: type]
                headers[.cookie] = inspector.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
                return try await client.execute(uri: base + "/items/\(first)/attachments?filename=bi%C3%AAn-b%E1%BA%A3n.pdf", method: .post,
                                                headers: headers, body: ByteBuffer(string: body))
            }
            #expect(try await attach("application/pdf", "%PDF-1.4\n% scan of the paper register\n%%EOF\n").status == .created)
            let wrongType = try await attach("text/html", "<script>alert(1)</script>")
            #expect(wrongType.status == .badRequest && wrongType.errorCode == "upload.format_not_accepted")
            let disguised = try await attach("application/pdf", "<html>not a pdf</html>")
            #expect(disguised.status == .badRequest && disguised.errorCode == "upload.unrecognised")
            let attached = try #require(try await inspector.send(client, .get, base + "/items").json()["items"] as? [[String: Any]])
            #expect(attached.first { $0["id"] as? Int == first }?["attachments"] as? Int == 1)

            // Findings need a line; follow-ups need an owner.
            let noItem = try await inspector.send(client, .post, base + "/findings", json: #"{"severity": "violation", "text": "Thiếu chữ ký"}"#,
                                                  headers: csrf(inspector))
            #expect(noItem.status == .badRequest && noItem.errorCode == "inspection.finding_without_item")
            let long = String(repeating: "Giáo án tuần này chưa thể hiện đầy đủ mục tiêu, phương pháp và đánh giá theo Công văn 5512; ", count: 40)
                + "kết thúc phát hiện dài."
            let finding = try await inspector.send(client, .post, base + "/findings",
                                                   json: #"{"item": \#(first), "severity": "shortcoming", "text": "\#(long)"}"#, headers: csrf(inspector))
            #expect(finding.status == .created, "\(finding.text)")
            let findingID = try #require(try finding.json()["id"] as? Int)
            let due = VietnamTime.date(epochSeconds: Int64(Date().timeIntervalSince1970)).adding(days: 20).iso
            let noOwner = try await inspector.send(client, .post, base + "/follow-ups",
                                                   json: #"{"finding": \#(findingID), "due": "\#(due)", "action": "Bổ sung giáo án"}"#, headers: csrf(inspector))
            #expect(noOwner.status == .badRequest && noOwner.errorCode == "inspection.follow_up_without_owner")
            let outsider = try await inspector.send(client, .post, base + "/follow-ups",
                                                    json: #"{"finding": \#(findingID), "owner": "t1.principal", "due": "\#(due)", "action": "Bổ sung"}"#,
                                                    headers: csrf(inspector))
            #expect(outsider.status == .badRequest && outsider.errorCode == "inspection.owner_out_of_scope")
            let followUp = try await inspector.send(client, .post, base + "/follow-ups",
                                                    json: #"{"finding": \#(findingID), "owner": "s1.principal", "due": "\#(due)", "action": "Bổ sung giáo án còn thiếu và báo cáo Phòng"}"#,
                                                    headers: csrf(inspector))
            #expect(followUp.status == .created, "\(followUp.text)")

            // Concluding needs every line decided.
            let early = try await inspector.send(client, .post, base + "/conclude", json: #"{"conclusions": "Đạt yêu cầu."}"#, headers: csrf(inspector))
            #expect(early.status == .conflict && early.errorCode == "inspection.items_pending")
            for (index, item) in items.enumerated() {
                let verdict = index == 0 ? "non_compliant" : index % 7 == 3 ? "not_applicable" : "compliant"
                let marked = try await inspector.send(client, .put, base + "/items/\(item["id"] as? Int ?? 0)",
                                                      json: #"{"verdict": "\#(verdict)", "note": "Đã xem"}"#, headers: csrf(inspector))
                #expect(marked.status == .ok)
            }
            let concluded = try await inspector.send(client, .post, base + "/conclude",
                                                     json: #"{"conclusions": "Trường THCS Chu Văn An cơ bản thực hiện đúng quy định về giáo án điện tử.", "recommendations": "Hoàn thiện giáo án còn thiếu."}"#,
                                                     headers: csrf(inspector))
            #expect(concluded.status == .ok, "\(concluded.text)")
            let minutes = try #require((try concluded.json()["minutes"]) as? [String: Any])
            let number = try #require(minutes["number"] as? String)
            #expect(number == "01/BB-PGDĐT")

            // The minutes: stored with their hash, a valid PDF, the Vietnamese exactly.
            let pdf = try await principal.send(client, .get, base + "/minutes")
            #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf")
            let bytes = Array(buffer: pdf.body)
            let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            #expect(sha == minutes["sha256"] as? String)
            let (text, pages) = try Tool.checkPDF(bytes, name: "inspection-minutes", contains: [
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BIÊN BẢN", "Số: 01/BB-PGDĐT",
                "PHÒNG VĂN HÓA – XÃ HỘI", "Trường THCS Chu Văn An", "Phạm Thị Dung", "Vũ Thị Hạnh", "Thiếu sót",
                "Công văn 5512", "Bổ sung giáo án còn thiếu và báo cáo Phòng", "Nơi nhận:", "TRƯỞNG ĐOÀN KIỂM TRA",
            ])
            #expect(pages >= 2, "the long finding carries the table over to another page")
            // The long finding's last words made it to the page (over lines and pages).
            #expect(text.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("kết thúc phát hiện dài."))
            #expect(text.contains("Hồng Bàng, ngày"))
            // Immutable: the application role cannot change or remove minutes.
            #expect(try await TestEnvironment.ownerValue("""
                SELECT (has_table_privilege('hoso_app', 'inspection_minutes', 'UPDATE') OR has_table_privilege('hoso_app', 'inspection_minutes', 'DELETE'))::text
                """, database: world.database.name) == "false")

            // It closes once the follow-up is done (by its owner).
            let tooSoon = try await inspector.send(client, .post, base + "/close", headers: csrf(inspector))
            #expect(tooSoon.status == .conflict && tooSoon.errorCode == "inspection.follow_ups_open")
            let followUpID = try #require(try followUp.json()["id"] as? Int)
            let emptyNote = try await principal.send(client, .post, "/api/v1/follow-ups/\(followUpID)/done", json: #"{"note": " "}"#, headers: csrf(principal))
            #expect(emptyNote.status == .badRequest)
            #expect(try await principal.send(client, .post, "/api/v1/follow-ups/\(followUpID)/done", json: #"{"note": "Đã bổ sung"}"#,
                                             headers: csrf(principal)).status == .noContent)
            let closed = try await inspector.send(client, .post, base + "/close", headers: csrf(inspector))
            let closedState = try closed.json()["state"] as? String
            #expect(closed.status == .ok && closedState == "closed")

            // Coverage: the office's one school is planned and done.
            let coverage = try await officer.send(client, .get, "/api/v1/units/D01/inspection-coverage?year=\(Self.year)").json()
            let lines = try #require(coverage["units"] as? [[String: Any]])
            let school = try #require(lines.first { $0["unit"] as? String == "S01" })
            #expect(school["schools"] as? Int == 1 && school["planned"] as? Int == 1 && school["done"] as? Int == 1)
            let office = try #require(lines.first { $0["unit"] as? String == "D01" })
            #expect((office["schools"] as? Int ?? 0) > 1 && office["planned"] as? Int == 1 && office["done"] as? Int == 1)

            // The pages render for the team, the unit and the owner.
            let page = try await inspector.send(client, .get, "/inspections/\(id)")
            #expect(page.status == .ok && page.text.contains("01/BB-PGDĐT"))
            #expect(try await officer.send(client, .get, "/units/D01/inspections").text.contains("Kiểm tra hồ sơ giáo án học kỳ I"))
            // Planned versus done is on the office's dashboard too.
            let dashboard = try await officer.send(client, .get, "/units/D01/dashboard?year=\(Self.year)").text
            #expect(dashboard.contains("1 cuộc kiểm tra; 1/"), "the coverage line")
            #expect(try await principal.send(client, .get, "/inspections").text.contains("Bổ sung giáo án còn thiếu"))
        }
    }

    @Test func aPrincipalSelfInspectsWithTheSchoolsLeadership() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var principal = Browser(), teacher = Browser()
            principal.csrf = try await principal.signIn(client, "s1.principal")
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            for login in ["s1.vice", "d1.inspector"] {
                var other = Browser()
                _ = try await other.signIn(client, login)
            }
            let body = #"{"kind": "self", "title": "Tự kiểm tra sổ đầu bài", "place": "Hồng Bàng", "from": "2026-09-01", "to": "2026-09-30", "inspectors": ["s1.principal", "s1.vice"], "leader": "s1.vice"}"#
            let byTeacher = try await teacher.send(client, .post, "/api/v1/units/S01/inspections", json: body, headers: [HTTPField.Name("X-CSRF-Token")!: teacher.csrf])
            #expect(byTeacher.status == .forbidden && byTeacher.errorCode == "inspection.not_allowed_planner")
            let planned = try await principal.send(client, .post, "/api/v1/units/S01/inspections", json: body, headers: [HTTPField.Name("X-CSRF-Token")!: principal.csrf])
            #expect(planned.status == .created, "\(planned.text)")
            let json = try planned.json()
            #expect(json["kind"] as? String == "self" && (json["scope"] as? [String]) == ["S01"])
            // Its page (issuer and scope are the same unit) renders.
            let page = try await principal.send(client, .get, "/inspections/\(json["id"] as? Int ?? 0)")
            #expect(page.status == .ok && page.text.contains("Tự kiểm tra sổ đầu bài"))
            // A district inspector is not part of a school's self-inspection.
            let withInspector = try await principal.send(client, .post, "/api/v1/units/S01/inspections",
                json: #"{"kind": "self", "title": "x", "place": "y", "from": "2026-09-01", "to": "2026-09-30", "inspectors": ["d1.inspector"]}"#,
                headers: [HTTPField.Name("X-CSRF-Token")!: principal.csrf])
            #expect(withInspector.status == .badRequest && withInspector.errorCode == "inspection.member_not_inspector")
        }
    }

    @Test func aSchoolSeesOnlyItsOwnLinesAndNoSurpriseBeforeItStarts() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var officer = Browser(), inspector = Browser(), principal = Browser()
            officer.csrf = try await officer.signIn(client, "d1.officer")
            inspector.csrf = try await inspector.signIn(client, "d1.inspector")
            principal.csrf = try await principal.signIn(client, "s1.principal")
            func csrf(_ b: Browser) -> HTTPFields { [HTTPField.Name("X-CSRF-Token")!: b.csrf] }
            let body = { (kind: String) in
                #"{"kind": "\#(kind)", "title": "Kiểm tra \#(kind)", "place": "Hồng Bàng", "from": "2026-09-01", "to": "2027-01-31", "recordTypes": ["lesson_plan", "internal_inspection_records"], "scope": ["S01", "S03"], "inspectors": ["d1.inspector"]}"#
            }
            let surprise = try await officer.send(client, .post, "/api/v1/units/D01/inspections", json: body("surprise"), headers: csrf(officer))
            #expect(surprise.status == .created, "\(surprise.text)")
            let surpriseID = try #require(try surprise.json()["id"] as? Int)
            // Not started: the school neither lists it nor opens it.
            #expect(try await principal.send(client, .get, "/api/v1/inspections/\(surpriseID)").status == .notFound)
            let listed = try await principal.send(client, .get, "/api/v1/units/S01/inspections?year=\(Self.year)").json()
            #expect(((listed["items"] as? [[String: Any]]) ?? []).isEmpty)
            #expect(try await inspector.send(client, .post, "/api/v1/inspections/\(surpriseID)/start", headers: csrf(inspector)).status == .ok)
            // Started: the principal of S01 sees S01's lines only; the team sees both schools.
            let all = try #require(try await inspector.send(client, .get, "/api/v1/inspections/\(surpriseID)/items").json()["items"] as? [[String: Any]])
            let own = try #require(try await principal.send(client, .get, "/api/v1/inspections/\(surpriseID)/items").json()["items"] as? [[String: Any]])
            #expect(Set(all.compactMap { $0["unit"] as? String }) == ["S01", "S03"])
            #expect(!own.isEmpty && own.allSatisfy { $0["unit"] as? String == "S01" } && own.count < all.count)
            let page = try await principal.send(client, .get, "/inspections/\(surpriseID)")
            #expect(page.status == .ok && !page.text.contains("Lê Văn Tám</td>"))

            // The checklist filters by unit, verdict and type; each narrows to exactly its lines.
            let checklist = "/api/v1/inspections/\(surpriseID)/items"
            func lines(_ query: String) async throws -> [[String: Any]] {
                try #require(try await inspector.send(client, .get, checklist + query).json()["items"] as? [[String: Any]])
            }
            let s03 = try await lines("?unit=S03")
            #expect(s03.count == all.filter { $0["unit"] as? String == "S03" }.count && !s03.isEmpty)
            let plans = try await lines("?type=lesson_plan&unit=S01")
            #expect(!plans.isEmpty && plans.count == all.filter { $0["unit"] as? String == "S01" && $0["recordType"] as? String == "lesson_plan" }.count)
            #expect(try await lines("?verdict=compliant").isEmpty, "nothing is marked yet")
            #expect(try await lines("?verdict=pending").count == all.count)
            // Unknown values are refused, not ignored: a unit outside the scope, a verdict, a type.
            for (query, code) in [("?unit=S02", "list.unknown_unit"), ("?verdict=maybe", "list.unknown_verdict"),
                                  ("?type=NOPE", "dashboard.unknown_type"), ("?unit=%27%20OR%201%3D1", "list.unknown_unit")] {
                let refused = try await inspector.send(client, .get, checklist + query)
                #expect(refused.status == .badRequest && refused.errorCode == code, "\(query): \(refused.text.prefix(200))")
            }
            // The page: 200 lines a page with the count; a refused filter shows its error over the whole checklist.
            let filtered = try await inspector.send(client, .get, "/inspections/\(surpriseID)?unit=S03&type=lesson_plan")
            #expect(filtered.status == .ok)
            let s03Plans = all.filter { $0["unit"] as? String == "S03" && $0["recordType"] as? String == "lesson_plan" }.count
            #expect(filtered.text.contains(s03Plans == 0 ? "Không có hồ sơ nào" : "trong tổng số \(s03Plans)."), "the count of the filtered lines")
            #expect(filtered.text.contains("<option value=\"S03\" selected>"), "the filter is kept in the form")
            let wrong = try await inspector.send(client, .get, "/inspections/\(surpriseID)?verdict=maybe")
            #expect(wrong.status == .badRequest && wrong.text.contains("id=\"checklist-error\"") && wrong.text.contains("Không có kết luận"))
            let beyond = try await inspector.send(client, .get, "/inspections/\(surpriseID)?page=999")
            #expect(beyond.status == .ok && beyond.text.contains("Trang 999 không có hồ sơ nào"))
        }
    }
}
