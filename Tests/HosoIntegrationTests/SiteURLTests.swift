import Foundation
import HosoCore
import Hummingbird
import Mustache
import Testing

@testable import HosoServer

/// The route table, the download headers, the one escaping point and the typed page frame.
@Suite struct SiteURLTests {
    @Test func pathsFillTheirRouteAndEncodeEachValue() {
        #expect(SiteURL.unitDashboard("S01").path == "/units/S01/dashboard")
        #expect(SiteURL.unitDashboard("S 01/x").path == "/units/S%2001%2Fx/dashboard")
        #expect(SiteURL.unitBookExport("S01", type: "ke_hoach").path == "/units/S01/books/ke_hoach/export.zip")
        #expect(SiteURL.inspectionItem(7, item: 9).path == "/inspections/7/items/9")
        #expect(SiteURL.apiReportContent(3).path == "/api/v1/reports/3/content")
        #expect(
            SiteURL.unitInspections("S01").path(query: [("year", "2025-2026")])
                == "/units/S01/inspections?year=2025-2026")
        #expect(SiteURL.home.path == "/")
    }

    @Test func everyRouteIsDistinct() {
        let patterns = SiteURL.Route.allCases.map(\.rawValue)
        #expect(Set(patterns).count == patterns.count)
        #expect(patterns.allSatisfy { $0.hasPrefix("/") })
    }

    @Test func downloadsNameTheirFileInASCIIAndUTF8() {
        #expect(Download.contentDisposition("hoso-S01.csv") == "attachment; filename=\"hoso-S01.csv\"")
        let vietnamese = Download.contentDisposition("báo cáo đợt 1.pdf")
        #expect(
            vietnamese
                == "attachment; filename=\"bao-cao-dot-1.pdf\"; filename*=UTF-8''b%C3%A1o%20c%C3%A1o%20%C4%91%E1%BB%A3t%201.pdf"
        )
        let headers = Download.headers(filename: "a.zip", .zip)
        #expect(headers[.contentType] == "application/zip")
        #expect(headers[.cacheControl] == "no-store")
        #expect(headers[.xContentTypeOptions] == "nosniff")
    }

    @Test func markupEscapesTextAndAttributes() {
        let row = TableRow.row([
            TableRow.header("<b>\"x\"</b>", href: "/a?b=1&c=2", note: "n'"), TableRow.cell("1", cssClass: "band-red"),
        ])
        #expect(
            row.html == "<tr><th scope=\"row\"><a href=\"/a?b=1&amp;c=2\">&lt;b&gt;&quot;x&quot;&lt;/b&gt;</a>"
                + " <small class=\"muted\">n&#39;</small></th><td class=\"band-red\">1</td></tr>")
    }

    struct Page: Sendable {
        struct Item: Sendable {
            let name: String
            let note: String?
        }
        let title: String
        let items: [Item]
        let missing: String?
        let count: Int
    }

    @Test func aTypedPageSeesTheFrameAndHidesItsNils() throws {
        // setup
        let template = try MustacheTemplate(
            string:
                "{{title}}|{{lang}}|{{t.x.y}}|{{#items}}{{name}}{{#note}}({{note}}){{/note}};{{/items}}|{{^missing}}none{{/missing}}|{{count}}"
        )
        let library = MustacheLibrary(templates: ["page": template])
        let frame = PageFrame(
            t: ["x": ["y": "Z"] as [String: any Sendable]], lang: "vi", title: "Frame",
            otherLanguage: .init(code: "en", label: "English", next: "/"), session: nil)
        let page = Page(
            title: "Page", items: [.init(name: "a", note: "n"), .init(name: "b", note: nil)], missing: nil, count: 0)
        // act
        let html = library.render(FramedPage(frame: frame, page: page), withTemplate: "page")
        // verify: the frame wins over a page field of the same name, as it always has
        #expect(html == "Frame|vi|Z|a(n);b;|none|0")
    }
}

extension SiteURLTests {
    /// Every route the server really registers is in the table (so links can be made from `SiteURL`
    /// for each), and every route of the table is served: read from the router itself.
    @Test func everyRegisteredPathIsInTheTable() async throws {
        // setup: the whole router, as the server builds it.
        let world = try await TestWorld.make(importing: [])
        let services = try await makeServices(configuration: world.configuration, logger: TestEnvironment.logger)
        // act
        let registered = Set(makeRouter(services: services).routes.map { "\($0.path)" })
        // verify
        let table = Set(SiteURL.Route.allCases.map { "\(RouterPath($0.rawValue))" })
        #expect(registered.count > 50, "\(registered.count) routes")
        #expect(registered.subtracting(table).isEmpty, "not in SiteURL.Route: \(registered.subtracting(table).sorted())")
        #expect(table.subtracting(registered).isEmpty, "in the table but not served: \(table.subtracting(registered).sorted())")
    }

    /// Inspection links come from the table: anchors, the record opened from an inspection, steps
    /// and where a follow-up form goes back to (never another site).
    @Test func inspectionLinksComeFromTheTable() {
        #expect(SiteURL.inspection(7).path(anchor: "findings") == "/inspections/7#findings")
        #expect(SiteURL.inspection(7).path(anchor: "") == "/inspections/7")
        #expect(SiteURL.record(12, inspection: 7) == "/records/12?inspection=7")
        #expect(SiteURL.inspectionStep(7, .conclude).path == "/inspections/7/conclude")
        #expect(SiteURL.followUpDone(3).path == "/follow-ups/3/done")
        #expect(SiteURL.apiInspectionMinutesManifest(7).path == "/api/v1/inspections/7/minutes/manifest")
        #expect(SiteURL.followUpBack("/inspections/7#follow-ups") == "/inspections/7#follow-ups")
        #expect(SiteURL.followUpBack("/inspections") == "/inspections")
        #expect(SiteURL.followUpBack("https://evil.example/inspections") == "/inspections")
        #expect(SiteURL.followUpBack("/inspections//evil.example") == "/inspections")
        #expect(SiteURL.followUpBack(nil) == "/inspections")
    }
}
