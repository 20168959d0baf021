import Hummingbird
import HosoCore

/// Picks the request's language: `?lang=`, then the `hoso_lang` cookie; for the API also
/// `Accept-Language`. Pages are Vietnamese unless the person switches: many Vietnamese users run
/// browsers that announce English.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookieName = "hoso_lang"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let query = request.uri.queryParameters.get("lang"), let language = Language(rawValue: query) {
            context.language = language
        } else if let cookie = request.cookies[Self.cookieName]?.value, let language = Language(rawValue: cookie) {
            context.language = language
        } else if request.uri.path.hasPrefix("/api/") {
            context.language = Language.from(acceptLanguage: request.headers[.acceptLanguage])
        }
        return try await next(request, context)
    }
}
