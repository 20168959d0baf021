import Foundation
import HosoCore
import HosoServer
import HosoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Periodic reports generated in the background: their numbers are the dashboard's for the same
/// filters, the spreadsheet opens in a reader with real numbers in the right cells, the CSV
/// carries a byte-order mark, the PDF is valid and in Vietnamese; bad requests are refused.
@Suite struct ReportTests {
    static let year = "2026-2027"

    func figures(_ json: Any?) -> ComplianceCounts {
        let f = json as? [String: Any] ?? [:]
        func n(_ key: String) -> Int { f[key] as? Int ?? -1 }
        return ComplianceCounts(vector: [n("expected"), n("onTime"), n("late1to3"), n("late4to7"), n("lateOver7"), n("missing"), n("notDue"),
                                         n("awaiting"), n("returned"), n("approved"), n("signed"), n("locked"), n("exempt")])
    }

    /// Asks for a report and waits for it (the page's own polling, through the API).
    func generate(_ browser: inout Browser, _ client: any TestClientProtocol, unit: String, _ body: String) async throws -> [UInt8] {
        let asked = try await browser.send(client, .post, "/api/v1/units/\(unit)/reports", json: body,
                                           headers: [HTTPField.Name("X-CSRF-Token")!: browser.csrf])
        #expect(asked.status == .accepted, "\(asked.text)")
        let id = try #require(try asked.json()["id"] as? Int)
        var state = ""
        for _ in 0..<300 {
            let job = try await browser.send(client, .get, "/api/v1/reports/\(id)").json()
            state = job["state"] as? String ?? ""
            if state == "done" || state == "failed" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(state == "done")
        // The progress page shows the download once done.
        #expect(try await browser.send(client, .get, "/reports/\(id)").text.contains("/reports/\(id)/download"))
        let content = try await browser.send(client, .get, "/api/v1/reports/\(id)/content")
        #expect(content.status == .ok)
        return Array(buffer: content.body)
    }

    @Test func aReportShowsTheDashboardsNumbersInEveryFormat() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var officer = Browser()
            officer.csrf = try await officer.signIn(client, "so.officer")
            let dashboard = try await officer.send(client, .get, "/api/v1/units/SO/compliance?year=\(Self.year)&semester=1").json()
            let total = figures(dashboard["total"])
            #expect(total.expected > 100)
            var expected: [String: ComplianceCounts] = ["SO": total]
            for child in (dashboard["children"] as? [[String: Any]]) ?? [] {
                expected[((child["unit"] as? [String: Any])?["code"] as? String) ?? ""] = figures(child["total"])
            }

            // XLSX: the unit and each child unit, numbers as number cells.
            let xlsx = try await generate(&officer, client, unit: "SO", #"{"format": "xlsx", "period": "semester", "semester": "1", "year": "\#(Self.year)"}"#)
            let path = try Tool.outputDirectory + "/report-SO-semester1.xlsx"
            try Data(xlsx).write(to: URL(fileURLWithPath: path))
            let read = try await Python.run("""
                import openpyxl, sys
                book = openpyxl.load_workbook(sys.argv[1])
                print("|".join(book.sheetnames))
                sheet = book["Theo đơn vị"]
                print(sheet.freeze_panes)
                for row in sheet.iter_rows(min_row=2, values_only=True):
                    if row[2] == "Tổng cộng":
                        print(row[0], row[3], row[4], row[7], row[8], row[9], row[10], type(row[3]).__name__, round(row[5] or 0, 4))
                """, arguments: [path])
            var lines = read.split(separator: "\n").map(String.init)
            #expect(lines.first == "Thông tin|Theo đơn vị|Theo loại hồ sơ|Quá hạn và muộn|Kiểm tra", "\(read)")
            #expect(lines.dropFirst().first == "A2")
            lines = Array(lines.dropFirst(2))
            #expect(lines.count == expected.count, "\(read)")
            for line in lines {
                let cells = line.split(separator: " ").map(String.init)
                let counts = try #require(expected[cells[0]], "\(cells[0]) is on the dashboard")
                #expect(Array(cells[1...6]) == [counts.expected, counts.submitted, counts.late, counts.missing, counts.awaiting, counts.locked].map(String.init),
                        "\(line)")
                #expect(cells[7] == "int")
                #expect(abs((Double(cells[8]) ?? -1) - (counts.completeness ?? 0)) < 0.0001, "\(line)")
            }

            // CSV: UTF-8 with a byte-order mark, the same first line of figures.
            let csv = try await generate(&officer, client, unit: "SO", #"{"format": "csv", "period": "semester", "semester": "1", "year": "\#(Self.year)"}"#)
            #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let rows = String(decoding: csv, as: UTF8.self).split(separator: "\r\n")
            #expect(rows.dropFirst().first?.hasPrefix("SO,") == true)
            #expect(rows.dropFirst().first?.split(separator: ",")[3] == Substring(String(total.expected)))

            // PDF: valid, Vietnamese, the total in the text.
            let pdf = try await generate(&officer, client, unit: "SO", #"{"format": "pdf", "period": "month", "month": "2026-10", "year": "\#(Self.year)", "place": "Hải Phòng"}"#)
            let (text, _) = try Tool.checkPDF(pdf, name: "report-SO-2026-10", contains: [
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO", "tháng 10/2026",
                "Phòng Văn hóa", "Tổng cộng", "Nơi nhận:", "NGƯỜI LẬP BÁO CÁO",
            ])
            #expect(text.contains("Hải Phòng, ngày"))

            // A report is its requester's: another exporter of the same unit does not get it.
            var inspector = Browser()
            inspector.csrf = try await inspector.signIn(client, "so.inspector")
            let jobs = try await TestEnvironment.ownerRows("SELECT id::text FROM report_jobs ORDER BY id", database: world.database.name)
            #expect(jobs.count == 3)
            for job in jobs {
                #expect(try await inspector.send(client, .get, "/api/v1/reports/\(job[0] ?? "")").status == .notFound)
                #expect(try await officer.send(client, .get, "/api/v1/reports/\(job[0] ?? "")").status == .ok)
            }
        }
    }

    @Test func badReportRequestsAreRefusedBeforeAnythingIsQueued() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        try await world.withApp { client in
            var officer = Browser(), teacher = Browser()
            officer.csrf = try await officer.signIn(client, "d2.officer")
            teacher.csrf = try await teacher.signIn(client, "s1.teacher")
            func ask(_ browser: inout Browser, _ unit: String, _ body: String) async throws -> TestResponse {
                try await browser.send(client, .post, "/api/v1/units/\(unit)/reports", json: body, headers: [HTTPField.Name("X-CSRF-Token")!: browser.csrf])
            }
            let outOfScope = try await ask(&officer, "D01", #"{"format": "pdf"}"#)
            #expect(outOfScope.status == .notFound && outOfScope.errorCode == "scope.not_found")
            let teacherAsks = try await ask(&teacher, "S01", #"{"format": "pdf"}"#)
            #expect(teacherAsks.status == .forbidden)
            let badPeriod = try await ask(&officer, "D02", #"{"format": "pdf", "period": "fortnight"}"#)
            #expect(badPeriod.status == .badRequest && badPeriod.errorCode == "report.bad_period")
            let outside = try await ask(&officer, "D02", #"{"format": "xlsx", "period": "custom", "from": "2030-01-01", "to": "2030-02-01", "year": "\#(Self.year)"}"#)
            #expect(outside.status == .badRequest && outside.errorCode == "report.period_outside_year")
            #expect(outside.errorMessage?.contains("năm học") == true)
            let badFormat = try await ask(&officer, "D02", #"{"format": "docx"}"#)
            #expect(badFormat.status == .badRequest && badFormat.errorCode == "report.unknown_format")
            #expect(try await TestEnvironment.ownerValue("SELECT count(*)::text FROM report_jobs", database: world.database.name) == "0")
            // A report that does not exist.
            #expect(try await officer.send(client, .get, "/api/v1/reports/1").status == .notFound)
        }
    }
}
