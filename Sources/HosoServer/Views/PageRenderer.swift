import Foundation
import HosoCore
import Hummingbird
import Mustache

/// Renders the Mustache pages of `web/templates` with the strings of the request's language and
/// the frame every page shares (who is signed in, the language switch, the CSRF token).
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let localizer: Localizer

    /// Loads the templates and checks, before the server takes a request, that every template the
    /// code renders is there and that every locale key each one names exists in every language:
    /// a page must never come out blank or with a raw key in it.
    public init(templateDirectory: String, localizer: Localizer) async throws {
        self.library = try await MustacheLibrary(directory: templateDirectory)
        self.localizer = localizer
        var problems: [String] = []
        for template in Template.allCases {
            let file = "\(templateDirectory)/\(template.rawValue).mustache"
            guard library.getTemplate(named: template.rawValue) != nil,
                let text = try? String(contentsOfFile: file, encoding: .utf8)
            else {
                problems.append("template \(template.rawValue).mustache is missing from \(templateDirectory)")
                continue
            }
            for key in Self.localeKeys(in: text) {
                for language in Language.allCases where !localizer.has(key, language) {
                    problems.append(
                        "template \(template.rawValue).mustache uses t.\(key), missing from \(language.rawValue).json")
                }
            }
        }
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }

    /// The locale keys a template names: `{{t.some.key}}`, `{{#t.some.key}}`, `{{{t.some.key}}}`, ...
    static func localeKeys(in text: String) -> Set<String> {
        Set(text.matches(of: /\{\{[{&#^\/]?\s*t\.([A-Za-z0-9_.]+?)\s*\}/).map { String($0.1) })
    }

    /// A page: its typed model and the shared frame, both visible to the template at the top level.
    /// Every `Template` was checked at start-up; a render that still fails (a template edited away
    /// under a running server) is answered as the bug it is (500), never as a blank 200.
    func render<Page: Sendable>(
        _ template: Template, _ page: Page, context: some PageContext, request: Request,
        status: HTTPResponse.Status = .ok, title: String
    ) -> Response {
        let frame = frame(context: context, request: request, title: title)
        guard let html = library.render(FramedPage(frame: frame, page: page), withTemplate: template.rawValue) else {
            context.logger.error("template did not render", metadata: ["template": "\(template.rawValue)"])
            // Plain, since the page that would say it is what is missing.
            let message = Markup("p", text: localizer.text("error.internal", context.language)).html
            return Self.html("<!doctype html>\n" + message, status: .internalServerError)
        }
        return Self.html(html, status: status)
    }

    func frame(context: some PageContext, request: Request, title: String) -> PageFrame {
        let language = context.language
        return PageFrame(
            t: localizer.strings(language), lang: language.rawValue, title: title,
            otherLanguage: .init(
                code: language == .vi ? "en" : "vi", label: language == .vi ? "English" : "Tiếng Việt",
                next: Self.percentEncoded(request.uri.path)),
            session: context.session.map {
                .init(
                    displayName: $0.actor.displayName, login: $0.actor.login, csrf: $0.csrfToken, tenant: $0.tenantCode)
            }
        )
    }

    static func html(_ html: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "same-origin"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func percentEncoded(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_.~")))
            ?? "/"
    }
}

/// What every page shows around its own content.
struct PageFrame: Sendable {
    struct OtherLanguage: Sendable {
        let code: String
        let label: String
        let next: String
    }

    struct Session: Sendable {
        let displayName: String
        let login: String
        let csrf: String
        let tenant: String
    }

    let t: [String: any Sendable]
    let lang: String
    let title: String
    let otherLanguage: OtherLanguage
    let session: Session?
}

/// The frame's names first (as before: the frame wins over a page field of the same name), then
/// the page's own stored properties, so templates write `{{t.x}}` and `{{unit.name}}` alike. Both
/// are indexed once (`PageIndex`): every name the engine looks up is a dictionary read.
struct FramedPage: MustacheParent, Sendable {
    let frame: [String: PageIndex.Node]
    let page: PageIndex.Fields

    init(frame: PageFrame, page: some Sendable) {
        var names: [String: PageIndex.Node] = [
            "lang": .text(frame.lang), "title": .text(frame.title),
            "otherLanguage": .fields(PageIndex.fields(of: frame.otherLanguage)),
        ]
        if let session = frame.session { names["session"] = .fields(PageIndex.fields(of: session)) }
        self.frame = names
        self.translations = frame.t
        self.page = PageIndex.fields(of: page)
    }

    /// The locale strings, as nested dictionaries (which the engine reads without reflection).
    let translations: [String: any Sendable]

    func child(named name: String) -> Any? {
        if name == "t" { return translations }
        return frame[name]?.engineValue ?? page.child(named: name)
    }
}
