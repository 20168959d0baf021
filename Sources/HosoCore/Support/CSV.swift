/// RFC 4180 CSV: fields separated by commas, quoted with `"` (doubled inside), records by CRLF or
/// LF. Each record keeps the line it started on so that a rejected row can be named.
public enum CSV {
    public struct Record: Sendable, Equatable {
        public let line: Int
        public let fields: [String]
    }

    public static func parse(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = scalars.next()
        if pending == "\u{FEFF}" { pending = scalars.next() }  // a spreadsheet's byte-order mark
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
        }
        while let scalar = pending {
            pending = scalars.next()
            if quoted {
                if scalar == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = scalars.next() } else { quoted = false; afterQuote = true }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty && !afterQuote:
                quoted = true
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r" where pending == "\n":
                continue
            case "\n", "\r":
                endRecord()
                afterQuote = false
                line += 1
                recordLine = line
            default:
                guard !afterQuote else { throw HosoError("csv.bad_quote", ["line": String(line)]) }
                field.unicodeScalars.append(scalar)
            }
        }
        guard !quoted else { throw HosoError("csv.unterminated_quote", ["line": String(recordLine)]) }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
