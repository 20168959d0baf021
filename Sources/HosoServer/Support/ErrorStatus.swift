import HTTPTypes
import HosoCore

/// The HTTP status each stable error code answers with.
enum ErrorStatus {
    static func status(for code: String) -> HTTPResponse.Status {
        if code.hasPrefix("service.") { return .serviceUnavailable }
        if code.hasPrefix("signin.throttled") { return .tooManyRequests }
        if code.hasPrefix("input.") || code.hasPrefix("tenant.") { return .badRequest }
        switch code {
        case "signin.invalid_credentials", "auth.required", "auth.expired": return .unauthorized
        case "signin.empty_password", "signin.bad_password", "signin.missing_login", "signin.bad_login", "signin.unknown_tenant",
             "request.bad_json", "request.bad_form", "request.unsupported_media_type":
            return .badRequest
        case "csrf.missing", "csrf.invalid", "scope.forbidden": return .forbidden
        case "scope.not_found", "http.not_found": return .notFound
        case "http.method_not_allowed": return .methodNotAllowed
        case "request.too_large": return .contentTooLarge
        default: return .internalServerError
        }
    }
}
