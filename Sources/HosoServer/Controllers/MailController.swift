import Foundation
import HosoCore
import HosoStore
import Hummingbird

/// Reminders by e-mail: a person's choice of them (`/settings/notifications`), the tenant
/// administrator's outbox with a test message (`/outbox`), and the link in every reminder that turns
/// them off without signing in (`/unsubscribe?t=…`).
struct MailController: Sendable {
    let services: AppServices
    var digests: DigestStore { DigestStore(database: services.database, logger: services.logger) }
    var outbox: OutboxStore { OutboxStore(database: services.database, logger: services.logger) }

    func addRoutes(to router: Router<AppRequestContext>, signedIn: RouterGroup<SignedInContext>) {
        signedIn.get(.notificationSettings) { request, context in try await self.settingsPage(request: request, context: context) }
        signedIn.post(.notificationSettings) { request, context in try await self.saveSettings(request: request, context: context) }
        signedIn.get(.outbox) { request, context in try await self.outboxPage(request: request, context: context) }
        signedIn.post(.outboxTest) { request, context in try await self.sendTest(request: request, context: context) }
        router.get(.unsubscribe) { request, context in
            try await self.unsubscribePage(token: request.uri.queryParameters["t"].map(String.init) ?? "", request: request,
                                           context: context, done: false)
        }
        router.post(.unsubscribe) { request, context in try await self.unsubscribe(request: request, context: context) }
    }

    // MARK: - A person's choice

    func settingsPage(request: Request, context: SignedInContext, saved: Bool = false) async throws -> Response {
        let actor = context.actor
        let language = context.language
        let choice = try await digests.choice(tenantID: actor.tenantID, userID: actor.userID)
        let address = try await digests.address(tenantID: actor.tenantID, userID: actor.userID)
        let page = NotificationsPage(
            weekly: choice.weekly, dayBefore: choice.dayBefore,
            weekdays: (1...7).map { .init(value: $0, label: services.localizer.text("notifications.weekday.\($0)", language), selected: $0 == choice.weekday) },
            languages: Language.allCases.map { .init(code: $0.rawValue, label: $0 == .vi ? "Tiếng Việt" : "English", selected: $0.rawValue == choice.language) },
            address: address?.email ?? "", noAddress: (address?.email).flatMap { MailAddress($0) } == nil, saved: saved,
            sending: services.configuration.mail != nil)
        return services.renderer.render(.notifications, page, context: context, request: request,
                                        title: services.localizer.text("notifications.title", language))
    }

    func saveSettings(request: Request, context: SignedInContext) async throws -> Response {
        let form = try await request.decodeForm()
        let weekday = Int(form["weekday"] ?? "") ?? 0
        guard (1...7).contains(weekday) else { throw HosoError("notifications.bad_weekday") }
        guard let language = Language(rawValue: form["language"] ?? "") else { throw HosoError("notifications.bad_language") }
        try await digests.setChoice(
            tenantID: context.actor.tenantID, userID: context.actor.userID,
            NotificationChoice(weekly: form["weekly"] == "1", dayBefore: form["day_before"] == "1", weekday: weekday, language: language.rawValue))
        return try await settingsPage(request: request, context: context, saved: true)
    }

    // MARK: - The outbox (tenant administrators)

    func root(_ actor: Actor) async throws -> StoredUnit {
        // The outbox is the tenant's: its administrators (at the root) see it, nobody else learns it exists.
        guard let grant = actor.grants.first(where: { $0.role == .tenantAdministrator }),
              let unit = try await services.units.units(tenantID: actor.tenantID, ids: [grant.unitID]).first, unit.parentID == nil,
              services.policy.allows(actor, .administerTenant, on: unit.position) else {
            throw HosoError("scope.not_found", ["code": "outbox"])
        }
        return unit
    }

    func outboxPage(request: Request, context: SignedInContext, notice: String? = nil) async throws -> Response {
        let actor = context.actor
        _ = try await root(actor)
        let language = context.language
        var state: String?
        if let raw = request.uri.queryParameters["state"].map(String.init), !raw.isEmpty {
            guard ["queued", "sending", "sent", "failed"].contains(raw) else {
                throw HosoError("list.unknown_state", ["state": String(raw.prefix(20))])
            }
            state = raw
        }
        let rows = try await outbox.list(tenantID: actor.tenantID, state: state, limit: 200)
        let counts = try await outbox.counts(tenantID: actor.tenantID)
        let skipped = try await digests.skippedAddresses(tenantID: actor.tenantID)
        let page = OutboxPage(
            configured: services.configuration.mail != nil,
            counts: ["queued", "sending", "sent", "failed"].map {
                .init(state: $0, label: services.localizer.text("outbox.state.\($0)", language), count: counts[$0] ?? 0,
                      url: SiteURL.outbox.path(query: [("state", $0)]), selected: $0 == state)
            },
            rows: rows.map {
                .init(created: VietnamTime.display(epochSeconds: $0.createdAt), kind: $0.kind, address: $0.address, subject: $0.subject,
                      state: services.localizer.text("outbox.state.\($0.state)", language), attempts: $0.attempts,
                      answer: $0.lastAnswer ?? "", sent: $0.sentAt.map { VietnamTime.display(epochSeconds: $0) } ?? "")
            },
            empty: rows.isEmpty, notice: notice ?? "", hasNotice: notice != nil,
            skipped: skipped.map { .init(login: $0.login, name: $0.name, address: $0.email ?? "") }, hasSkipped: !skipped.isEmpty)
        return services.renderer.render(.outbox, page, context: context, request: request,
                                        title: services.localizer.text("outbox.title", language))
    }

    func sendTest(request: Request, context: SignedInContext) async throws -> Response {
        let actor = context.actor
        _ = try await root(actor)
        let language = context.language
        guard let mail = services.configuration.mail else { throw HosoError("outbox.not_configured") }
        guard let found = try await digests.address(tenantID: actor.tenantID, userID: actor.userID),
              let address = found.email.flatMap({ MailAddress($0, name: found.name) }) else {
            throw HosoError("outbox.no_address")
        }
        let body = services.localizer.text("mail.test.body", language, ["name": actor.displayName])
        try await outbox.enqueue(tenantID: actor.tenantID, [OutgoingMessage(
            kind: "test", dedupe: nil, recipientUserID: actor.userID, address: address, language: language.rawValue,
            subject: services.localizer.text("mail.test.subject", language), text: body + "\n",
            html: "<p>" + DigestComposer.escape(body) + "</p>\n")], host: mail.messageHost)
        return try await outboxPage(request: request, context: context,
                                    notice: services.localizer.text("outbox.test_queued", language, ["address": address.address]))
    }

    // MARK: - Unsubscribe (no sign-in: the signed link is the authority)

    func unsubscribePage(token: String, request: Request, context: AppRequestContext, done: Bool) async throws -> Response {
        _ = try await person(token)
        let page = UnsubscribePage(token: token, done: done)
        return services.renderer.render(.unsubscribe, page, context: context, request: request,
                                        title: services.localizer.text("unsubscribe.title", context.language))
    }

    /// The tenant and person a link names: genuine, not expired, and a person of that tenant.
    func person(_ token: String) async throws -> (tenantID: Int64, userID: Int64) {
        guard let mail = services.configuration.mail,
              let (tenantID, userID) = UnsubscribeToken.verify(token, now: services.clock.now(), key: mail.linkKey),
              try await digests.address(tenantID: tenantID, userID: userID) != nil else {
            throw HosoError("unsubscribe.invalid")
        }
        return (tenantID, userID)
    }

    func unsubscribe(request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await request.decodeForm()
        let token = form["t"] ?? ""
        let (tenantID, userID) = try await person(token)
        var choice = try await digests.choice(tenantID: tenantID, userID: userID)
        choice.weekly = false
        choice.dayBefore = false
        try await digests.setChoice(tenantID: tenantID, userID: userID, choice)
        return try await unsubscribePage(token: token, request: request, context: context, done: true)
    }
}

struct NotificationsPage: Sendable {
    struct Weekday: Sendable { let value: Int; let label: String; let selected: Bool }
    struct Choice: Sendable { let code: String; let label: String; let selected: Bool }
    let weekly: Bool
    let dayBefore: Bool
    let weekdays: [Weekday]
    let languages: [Choice]
    let address: String
    let noAddress: Bool
    let saved: Bool
    let sending: Bool
}

struct OutboxPage: Sendable {
    struct Count: Sendable { let state: String; let label: String; let count: Int; let url: String; let selected: Bool }
    struct Row: Sendable {
        let created: String; let kind: String; let address: String; let subject: String; let state: String
        let attempts: Int; let answer: String; let sent: String
    }
    struct Skipped: Sendable { let login: String; let name: String; let address: String }
    let configured: Bool
    let counts: [Count]
    let rows: [Row]
    let empty: Bool
    let notice: String
    let hasNotice: Bool
    let skipped: [Skipped]
    let hasSkipped: Bool
}

struct UnsubscribePage: Sendable {
    let token: String
    let done: Bool
}
