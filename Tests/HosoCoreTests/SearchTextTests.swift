import HosoCore
import Testing

/// What the search box accepts: blanks and control characters tidied, too short finds nothing, too
/// long is refused before any work.
@Suite struct SearchTextTests {
    @Test func blanksAndControlCharactersAreTidied() throws {
        #expect(try SearchText.parse("  chu \t van\n an  ")?.text == "chu van an")
        #expect(try SearchText.parse("chu\u{0}van")?.text == "chu van", "NUL never reaches the database")
        #expect(try SearchText.parse("%_\\")?.text == "%_\\", "LIKE's characters are kept: the database escapes them")
    }

    @Test func tooShortFindsNothingAndTooLongIsRefused() throws {
        #expect(try SearchText.parse(nil) == nil)
        #expect(try SearchText.parse("") == nil)
        #expect(try SearchText.parse("   ") == nil)
        #expect(try SearchText.parse("a") == nil)
        #expect(try SearchText.parse("ab")?.text == "ab")
        #expect(try SearchText.parse(String(repeating: "ă", count: 100))?.text.count == 100)
        for long in [String(repeating: "a", count: 101), String(repeating: "x", count: 10_000)] {
            #expect(throws: HosoError("input.too_long", ["field": "q", "max": "100"])) { try SearchText.parse(long) }
        }
        // Decomposed input (a base letter and its combining marks) counts as the letters it shows.
        let decomposed = String(repeating: "a\u{0306}\u{0301}", count: 100)
        #expect(try SearchText.parse(decomposed)?.text.count == 100)
    }
}
