import Hummingbird
import HosoCore
import Logging

/// Echoes the request id Hummingbird puts on every log line (`hb.request.id`) in `X-Request-Id`,
/// so a person can quote it, marks every answer `nosniff`, and logs each request's outcome.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        if let id = context.logger[metadataKey: "hb.request.id"] { response.headers[.xRequestID] = "\(id)" }
        // Every answer (pages, JSON, errors, static files, downloads) is taken for the type it
        // declares: a browser must not guess HTML or script from an upload's or a field's bytes.
        response.headers[.xContentTypeOptions] = "nosniff"
        let elapsed = ContinuousClock.now - start
        context.logger.info("\(request.method) \(request.uri.path) \(response.status.code)", metadata: [
            "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ])
        return response
    }
}
