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
        if let record = try await services.sessions.find(token: token) {
            let alive = services.configuration.sessionLifetime.isAlive(ageSeconds: record.ageSeconds, idleForSeconds: record.idleSeconds)
            let hostTenant = try await tenantForHost(request)
            if !alive {
                context.sessionExpired = true
                try await services.sessions.end(token: token)
            } else if hostTenant == nil || hostTenant?.id == record.tenantID,
                      let actor = try await services.users.actor(tenantID: record.tenantID, userID: record.userID) {
                context.session = ActiveSession(token: token, csrfToken: record.csrfToken, actor: actor, tenantCode: record.tenantCode)
                if record.idleSeconds >= SessionStore.touchIntervalSeconds { try await services.sessions.touch(token: token) }
            }
        } else {
            context.sessionExpired = true
        }
        return try await next(request, context)
    }

    /// The tenant the Host header selects, if the host is one a tenant file names.
    func tenantForHost(_ request: Request) async throws -> TenantRecord? {
        guard let authority = request.head.authority else { return nil }
        let host = String(authority.split(separator: ":").first ?? "")
        guard !host.isEmpty, host != "127.0.0.1", host != "localhost" else { return nil }
        return try await services.tenants.tenant(host: host)
    }
}
