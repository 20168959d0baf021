/// An e-mail as the outbox keeps it and as SMTP carries it (RFC 5322, MIME): plain text and simple
/// HTML as alternatives, UTF-8. Every header value that is not plain printable ASCII is an encoded
/// word (RFC 2047, base64), so no CR or LF in a person's name or a record's title can ever reach a
/// header line; addresses are checked before anything is queued (`MailAddress`).
public struct MailMessage: Sendable, Equatable {
    public let from: MailAddress
    public let to: MailAddress
    public let subject: String
    public let text: String
    public let html: String
    /// Stable for the outbox row (`<outbox-…@…>`): a message sent again after a crash is the same message.
    public let messageID: String
    /// RFC 5322 date, e.g. `Mon, 07 Dec 2026 09:00:00 +0700`.
    public let date: String
    /// Extra headers (name, value), e.g. `List-Unsubscribe`; values are encoded like the subject.
    public let headers: [(String, String)]

    public init(from: MailAddress, to: MailAddress, subject: String, text: String, html: String, messageID: String, date: String,
                headers: [(String, String)] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
        self.headers = headers
    }

    public static func == (a: MailMessage, b: MailMessage) -> Bool {
        a.from == b.from && a.to == b.to && a.subject == b.subject && a.text == b.text && a.html == b.html
            && a.messageID == b.messageID && a.date == b.date && a.headers.map { "\($0.0):\($0.1)" } == b.headers.map { "\($0.0):\($0.1)" }
    }

    /// The message's bytes with CRLF line ends (what SMTP's DATA sends).
    public func rendered(boundary: String) -> [UInt8] {
        var lines: [String] = [
            "From: " + from.header,
            "To: " + to.header,
            "Subject: " + Self.headerValue(subject),
            "Date: " + date,
            "Message-ID: " + messageID.filter { $0 != "\r" && $0 != "\n" },
            "MIME-Version: 1.0",
        ]
        for (name, value) in headers where name.allSatisfy({ $0.isLetter || $0 == "-" }) {
            lines.append(name + ": " + Self.headerValue(value))
        }
        lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--" + boundary)
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            lines.append(contentsOf: Base64.lines(Array(body.utf8)))
        }
        lines.append("--" + boundary + "--")
        lines.append("")
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// A header value as is when it is short printable ASCII, else as encoded words.
    static func headerValue(_ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } && !value.contains("=?")
        if plain && value.utf8.count <= 70 { return value }
        // Encoded words of at most 45 bytes of UTF-8 each (60 base64 characters), never splitting a character.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in value where character != "\r" && character != "\n" {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=") }
        return words.joined(separator: "\r\n ")
    }
}

/// A mailbox: an address checked once (no spaces, no angle brackets, no CR or LF, one `@`, a dotted
/// domain) and a display name that is encoded whatever it holds.
public struct MailAddress: Sendable, Equatable {
    public let address: String
    public let name: String

    /// Nil when the address is missing or malformed (such people are skipped and listed for the administrator).
    public init?(_ address: String, name: String = "") {
        let trimmed = address.trimmingWhitespace
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard trimmed.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
              parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains(".."),
              trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && !"<>()[]\\,;:\"".unicodeScalars.contains($0) })
        else { return nil }
        self.address = trimmed
        self.name = name
    }

    /// `"Name" <address>` with the name as encoded words, or the bare address.
    var header: String {
        name.isEmpty ? "<\(address)>" : "=?UTF-8?B?" + Base64.encode(Array(name.filter { $0 != "\r" && $0 != "\n" }.utf8)) + "?= <\(address)>"
    }
}

extension String {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

/// Standard base64 (RFC 4648), and MIME's body lines of 76 characters.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index], b1 = index + 1 < bytes.count ? bytes[index + 1] : 0, b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Array(encode(bytes))
        return stride(from: 0, to: encoded.count, by: 76).map { String(encoded[$0..<min($0 + 76, encoded.count)]) }
    }
}
