import Foundation
import HosoCore
@testable import HosoStore
@testable import HosoServer
import Testing

@Suite struct LocaleTests {
    func flat(_ language: String) throws -> [String: String] {
        let path = try TestEnvironment.repoDirectory + "/web/locales/\(language).json"
        return try Localizer.flatten(json: try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func vietnameseAndEnglishHoldTheSameKeys() throws {
        let vi = try flat("vi"), en = try flat("en")
        #expect(!vi.isEmpty)
        #expect(Set(vi.keys).subtracting(en.keys).sorted() == [])
        #expect(Set(en.keys).subtracting(vi.keys).sorted() == [])
        #expect(vi.values.allSatisfy { !$0.isEmpty } && en.values.allSatisfy { !$0.isEmpty })
    }

    @Test func everyErrorCodeAndRoleHasAMessage() throws {
        let vi = try flat("vi")
        for role in Role.allCases { #expect(vi[role.messageKey] != nil, "\(role)") }
        for level in SchoolLevel.allCases { #expect(vi[level.messageKey] != nil, "\(level)") }
        // Every error code the sources raise has a message.
        let sources = try TestEnvironment.repoDirectory + "/Sources"
        let enumerator = FileManager.default.enumerator(atPath: sources)
        var codes: Set<String> = []
        while let file = enumerator?.nextObject() as? String {
            guard file.hasSuffix(".swift") else { continue }
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for match in text.matches(of: /HosoError\("([a-z_]+\.[a-z_.]+)"/) { codes.insert(String(match.1)) }
        }
        #expect(codes.count > 30)
        for code in codes.sorted() { #expect(vi["error." + code] != nil, "error.\(code) has no message") }
    }

    /// Every key a page, an e-mail or an export names literally (`{{t.…}}` in the templates,
    /// `t("…")` and `text("…")` in the sources), and every key made from an enumeration, is in both
    /// languages: a missing key fails here, not on a reader's screen.
    @Test func everyKeyThePagesMailsAndExportsNameExistsInBothLanguages() throws {
        let vi = try flat("vi"), en = try flat("en")
        let repo = try TestEnvironment.repoDirectory
        var keys: Set<String> = []
        for directory in ["/web/templates", "/Sources/HosoServer"] {
            let enumerator = FileManager.default.enumerator(atPath: repo + directory)
            while let file = enumerator?.nextObject() as? String {
                guard file.hasSuffix(".mustache") || file.hasSuffix(".swift") else { continue }
                // Comments name examples, not keys.
                let text = try String(contentsOfFile: repo + directory + "/" + file, encoding: .utf8)
                    .split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
                for match in text.matches(of: /\{\{[#^\/]?t\.([a-z_0-9]+(?:\.[a-z_0-9]+)+)\}\}/) { keys.insert(String(match.1)) }
                for match in text.matches(of: /\b(?:t|text)\("([a-z_0-9]+(?:\.[a-z_0-9]+)+)"/) { keys.insert(String(match.1)) }
            }
        }
        #expect(keys.count > 300, "the scan finds the keys (\(keys.count))")
        // Keys made from enumerations.
        for column in ComplianceColumn.allCases { keys.insert("dashboard.column." + column.rawValue) }
        for status in ObligationStatus.allCases { keys.insert(status.messageKey) }
        for order in ItemOrder.all { keys.insert("list.order.\(order.sort.rawValue)_\(order.descending ? "desc" : "asc")") }
        for verdict in Verdict.allCases { keys.insert(verdict.messageKey) }
        for key in ItemsController.headerKeys { keys.insert(key) }
        let missing = keys.filter { vi[$0] == nil || en[$0] == nil }.sorted()
        #expect(missing == [], "keys named but missing in a language: \(missing)")
    }
}
