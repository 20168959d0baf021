/// What a person typed into the search box, made safe to search with: control characters dropped,
/// runs of blanks made one space, trimmed. The database folds it (NFC, no marks, đ as d, lower
/// case) the way it folds names, and escapes LIKE's own characters.
public struct SearchText: Sendable, Equatable {
    /// Longer than this is refused (`input.too_long`): no name is that long.
    public static let maxLength = 100
    /// Shorter than this finds nothing (too many names share one letter).
    public static let minLength = 2

    public let text: String

    /// Nil when there is nothing to search for (empty, or shorter than `minLength`).
    public static func parse(_ raw: String?) throws -> SearchText? {
        guard let raw else { return nil }
        // Checked before any work on it: a 10,000-character query costs nothing more than a short one.
        guard raw.unicodeScalars.count <= maxLength * 4 else { throw HosoError("input.too_long", ["field": "q", "max": String(maxLength)]) }
        let visible = String(String.UnicodeScalarView(raw.unicodeScalars.map { scalar in
            scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) ? " " : scalar
        }))
        let text = visible.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard text.count <= maxLength else { throw HosoError("input.too_long", ["field": "q", "max": String(maxLength)]) }
        return text.count < minLength ? nil : SearchText(text: text)
    }
}
