/// Text hygiene shared by every input path. Unicode NFC normalisation needs the platform's
/// tables and is done by the adapters (see `HosoServer`'s `Normalize`).
public enum Text {
    public static func trimmed(_ value: String) -> String {
        var scalars = Substring(value)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
