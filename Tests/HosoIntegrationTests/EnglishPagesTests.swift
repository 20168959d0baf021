import Foundation
import HosoCore
import HosoServer
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// The English portal is English: every page each demo role opens, switched to English, holds no
/// Vietnamese outside names (people's and units' names, which stay as they are written, and the
/// language switch's own "Tiếng Việt").
@Suite struct EnglishPagesTests {
    /// Letters only Vietnamese uses (English text never has them).
    static let vietnamese = Set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĂÂĐÊÔƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ")

    /// The page's visible text: tags, comments and entities out, and what is marked as Vietnamese
    /// on purpose (`<span lang="vi">`, an example a screen reader reads in Vietnamese).
    static func visibleText(_ html: String) -> String {
        var text = html.replacing(/<!--[\s\S]*?-->/, with: " ")
        text = text.replacing(/<span lang="vi">[^<]*<\/span>/, with: " ")
        text = text.replacing(/<(script|style)[\s\S]*?<\/\1>/, with: " ")
        text = text.replacing(/<[^>]*>/, with: " ")
        for (entity, character) in [("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text
    }

    @Test func englishPagesHoldNoVietnameseOutsideNames() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: ["2026-2027"])
        let db = world.database.name
        let pages: [(String, [String])] = [
            ("so.officer", ["/", "/units/SO", "/units/SO/dashboard?year=2026-2027", "/units/D01/dashboard?year=2026-2027", "/inspections",
                            "/search?q=chu+van+an", "/settings/notifications"]),
            ("s1.principal", ["/units/S01/dashboard?year=2026-2027", "/approvals", "/units/S01/people", "/units/S01/items?year=2026-2027",
                              "/units/S01/items?year=2026-2027&sort=owner&page=2", "/units/S01/items?sort=size"]),
            ("s1.teacher", ["/owe", "/owe?past=1", "/owe/items?year=2026-2027&sort=-due"]),
        ]
        try await world.withApp { client in
            var browsers: [String: Browser] = [:]
            for (login, _) in pages {
                var browser = Browser()
                _ = try await browser.signIn(client, login)
                _ = try await browser.send(client, .get, "/lang/en?next=/")
                browsers[login] = browser
            }
            // People's names stay as written (read once everyone has signed in); units, tenants and
            // groups have English names, which the English page must use.
            let names = try await TestEnvironment.ownerRows("""
                SELECT display_name FROM users
                """, database: db).compactMap { $0[0] }.sorted { $0.count > $1.count }
            for (login, paths) in pages {
                var browser = try #require(browsers[login])
                for path in paths {
                    let page = try await browser.send(client, .get, path)
                    // A refused filter is the page again, its error in English (400).
                    let refused = path.contains("sort=size")
                    #expect(page.status == (refused ? .badRequest : .ok), "\(login) \(path): \(page.status)")
                    if refused { #expect(page.text.contains("There is no sort order"), "\(path)") }
                    #expect(page.text.contains("<html lang=\"en\">"), "\(path) is the English page")
                    var text = Self.visibleText(page.text)
                    for name in names + ["Tiếng Việt"] { text = text.replacingOccurrences(of: name, with: " ") }
                    let words = text.split(whereSeparator: { $0.isWhitespace || $0.isPunctuation })
                        .filter { $0.contains(where: { Self.vietnamese.contains($0) }) }
                    #expect(words.isEmpty, "\(login) \(path): Vietnamese in the English page: \(Set(words).sorted().prefix(20))")
                }
            }
        }
    }
}
