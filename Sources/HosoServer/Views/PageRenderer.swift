import Foundation
import Hummingbird
import HosoCore
import Mustache

/// Renders the Mustache pages of `web/templates` with the strings of the request's language and
/// the frame every page shares (who is signed in, the language switch, the CSRF token).
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let localizer: Localizer

    public init(templateDirectory: String, localizer: Localizer) async throws {
        self.library = try await MustacheLibrary(directory: templateDirectory)
        self.localizer = localizer
        for name in ["signin", "home", "unit", "people", "error"] where library.getTemplate(named: name) == nil {
            throw ConfigurationError(problems: ["template \(name).mustache is missing from \(templateDirectory)"])
        }
    }

    func render(
        _ template: String, _ values: [String: Any], context: AppRequestContext, request: Request,
        status: HTTPResponse.Status = .ok, title: String
    ) -> Response {
        var page = values
        let language = context.language
        page["t"] = localizer.strings(language) as [String: Any]
        page["lang"] = language.rawValue
        page["title"] = title
        page["otherLanguage"] = [
            "code": language == .vi ? "en" : "vi",
            "label": language == .vi ? "English" : "Tiếng Việt",
            "next": Self.percentEncoded(request.uri.path),
        ]
        if let session = context.session {
            page["session"] = [
                "displayName": session.actor.displayName,
                "login": session.actor.login,
                "csrf": session.csrfToken,
                "tenant": session.tenantCode,
            ]
        }
        let html = library.render(page, withTemplate: template) ?? ""
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func percentEncoded(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_.~"))) ?? "/"
    }
}
