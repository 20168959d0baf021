import Foundation
import HosoCore
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
}
