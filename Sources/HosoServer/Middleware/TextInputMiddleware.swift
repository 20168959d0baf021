import Hummingbird
import HosoCore

/// Refuses a request whose path or query holds NUL (`%00`) with 400 `input.nul`, before any
/// handler turns a parameter into a query: PostgreSQL cannot store NUL and answers an error that
/// would otherwise surface as a 500. Bodies are checked where they are read (`TextInput`).
struct TextInputMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        if TextInput.targetHasNUL(path: request.uri.path, query: request.uri.query) {
            throw HosoError(TextInput.nulCode)
        }
        return try await next(request, context)
    }
}
