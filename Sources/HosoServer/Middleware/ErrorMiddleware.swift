import Foundation
import HosoCore
import Hummingbird

/// Turns every error into what a person can act on, in their language, with a stable code:
/// JSON `{"error":{"code","message"}}` under `/api/`, an HTML page elsewhere. Internals (SQL,
/// LDAP diagnostics) are logged with the request id, never shown.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: AppServices

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return respond(to: error, request: request, context: context)
        }
    }

    func respond(to error: any Error, request: Request, context: Context) -> Response {
        let isAPI = request.uri.path.hasPrefix("/api/")
        let problem: HosoError
        var details: [String] = []
        switch error {
        case let error as HosoError:
            problem = error
        case let errors as HosoErrors:
            problem = errors.errors.first ?? HosoError("internal")
            details = errors.errors.map { services.localizer.message(for: $0, context.language) }
        case let error as HTTPError:
            problem = HosoError(Self.code(for: error.status))
        case is DecodingError:
            // Request bodies are decoded by `decodeJSON`, which says `request.bad_json` itself; a
            // decoding error here is about stored data.
            context.logger.error("decoding failed", metadata: ["error": "\(String(reflecting: error))"])
            problem = HosoError("internal")
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            problem = HosoError("internal")
        }
        let status = problem.code == "internal" ? .internalServerError : ErrorStatus.status(for: problem.code)
        if status == .internalServerError, !(error is HosoError) || problem.code == "internal" {
            context.logger.error("request failed", metadata: ["code": "\(problem.code)"])
        }
        let message = services.localizer.message(for: problem, context.language)

        if isAPI {
            var response =
                (try? JSONResponse.make(
                    APIError(
                        error: .init(
                            code: problem.code, message: message, details: details.isEmpty ? nil : details
                        )), status: status)) ?? Response(status: .internalServerError)
            if status == .serviceUnavailable { response.headers[.retryAfter] = "30" }
            return response
        }

        // Pages: a person who must sign in is sent to the sign-in page and brought back after.
        if problem.code == "auth.required" || problem.code == "auth.expired" {
            return Response(
                status: .seeOther,
                headers: [
                    .location: SiteURL.signIn.path + "?next="
                        + PageRenderer.percentEncoded(request.uri.path)
                        + (problem.code == "auth.expired" ? "&expired=1" : "")
                ])
        }
        let page = ErrorPage(
            code: problem.code, message: message, details: details, status: Int(status.code),
            requestID: context.logger[metadataKey: "hb.request.id"].map { "\($0)" })
        return services.renderer.render(
            .error, page, context: context, request: request, status: status,
            title: services.localizer.text("error.title", context.language))
    }

    /// `{"error": {"code", "message", "details"?}}`, the shape of every refusal of the API.
    struct APIError: Encodable {
        struct Body: Encodable {
            let code: String
            let message: String
            let details: [String]?
        }

        let error: Body
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: return "http.not_found"
        case .methodNotAllowed: return "http.method_not_allowed"
        case .contentTooLarge: return "request.too_large"
        case .unsupportedMediaType: return "request.unsupported_media_type"
        case .badRequest: return "request.bad_json"
        default: return "internal"
        }
    }
}
