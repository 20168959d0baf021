/// Recognises a document by its content, never by its name: PDF and images by their signatures,
/// office documents by the ZIP entries they must contain (`word/`, `xl/`) or the OpenDocument
/// `mimetype` entry.
public enum FileSniffer {
    /// - Parameters:
    ///   - head: the first bytes of the file (at least 128 for OpenDocument).
    ///   - tail: the last bytes (up to 64 KiB: a ZIP's central directory lives there).
    public static func detect(head: [UInt8], tail: [UInt8]) -> FileFormat? {
        func starts(_ bytes: [UInt8]) -> Bool { head.count >= bytes.count && Array(head.prefix(bytes.count)) == bytes }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if isXML(head) { return .xml }
        guard starts([0x50, 0x4B, 0x03, 0x04]) else { return nil }
        // OpenDocument: the first entry is an uncompressed `mimetype` naming the kind.
        let odPrefix = Array("mimetypeapplication/vnd.oasis.opendocument.".utf8)
        if head.count >= 30 + odPrefix.count, Array(head[30..<(30 + odPrefix.count)]) == odPrefix {
            let rest = String(decoding: head[(30 + odPrefix.count)...].prefix(12), as: UTF8.self)
            if rest.hasPrefix("text") { return .odt }
            if rest.hasPrefix("spreadsheet") { return .ods }
            return nil
        }
        let names = centralDirectoryNames(tail)
        if names.contains("[Content_Types].xml") {
            if names.contains(where: { $0.hasPrefix("word/") }) { return .docx }
            if names.contains(where: { $0.hasPrefix("xl/") }) { return .xlsx }
        }
        return nil
    }

    /// XML text: an optional UTF-8 byte-order mark and white space, then the XML declaration `<?xml`.
    /// The declaration is required, so that HTML or any text that happens to open with `<` is not
    /// taken for XML. (UTF-16 is not recognised: the transcript check accepts UTF-8 only.)
    static func isXML(_ head: [UInt8]) -> Bool {
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        bytes = bytes.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        return bytes.starts(with: Array("<?xml".utf8))
    }

    /// The entry names of a ZIP's central directory found in `tail`.
    static func centralDirectoryNames(_ tail: [UInt8]) -> [String] {
        var names: [String] = []
        var index = 0
        while index + 46 <= tail.count {
            if tail[index] == 0x50, tail[index + 1] == 0x4B, tail[index + 2] == 0x01, tail[index + 3] == 0x02 {
                let nameLength = Int(tail[index + 28]) | Int(tail[index + 29]) << 8
                let start = index + 46
                if start + nameLength <= tail.count {
                    names.append(String(decoding: tail[start..<(start + nameLength)], as: UTF8.self))
                    index = start + nameLength
                    continue
                }
            }
            index += 1
        }
        return names
    }
}

/// Checks an uploaded file's name. The name is only shown and offered back on download, never
/// used as a path; still, a name with a path in it, a NUL or control character is refused, so
/// that nobody is misled. The caller normalises to NFC first.
public enum DocumentName {
    public static func check(_ name: String) throws -> String {
        let trimmed = Text.trimmed(name)
        guard !trimmed.isEmpty else { throw HosoError("upload.missing_filename") }
        guard trimmed.utf8.count <= 255 else { throw HosoError("upload.bad_filename", ["name": String(trimmed.prefix(40))]) }
        let forbidden = trimmed.unicodeScalars.contains { DocumentName.isForbidden($0) }
        guard !forbidden, trimmed != ".", trimmed != "..", !trimmed.hasPrefix("../") else {
            throw HosoError("upload.bad_filename", ["name": String(trimmed.unicodeScalars.filter { $0.value >= 0x20 }.prefix(40))])
        }
        return trimmed
    }

    /// C0 and C1 controls, DEL, path separators, and the bidirectional overrides and isolates
    /// that can make "invoice\u{202E}fdp.exe" read as "invoiceexe.pdf".
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return scalar == "/" || scalar == "\\"
        }
    }
}
