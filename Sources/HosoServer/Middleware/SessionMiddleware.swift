import Hummingbird
import HosoCore
import HosoStore

/// Finds the session the cookie names and puts the actor on the context. A session that has
/// expired, was ended, or belongs to another tenant than the host selects is ignored (the request
/// is then anonymous); protected routes refuse anonymous requests themselves.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookieName = "hoso_session"
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // Behind a trusted proxy: the right-most entry is the one that proxy added (the client
        // writes whatever it likes to the left of it).
        if let forwarded = request.headers[.xForwardedFor], services.configuration.trustProxy,
           let last = forwarded.split(separator: ",").last {
            context.clientAddress = last.trimmingCharacters(in: .whitespaces)
        }
        // Static files and health checks need no session (and must not depend on the database).
        let path = request.uri.path
        guard !path.hasPrefix("/static/"), path != "/healthz",
              let token = request.cookies[Self.cookieName]?.value, !token.isEmpty, token.count <= 100 else {
            return try await next(request, context)
        }
        // Session, person, grants and the host's tenant: one statement.
        if let found = try await services.sessions.signedIn(token: token, host: Self.tenantHost(request)) {
            let record = found.session
            let alive = services.configuration.sessionLifetime.isAlive(ageSeconds: record.ageSeconds, idleForSeconds: record.idleSeconds)
            if !alive {
                context.sessionExpired = true
                try await services.sessions.end(token: token)
            } else if found.hostTenantID == nil || found.hostTenantID == record.tenantID {
                context.session = ActiveSession(token: token, csrfToken: record.csrfToken, actor: found.actor, tenantCode: record.tenantCode)
                if record.idleSeconds >= SessionStore.touchIntervalSeconds { try await services.sessions.touch(token: token) }
            }
        } else {
            context.sessionExpired = true
        }
        return try await next(request, context)
    }

    /// The host a tenant file may name (empty for a bare address or localhost, which name none).
    static func tenantHost(_ request: Request) -> String {
        guard let authority = request.head.authority else { return "" }
        let host = String(authority.split(separator: ":").first ?? "")
        return host == "127.0.0.1" || host == "localhost" ? "" : host
    }

    /// The tenant the Host header selects, if the host is one a tenant file names.
    func tenantForHost(_ request: Request) async throws -> TenantRecord? {
        let host = Self.tenantHost(request)
        guard !host.isEmpty else { return nil }
        return try await services.tenants.tenant(host: host)
    }
}
