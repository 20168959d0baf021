import Foundation
import Hummingbird
import HosoCore

extension Request {
    /// Reads a JSON body of at most `limit` bytes into `T`; clear errors for the wrong media
    /// type, an oversized body or malformed JSON.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 16 * 1024) async throws -> T {
        guard headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw HosoError("request.unsupported_media_type")
        }
        var request = self
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch {
            throw HosoError("request.too_large")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch {
            throw HosoError("request.bad_json")
        }
    }

    /// Reads an url-encoded form body.
    func decodeForm(limit: Int = 16 * 1024) async throws -> FormFields {
        var request = self
        guard let body = try? await request.collectBody(upTo: limit) else { throw HosoError("request.too_large") }
        return FormFields(String(buffer: body))
    }
}

extension AppRequestContext {
    /// A path parameter, percent-decoded (Hummingbird hands them over encoded) and NFC-normalised.
    func pathParameter(_ name: String) throws -> String {
        guard let raw = parameters.get(name) else { throw HosoError("http.not_found") }
        return Normalize.nfc(raw.removingPercentEncoding ?? raw)
    }
}

/// JSON responses share one encoder configuration.
enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
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
