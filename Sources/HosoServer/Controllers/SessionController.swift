import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Signing in and out, as pages and as the API, and `GET /api/v1/me`.
struct SessionController: Sendable {
    let services: AppServices
    /// Double-submit token that protects the sign-in form itself (no session exists yet).
    static let signInCookie = "hoso_signin"

    var signIn: SignInService { SignInService(services: services) }

    /// `signedIn`: the routes that need a session (the others sign people in).
    func addRoutes(to router: Router<AppRequestContext>, signedIn: RouterGroup<SignedInContext>) {
        router.get(.signIn) { request, context in try await self.signInPage(request: request, context: context) }
        router.post(.signIn) { request, context in try await self.signInForm(request: request, context: context) }
        router.post(.signOut) { request, context in try await self.signOutForm(request: request, context: context) }
        router.get(.language) { request, context in try self.switchLanguage(request: request, context: context) }
        router.get(.apiTenants) { request, context in try await self.tenantList(request: request, context: context) }
        router.post(.apiSession) { request, context in try await self.createSession(request: request, context: context)
        }
        signedIn.delete(.apiSession) { request, context in
            try await self.deleteSession(request: request, context: context)
        }
        signedIn.get(.apiMe) { request, context in try await self.me(request: request, context: context) }
    }

    // MARK: - Pages

    func signInPage(
        request: Request, context: AppRequestContext, error: HosoError? = nil, login: String = "",
        tenantCode: String? = nil
    ) async throws -> Response {
        if context.session != nil, error == nil {
            return Response(
                status: .seeOther, headers: [.location: SiteURL.safeNext(request.uri.queryParameters.get("next"))])
        }
        let hostTenant = try await SessionMiddleware(services: services).tenantForHost(request)
        let tenants = try await services.tenants.tenants()
        let chosen = tenantCode ?? hostTenant?.code ?? request.uri.queryParameters.get("tenant")
        let formToken = SessionStoreToken.make()
        let language = context.language
        let page = SignInPage(
            next: SiteURL.safeNext(request.uri.queryParameters.get("next")), login: login, formToken: formToken,
            tenants: tenants.map { tenant in
                .init(
                    code: tenant.code, name: language == .vi ? tenant.nameVi : tenant.nameEn,
                    selected: tenant.code == chosen)
            },
            fixedTenant: hostTenant.map { .init(code: $0.code, name: language == .vi ? $0.nameVi : $0.nameEn) },
            error: error.map { .init(code: $0.code, message: services.localizer.message(for: $0, language)) },
            notice: error == nil && request.uri.queryParameters.get("expired") == "1"
                ? services.localizer.text("signin.expired", language) : nil
        )
        var response = services.renderer.render(
            .signIn, page, context: context, request: request,
            status: error.map { ErrorStatus.status(for: $0.code) } ?? .ok,
            title: services.localizer.text("signin.title", context.language)
        )
        response.setCookie(
            Cookie(
                name: Self.signInCookie, value: formToken, path: SiteURL.signIn.path,
                secure: services.configuration.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func signInForm(request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await request.decodeForm()
        let login = form["username"] ?? ""
        // A host that names a tenant decides it; the form's field cannot override it.
        let hostTenant = try await SessionMiddleware(services: services).tenantForHost(request)
        let tenantCode = hostTenant?.code ?? form["tenant"] ?? ""
        guard let cookie = request.cookies[Self.signInCookie]?.value, let field = form["_signin"],
            CSRFMiddleware.constantTimeEquals(cookie, field)
        else {
            return try await signInPage(
                request: request, context: context, error: HosoError("csrf.invalid"), login: login,
                tenantCode: tenantCode)
        }
        do {
            let outcome = try await signIn.signIn(
                tenantCode: tenantCode, login: login, password: form["password"] ?? "",
                clientAddress: context.clientAddress, logger: context.logger
            )
            // A new sign-in replaces the session this browser had.
            if let previous = context.session { try await end(previous) }
            // Not on their way elsewhere: what they came for (`Landing`). An urgent password warning
            // is shown on the home page first, with a link on to where they were going.
            var next = SiteURL.safeNext(form["next"])
            if next == SiteURL.home.path { next = SiteURL.landing(Landing.of(outcome.actor.grants)) }
            let location = outcome.passwordNotice?.isUrgent != true || next == SiteURL.home.path
                ? next : SiteURL.home.path(query: [("next", next)])
            var response = Response(status: .seeOther, headers: [.location: location])
            response.setCookie(SessionCookie.make(outcome.token, secure: services.configuration.secureCookies))
            return response
        } catch let error as HosoError {
            return try await signInPage(
                request: request, context: context, error: error,
                login: String(login.prefix(Credentials.maxLoginLength)), tenantCode: tenantCode)
        }
    }

    func signOutForm(request: Request, context: AppRequestContext) async throws -> Response {
        if let session = context.session { try await end(session) }
        var response = Response(status: .seeOther, headers: [.location: SiteURL.signIn.path])
        response.setCookie(SessionCookie.clear(secure: services.configuration.secureCookies))
        return response
    }

    func switchLanguage(request: Request, context: AppRequestContext) throws -> Response {
        let code = try context.pathParameter("code")
        guard let language = Language(rawValue: code) else { throw HosoError("http.not_found") }
        var response = Response(
            status: .seeOther, headers: [.location: SiteURL.safeNext(request.uri.queryParameters.get("next"))])
        response.setCookie(
            Cookie(
                name: LanguageMiddleware.cookieName, value: language.rawValue, maxAge: 365 * 86400, path: "/",
                secure: services.configuration.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    /// Ends a session and records it in the audit trail.
    func end(_ session: ActiveSession) async throws {
        try await services.sessions.end(token: session.token)
        try await services.audit.append(
            tenantID: session.actor.tenantID,
            AuditEvent(
                actorUserID: session.actor.userID, actorLogin: session.actor.login, action: "session.sign_out"
            ))
    }

    // MARK: - API

    func tenantList(request: Request, context: AppRequestContext) async throws -> Response {
        let tenants = try await services.tenants.tenants()
        return try JSONResponse.make([
            "tenants": tenants.map {
                API.TenantSummary(code: $0.code, name: context.language == .vi ? $0.nameVi : $0.nameEn)
            }
        ])
    }

    func createSession(request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await request.decodeJSON(API.SignInRequest.self)
        let outcome = try await signIn.signIn(
            tenantCode: input.tenant, login: input.username, password: input.password,
            clientAddress: context.clientAddress, logger: context.logger
        )
        if let previous = context.session { try await end(previous) }
        var started = context
        started.session = ActiveSession(
            token: outcome.token, csrfToken: outcome.csrfToken, actor: outcome.actor, tenantCode: outcome.tenant.code)
        var response = try JSONResponse.make(try await meBody(try SignedInContext(context: started)), status: .created)
        response.setCookie(SessionCookie.make(outcome.token, secure: services.configuration.secureCookies))
        return response
    }

    func deleteSession(request: Request, context: SignedInContext) async throws -> Response {
        try await end(context.signedIn)
        var response = Response(status: .noContent)
        response.setCookie(SessionCookie.clear(secure: services.configuration.secureCookies))
        return response
    }

    func me(request: Request, context: SignedInContext) async throws -> Response {
        try JSONResponse.make(try await meBody(context))
    }

    func meBody(_ context: SignedInContext) async throws -> API.Me {
        let actor = context.actor
        let session = context.signedIn
        guard let tenant = try await services.tenants.tenant(id: actor.tenantID) else {
            throw HosoError("auth.required")
        }
        let (units, tops) = try await UnitBrowser(services: services).grantUnits(actor)
        let language = context.language
        let notice = try await services.sessions.passwordNotice(token: session.token)
        return API.Me(
            user: .init(login: actor.login, displayName: actor.displayName),
            tenant: .init(code: tenant.code, name: language == .vi ? tenant.nameVi : tenant.nameEn),
            grants: actor.grants.map { grant in
                API.GrantView(
                    role: grant.role.rawValue, roleName: services.localizer.text(grant.role.messageKey, language),
                    unit: units[grant.unitID].map { API.UnitRef($0, language) })
            },
            visibleUnits: tops.map { API.UnitRef($0, language) },
            csrfToken: session.csrfToken,
            passwordNotice: notice.map {
                API.PasswordNoticeView(
                    kind: $0.kind.rawValue, days: $0.days, grace: $0.grace,
                    message: PasswordNoticeText.message($0, language, services.localizer))
            }
        )
    }
}

/// Random tokens for forms (the same strength as session tokens).
enum SessionStoreToken {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(UInt64.random(in: 0 ... .max, using: &generator), radix: 16) }.joined()
    }
}
