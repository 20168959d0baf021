import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The `ETag` of a cached view: the unit's change counter and a digest of everything else the
/// response depends on (its variant, and for a page the frame: who is signed in, their CSRF token).
/// A browser that sends it back in `If-None-Match` gets 304 while the counter has not moved.
struct ViewTag: Sendable, Equatable {
    let value: String

    init(counter: Int64, _ parts: [String]) {
        var digest = SHA256()
        for part in parts {
            digest.update(data: Data(part.utf8))
            digest.update(data: Data([0]))
        }
        let hex = digest.finalize().prefix(12).map { String(format: "%02x", $0) }.joined()
        value = "W/\"\(counter)-\(hex)\""
    }

    /// Whether the request's `If-None-Match` names this tag (weak comparison, as for GET).
    func isMatched(by request: Request) -> Bool {
        guard let header = request.headers[.ifNoneMatch] else { return false }
        func opaque(_ tag: Substring) -> Substring {
            let trimmed = tag.drop { $0 == " " }
            return trimmed.hasPrefix("W/") ? trimmed.dropFirst(2) : trimmed
        }
        let mine = opaque(value[...])
        return header.split(separator: ",").contains { opaque($0.trimmingCharacters(in: .whitespaces)[...]) == mine || $0.trimmingCharacters(in: .whitespaces) == "*" }
    }

    /// The headers every answer of a cached view carries: the tag, and for the API "ask again every
    /// time". A page stays `no-store` like every signed-in page (a shared school computer keeps no
    /// copy after sign-out); a client that sends the tag back still gets 304.
    func apply(to headers: inout HTTPFields, page: Bool) {
        headers[.eTag] = value
        headers[.cacheControl] = page ? "no-store" : "private, no-cache"
    }

    func notModified(page: Bool) -> Response {
        var headers = HTTPFields()
        apply(to: &headers, page: page)
        return Response(status: .notModified, headers: headers)
    }
}
