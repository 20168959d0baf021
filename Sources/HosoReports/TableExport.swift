import Foundation
import ZIPFoundation

/// A cell of an exported table: text stays text (a school code "0123" keeps its zero), numbers
/// are real number cells, a ratio is a number shown as a percentage.
public enum ExportCell: Sendable, Equatable {
    case text(String)
    case integer(Int)
    case ratio(Double?)
}

/// CSV for spreadsheet users: UTF-8 with a byte-order mark (so that Excel reads Vietnamese
/// correctly), CRLF line ends, fields quoted when they need it (RFC 4180).
public enum CSVExport {
    public static let byteOrderMark = "\u{FEFF}"

    public static func line(_ cells: [ExportCell]) -> String {
        cells.map { cell -> String in
            switch cell {
            case .text(let text): return quoted(text)
            case .integer(let value): return String(value)
            case .ratio(let value): return value.map { String(format: "%.4f", $0) } ?? ""
            }
        }.joined(separator: ",") + "\r\n"
    }

    static func quoted(_ text: String) -> String {
        // A leading =, +, - or @ would be taken for a formula by a spreadsheet: keep it text.
        var value = text
        if let first = value.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) { value = "'" + value }
        let needsQuotes = value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        return needsQuotes ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}

/// An XLSX workbook (Office Open XML, SpreadsheetML) written row by row to temporary files and
/// zipped at the end, so that a sheet of any length is never held in memory. Strings are inline;
/// the first row of each sheet is a bold header, frozen.
public final class XLSXWorkbook {
    public final class Sheet {
        public let name: String
        let path: URL
        let handle: FileHandle
        var rows = 0
        var buffer = ""

        init(name: String, path: URL) throws {
            self.name = name
            self.path = path
            guard FileManager.default.createFile(atPath: path.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
            handle = try FileHandle(forWritingTo: path)
            buffer = """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
                <sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>\
                <sheetData>
                """
        }

        public func header(_ titles: [String]) throws { try row(titles.map(ExportCell.text), style: 1) }

        public func row(_ cells: [ExportCell]) throws { try row(cells, style: nil) }

        func row(_ cells: [ExportCell], style: Int?) throws {
            rows += 1
            var xml = "<row r=\"\(rows)\">"
            for (index, cell) in cells.enumerated() {
                let reference = XLSXWorkbook.column(index) + String(rows)
                let styleAttribute = style.map { " s=\"\($0)\"" } ?? ""
                switch cell {
                case .text(let text):
                    xml += "<c r=\"\(reference)\" t=\"inlineStr\"\(styleAttribute)><is><t xml:space=\"preserve\">\(XLSXWorkbook.escaped(text))</t></is></c>"
                case .integer(let value):
                    xml += "<c r=\"\(reference)\"\(styleAttribute)><v>\(value)</v></c>"
                case .ratio(let value):
                    if let value { xml += "<c r=\"\(reference)\" s=\"2\"><v>\(value)</v></c>" }
                }
            }
            buffer += xml + "</row>"
            if buffer.utf8.count > 64 * 1024 { try flush() }
        }

        func flush() throws {
            try handle.write(contentsOf: Data(buffer.utf8))
            buffer = ""
        }

        func close() throws {
            buffer += "</sheetData></worksheet>"
            try flush()
            try handle.close()
        }
    }

    let directory: URL
    public private(set) var sheets: [Sheet] = []

    /// - Parameter directory: an empty folder of the caller's for the temporary parts.
    public init(directory: URL) {
        self.directory = directory
    }

    public func addSheet(_ name: String) throws -> Sheet {
        // Sheet names: at most 31 characters, none of []:*?/\ .
        let cleaned = String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
        let sheet = try Sheet(name: cleaned.isEmpty ? "Sheet\(sheets.count + 1)" : cleaned,
                              path: directory.appendingPathComponent("sheet\(sheets.count + 1).xml"))
        sheets.append(sheet)
        return sheet
    }

    /// Closes the sheets and writes the workbook to `destination`.
    public func write(to destination: URL) throws {
        for sheet in sheets { try sheet.close() }
        let archive = try Archive(url: destination, accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let overrides = sheets.indices.map {
            "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }.joined()
        try add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            \(overrides)</Types>
            """)
        try add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """)
        let sheetList = sheets.enumerated().map { "<sheet name=\"\(Self.escaped($1.name))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined()
        try add("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\(sheetList)</sheets></workbook>
            """)
        let relationships = sheets.indices.map {
            "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>"
        }.joined()
        try add("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(relationships)\
            <Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """)
        // Style 0: plain; 1: bold header; 2: percentage with one decimal.
        try add("xl/styles.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>\
            <fonts count="2"><font><sz val="11"/><name val="Liberation Sans"/></font><font><b/><sz val="11"/><name val="Liberation Sans"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border/></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
            <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
            </styleSheet>
            """)
        for (index, sheet) in sheets.enumerated() {
            try archive.addEntry(with: "xl/worksheets/sheet\(index + 1).xml", fileURL: sheet.path, compressionMethod: .deflate)
        }
    }

    /// A, B, …, Z, AA, AB, …
    static func column(_ index: Int) -> String {
        var number = index + 1, name = ""
        while number > 0 {
            let remainder = (number - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            number = (number - 1) / 26
        }
        return name
    }

    /// XML text: the five entities, and characters XML 1.0 cannot carry dropped.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default:
                let value = scalar.value
                if value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value != 0xFFFE && value != 0xFFFF) {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
