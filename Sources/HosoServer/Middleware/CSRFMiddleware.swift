import Foundation
import Hummingbird
import HosoCore

/// Unsafe requests that carry a session need its CSRF token: the `X-CSRF-Token` header (API) or a
/// `_csrf` field (HTML forms). Compared in constant time.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let formField = "_csrf"
    /// Forms here are small (the largest: an inspection's conclusions, 2 × 8,000 characters of
    /// percent-encoded Vietnamese); anything bigger is refused before it is read.
    static let maxFormBytes = 256 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method), let session = context.session else {
            return try await next(request, context)
        }
        var request = request
        var presented = request.headers[.xCSRFToken]
        // A file upload form is checked by its handler, which reads `_csrf` from the multipart body
        // before it accepts any byte of the file. No other route takes multipart bodies.
        if presented == nil, request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true {
            guard Self.isUploadForm(request.uri.path) else { throw HosoError("csrf.missing") }
            return try await next(request, context)
        }
        if presented == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            // Over the limit is 413 `request.too_large` here, before any token is looked for.
            let body = try await request.collectBody(limited: Self.maxFormBytes)
            presented = FormFields(String(buffer: body))[Self.formField]
        }
        guard let presented, !presented.isEmpty else { throw HosoError("csrf.missing") }
        guard Self.constantTimeEquals(presented, session.csrfToken) else { throw HosoError("csrf.invalid") }
        return try await next(request, context)
    }

    /// `/records/<id>/upload`.
    static func isUploadForm(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[1] == "records" && Int64(parts[2]) != nil
            && (parts[3] == "upload" || parts[3] == "paper-copies")
    }

    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// `application/x-www-form-urlencoded` fields (the first value of each name).
struct FormFields {
    private var values: [String: String] = [:]
    private var lists: [String: [String]] = [:]

    init(_ body: String) {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if values[name] == nil { values[name] = value }
            lists[name, default: []].append(value)
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// Every value of a field that appears several times (checkboxes of one name).
    func all(_ name: String) -> [String] { lists[name] ?? [] }

    /// The fields as a dictionary (first value of each).
    var dictionary: [String: String] { values }

    /// A name or a value (but `TextInput.ownCheck` ones) holds NUL (`%00`).
    var hasNUL: Bool {
        lists.contains { name, values in
            TextInput.hasNUL(name) || (!TextInput.ownCheck.contains(name) && values.contains(where: TextInput.hasNUL))
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
