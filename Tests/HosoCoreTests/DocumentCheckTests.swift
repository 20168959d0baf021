import HosoCore
import Testing

/// Uploaded files are recognised by their bytes, and their names refused when they could mislead.
@Suite struct DocumentCheckTests {
    /// What the upload path hands the sniffer: the first 4 KiB and the last 64 KiB.
    static func sniff(_ bytes: [UInt8]) -> FileFormat? {
        FileSniffer.detect(head: Array(bytes.prefix(4096)), tail: Array(bytes.suffix(65_536)))
    }

    static let contentTypes = Array("""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>
        """.utf8)

    static func docx(padding: Int = 0) -> [UInt8] {
        Zip.archive([("[Content_Types].xml", contentTypes), ("_rels/.rels", Array("<Relationships/>".utf8)),
                     ("word/media/image1.png", [UInt8](repeating: 0x41, count: padding)),
                     ("word/document.xml", Array("<w:document><w:body><w:p>Giáo án tuần 1</w:p></w:body></w:document>".utf8))])
    }

    static func openDocument(_ kind: String) -> [UInt8] {
        Zip.archive([("mimetype", Array("application/vnd.oasis.opendocument.\(kind)".utf8)),
                     ("content.xml", Array("<office:document-content/>".utf8)),
                     ("META-INF/manifest.xml", Array("<manifest:manifest/>".utf8))])
    }

    // MARK: - Content

    @Test func signaturesOfPDFAndImages() {
        #expect(Self.sniff(Array("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n%%EOF\n".utf8)) == .pdf)
        #expect(Self.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]) == .png)
        #expect(Self.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00]) == .jpeg)
    }

    @Test func officeDocumentsByTheirEntries() {
        #expect(Self.sniff(Self.docx()) == .docx)
        #expect(Self.sniff(Zip.archive([("[Content_Types].xml", Self.contentTypes), ("xl/workbook.xml", Array("<workbook/>".utf8)),
                                        ("xl/worksheets/sheet1.xml", Array("<worksheet/>".utf8))])) == .xlsx)
        #expect(Self.sniff(Self.openDocument("text")) == .odt)
        #expect(Self.sniff(Self.openDocument("spreadsheet")) == .ods)
    }

    @Test func aLargeDocumentIsFoundByTheCentralDirectoryInItsTail() {
        // 200 KiB of media before the central directory: only the tail holds the entry names.
        let bytes = Self.docx(padding: 200 * 1024)
        #expect(bytes.count > 65_536 + 4096)
        #expect(Self.sniff(bytes) == .docx)
        // Without the tail the names are not seen, whatever the head says.
        #expect(FileSniffer.detect(head: Array(bytes.prefix(4096)), tail: []) == nil)
    }

    @Test func otherZipsAreNotOfficeDocuments() {
        // A plain ZIP with a Word-looking entry but no [Content_Types].xml.
        #expect(Self.sniff(Zip.archive([("word/document.xml", Array("<w:document/>".utf8))])) == nil)
        // A PowerPoint file, a format no rule-set accepts.
        #expect(Self.sniff(Zip.archive([("[Content_Types].xml", Self.contentTypes), ("ppt/presentation.xml", Array("<p/>".utf8))])) == nil)
        // An OpenDocument presentation.
        #expect(Self.sniff(Self.openDocument("presentation")) == nil)
        // An ODT whose mimetype is not the first entry is not recognised by the first entry.
        #expect(Self.sniff(Zip.archive([("content.xml", Array("<x/>".utf8)),
                                        ("mimetype", Array("application/vnd.oasis.opendocument.text".utf8))])) == nil)
        // An empty archive.
        #expect(Self.sniff(Zip.archive([])) == nil)
    }

    @Test func textExecutablesAndTruncatedSignaturesAreRefused() {
        #expect(Self.sniff([]) == nil)
        #expect(Self.sniff(Array("Kế hoạch bài dạy tuần 1\nMục tiêu: ...\n".utf8)) == nil)
        #expect(Self.sniff(Array("<html><body>%PDF-1.4</body></html>".utf8)) == nil, "the signature must come first")
        #expect(Self.sniff([0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]) == nil, "a Windows executable")
        #expect(Self.sniff([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01]) == nil, "an ELF executable")
        #expect(Self.sniff(Array("GIF89a".utf8)) == nil)
        #expect(Self.sniff(Array("%PDF".utf8)) == nil)
        #expect(Self.sniff([0x89, 0x50, 0x4E, 0x47]) == nil)
        #expect(Self.sniff([0x50, 0x4B, 0x03]) == nil)
    }

    @Test func theNameDoesNotDecideTheFormat() throws {
        // A PDF uploaded as "giao-an.docx" is a PDF; a Word file uploaded as "giao-an.pdf" is a DOCX:
        // the sniffer sees only bytes, and the name is checked separately.
        let pdf = Array("%PDF-1.4\n".utf8)
        #expect(try DocumentName.check("giao-an.docx") == "giao-an.docx")
        #expect(Self.sniff(pdf) == .pdf)
        #expect(Self.sniff(Self.docx()) == .docx)
    }

    // MARK: - Names

    @Test(arguments: ["Kế hoạch bài dạy tuần 1.pdf", "Sổ đăng bộ 2025–2026 (bản chính).xlsx", "giáo_án-Toán 6A1.docx", "..pdf", "ảnh.JPG"])
    func vietnameseAndOrdinaryNamesAreAccepted(name: String) throws {
        #expect(try DocumentName.check(name) == name)
    }

    @Test func surroundingWhitespaceIsTrimmed() throws {
        #expect(try DocumentName.check("  Sổ chủ nhiệm.pdf \t") == "Sổ chủ nhiệm.pdf")
    }

    @Test(arguments: ["../x.pdf", "a/b.pdf", "a\\b.pdf", "/etc/passwd", "..\\..\\boot.ini", "x\u{0}.pdf", "x.pdf\u{0}.exe", "a\nb.pdf",
                      "a\u{1B}[31mb.pdf", "a\u{7F}.pdf", ".", ".."])
    func namesWithPathsOrControlCharactersAreRefused(name: String) {
        #expect(throws: HosoError.self) { try DocumentName.check(name) }
        do {
            _ = try DocumentName.check(name)
        } catch let error as HosoError {
            #expect(error.code == "upload.bad_filename")
            // The name shown back never carries the control character.
            #expect(error.parameters["name"]?.unicodeScalars.contains { $0.value < 0x20 } == false)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aNulByteIsNotEchoedBack() {
        #expect(throws: HosoError("upload.bad_filename", ["name": "x.pdf.exe"])) { try DocumentName.check("x.pdf\u{0}.exe") }
    }

    @Test(arguments: ["", "   ", "\t\n"])
    func anEmptyNameIsMissing(name: String) {
        #expect(throws: HosoError("upload.missing_filename")) { try DocumentName.check(name) }
    }

    @Test func aNameIsAtMost255Bytes() throws {
        let longest = String(repeating: "a", count: 251) + ".pdf"
        #expect(try DocumentName.check(longest) == longest)
        #expect(throws: HosoError.self) { try DocumentName.check("a" + longest) }
        // Vietnamese letters take 2 or 3 bytes: 100 of them are over the limit.
        let vietnamese = String(repeating: "ệ", count: 100) + ".pdf"
        #expect(vietnamese.count == 104)
        #expect {
            try DocumentName.check(vietnamese)
        } throws: { error in
            (error as? HosoError)?.code == "upload.bad_filename" && (error as? HosoError)?.parameters["name"]?.count == 40
        }
    }

    @Test func theNameIsReturnedAsGivenWithoutNormalising() throws {
        // The upload path normalises to NFC (HosoServer's `Normalize.nfc`) before the check; the
        // check itself keeps the scalars it was given.
        let decomposed = "Gia\u{0301}o a\u{0301}n.pdf"
        let checked = try DocumentName.check(decomposed)
        #expect(Array(checked.unicodeScalars) == Array(decomposed.unicodeScalars))
        #expect(checked.unicodeScalars.count == "Gi\u{E1}o \u{E1}n.pdf".unicodeScalars.count + 2)
    }

    @Test func c1ControlsAndBidiOverridesAreRefusedToo() {
        // U+0085 (NEXT LINE) and U+009B (CSI) are control characters like those below U+0020;
        // U+202E and U+2067 reorder what the reader sees ("invoice‮fdp.exe").
        for name in ["a\u{85}b.pdf", "a\u{9B}31mb.pdf", "invoice\u{202E}fdp.exe", "a\u{2067}b.pdf"] {
            #expect(throws: HosoError.self, "\(name.unicodeScalars.map { String($0.value, radix: 16) })") { try DocumentName.check(name) }
        }
        // Letters just past the C1 block are ordinary: "Giáo án ¼.pdf" is fine.
        #expect((try? DocumentName.check("Gi\u{E1}o \u{E1}n \u{BC}.pdf")) == "Gi\u{E1}o \u{E1}n \u{BC}.pdf")
    }
}

/// A minimal ZIP writer (stored entries, real CRC-32), enough to build the office files the sniffer reads.
enum Zip {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func archive(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> ($0 * 8) & 0xFF) } }
        var bytes: [UInt8] = []
        var directory: [UInt8] = []
        for (name, data) in entries {
            let offset = UInt32(bytes.count)
            let nameBytes = Array(name.utf8)
            let crc = crc32(data)
            // version 2.0, no flags, stored, 1980-01-01 00:00
            let common = le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count))
                + le16(nameBytes.count) + le16(0)
            bytes += le32(0x0403_4B50) + common + nameBytes + data
            directory += le32(0x0201_4B50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + nameBytes
        }
        let directoryOffset = UInt32(bytes.count)
        bytes += directory
        bytes += le32(0x0605_4B50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count) + le32(UInt32(directory.count))
            + le32(directoryOffset) + le16(0)
        return bytes
    }
}
