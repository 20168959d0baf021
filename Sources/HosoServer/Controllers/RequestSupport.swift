import Foundation
import Hummingbird
import HosoCore

extension Request {
    /// Reads a JSON body of at most `limit` bytes into `T`; clear errors for the wrong media
    /// type, an oversized body or malformed JSON.
    /// A text containing NUL is refused (`input.nul`) before `T` sees it.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 16 * 1024) async throws -> T {
        guard headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw HosoError("request.unsupported_media_type")
        }
        var request = self
        let data = Data(buffer: try await request.collectBody(limited: limit))
        let scan: TextInput.JSONScan
        do {
            scan = try JSONDecoder().decode(TextInput.JSONScan.self, from: data)
        } catch {
            throw HosoError("request.bad_json")
        }
        if scan.hasNUL { throw HosoError(TextInput.nulCode) }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw HosoError("request.bad_json")
        }
    }

    /// Reads an url-encoded form body; a field containing NUL is refused (`input.nul`).
    func decodeForm(limit: Int = 16 * 1024) async throws -> FormFields {
        var request = self
        let form = FormFields(String(buffer: try await request.collectBody(limited: limit)))
        if form.hasNUL { throw HosoError(TextInput.nulCode) }
        return form
    }

    /// The body, at most `limit` bytes: a bigger one is `request.too_large` (413), whether its
    /// `Content-Length` says so up front (nothing is read then) or it streams past the limit.
    mutating func collectBody(limited limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw HosoError("request.too_large")
        }
        do {
            return try await collectBody(upTo: limit)
        } catch {
            throw HosoError("request.too_large")
        }
    }
}

/// NUL (U+0000) in text: PostgreSQL cannot store it in `text`, and nobody types it. Every text
/// input passes through here before anything reaches the database: the path and query
/// (`TextInputMiddleware`), JSON bodies (`decodeJSON`), url-encoded forms (`decodeForm`) and the
/// fields of multipart forms (`Uploads`), refused with one code, 400 `input.nul`.
enum TextInput {
    static let nulCode = "input.nul"

    /// Fields whose own check already refuses every control character with a code of its own,
    /// which they keep: a password (never stored; `signin.bad_password`) and an upload's file name
    /// (`upload.bad_filename`).
    static let ownCheck: Set<String> = ["password", "filename"]

    /// A percent-encoded text (a path, a query name or value) that holds NUL, raw or as `%00`.
    /// In percent-encoding `%` always starts an escape, so `%00` is always an encoded NUL.
    static func hasNUL(percentEncoded text: Substring) -> Bool {
        let escape = (UInt8(ascii: "%"), UInt8(ascii: "0"))
        var previous: (UInt8, UInt8) = (0xFF, 0xFF)
        for byte in text.utf8 {
            if byte == 0 || (previous == escape && byte == UInt8(ascii: "0")) { return true }
            previous = (previous.1, byte)
        }
        return false
    }

    /// The request target: the path, then each query name and value (but `ownCheck` values).
    static func targetHasNUL(path: String, query: String?) -> Bool {
        if hasNUL(percentEncoded: path[...]) { return true }
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if hasNUL(percentEncoded: parts[0]) { return true }
            if parts.count > 1, !ownCheck.contains(String(parts[0])), hasNUL(percentEncoded: parts[1]) { return true }
        }
        return false
    }

    static func hasNUL(_ text: String) -> Bool { text.utf8.contains(0) }

    /// Reads any JSON and says whether a key or a string value (but `ownCheck` ones) holds NUL.
    struct JSONScan: Decodable {
        let hasNUL: Bool

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            if let object = try? decoder.container(keyedBy: Key.self) {
                hasNUL = try object.allKeys.contains { key in
                    if TextInput.hasNUL(key.stringValue) { return true }
                    if TextInput.ownCheck.contains(key.stringValue) { return false }
                    return try object.decode(JSONScan.self, forKey: key).hasNUL
                }
            } else if var list = try? decoder.unkeyedContainer() {
                var found = false
                while !list.isAtEnd {
                    if try list.decode(JSONScan.self).hasNUL { found = true }
                }
                hasNUL = found
            } else if let text = try? decoder.singleValueContainer().decode(String.self) {
                hasNUL = TextInput.hasNUL(text)
            } else {
                hasNUL = false
            }
        }
    }
}

extension RequestContext {
    /// A positive numeric path parameter; anything else names nothing, answered as `notFound`
    /// (an id that cannot exist is a thing that does not).
    func positiveID(_ name: String = "id", notFound: String) throws -> Int64 {
        guard let raw = parameters.get(name), let value = Int64(raw), value > 0 else { throw HosoError(notFound) }
        return value
    }

    /// A path parameter, percent-decoded (Hummingbird hands them over encoded) and NFC-normalised.
    func pathParameter(_ name: String) throws -> String {
        guard let raw = parameters.get(name) else { throw HosoError("http.not_found") }
        return Normalize.nfc(raw.removingPercentEncoding ?? raw)
    }
}

/// JSON responses share one encoder configuration.
enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        make(bytes: try encode(value), status: status)
    }

    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Encoded JSON; with a tag, a cached view's (revalidated by `If-None-Match`), else never stored.
    static func make(bytes: Data, status: HTTPResponse.Status = .ok, tag: ViewTag? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        tag?.apply(to: &headers, page: false)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

enum SessionCookie {
    static func make(_ token: String, secure: Bool) -> Cookie {
        Cookie(name: SessionMiddleware.cookieName, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    static func clear(secure: Bool) -> Cookie {
        Cookie(name: SessionMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }
}
