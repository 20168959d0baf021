import Foundation
import HosoCore
import HosoStore
import HummingbirdBcrypt
import Logging
import NIOPosix

/// Signing in: throttling, the directory-independent local administrators, the tenant's directory,
/// just-in-time users with grants re-read from their groups, and a new session.
struct SignInService: Sendable {
    let services: AppServices

    struct Outcome: Sendable {
        let actor: Actor
        let tenant: TenantRecord
        let token: String
        let csrfToken: String
        /// The password warning this sign-in found (kept with the session).
        let passwordNotice: PasswordNotice?
    }

    func signIn(tenantCode: String, login rawLogin: String, password: String, clientAddress: String, logger: Logger) async throws -> Outcome {
        guard tenantCode.count <= 64 else { throw HosoError("input.too_long", ["field": "tenant", "max": "64"]) }
        let credentials = try Credentials(login: Normalize.nfc(rawLogin), password: password)
        guard let tenant = try await services.tenants.tenant(code: tenantCode) else { throw HosoError("signin.unknown_tenant") }
        // Its people sign in to the tenant it joined now (their directory travelled with them).
        if tenant.mergedInto != nil { throw HosoError("tenant.frozen") }
        // Compatibility-folded and lower-cased, as the directory compares names: "ｓ1.Teacher" is s1.teacher.
        let throttleKey = credentials.login.precomposedStringWithCompatibilityMapping.lowercased()

        let attempt: Int64
        do {
            attempt = try await services.throttle.begin(
                tenantID: tenant.id, login: throttleKey, address: clientAddress, throttle: services.configuration.throttle
            )
        } catch let refusal as HosoError where refusal.code.hasPrefix("signin.throttled") {
            logger.notice("sign-in throttled", metadata: ["tenant": "\(tenant.code)", "login": "\(throttleKey)", "address": "\(clientAddress)"])
            throw refusal
        }

        let actor: Actor
        let notice: PasswordNotice?
        do {
            let found = try await authenticate(credentials, tenant: tenant, logger: logger)
            actor = found.actor
            notice = found.notice
        } catch let error as HosoError where error.code == "signin.invalid_credentials" {
            // The attempt stays recorded: it is a failure.
            logger.notice("sign-in refused", metadata: ["tenant": "\(tenant.code)", "login": "\(throttleKey)", "address": "\(clientAddress)"])
            throw error
        } catch {
            try? await services.throttle.forget(tenantID: tenant.id, attempt: attempt)
            throw error
        }
        try await services.throttle.clear(tenantID: tenant.id, login: throttleKey)
        let session = try await services.sessions.create(
            tenantID: tenant.id, userID: actor.userID, clientAddress: clientAddress, passwordNotice: notice)
        try await services.audit.append(tenantID: tenant.id, AuditEvent(
            actorUserID: actor.userID, actorLogin: actor.login, action: "session.sign_in",
            details: ["address": clientAddress, "grants": actor.grants.map { "\($0.role.rawValue)@\($0.unitCode)" }.joined(separator: ",")]
        ))
        logger.info("signed in", metadata: [
            "tenant": "\(tenant.code)", "login": "\(actor.login)", "grants": "\(actor.grants.count)",
            "password_notice": "\(notice?.kind.rawValue ?? "none")",
        ])
        return Outcome(actor: actor, tenant: tenant, token: session.token, csrfToken: session.csrfToken, passwordNotice: notice)
    }

    /// The person, and the password warning their directory's answer calls for (none for a local administrator).
    private func authenticate(_ credentials: Credentials, tenant: TenantRecord, logger: Logger) async throws
        -> (actor: Actor, notice: PasswordNotice?)
    {
        // Local administrators first: they must work when the directory is down.
        if let local = try await services.users.localAccount(tenantID: tenant.id, login: credentials.login) {
            let password = credentials.password
            let valid = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: local.passwordHash) }
            guard valid else { throw HosoError("signin.invalid_credentials") }
            try await services.users.recordLocalSignIn(tenantID: tenant.id, userID: local.userID)
            guard let actor = try await services.users.actor(tenantID: tenant.id, userID: local.userID) else {
                throw HosoError("signin.invalid_credentials")
            }
            return (actor, nil)
        }
        // `name@domain` of a merged province's directory asks that directory, with its own group rules.
        if case .extra(let extra, let bare) = DirectoryChoice.pick(login: credentials.login, among: tenant.directories) {
            let settings = services.configuration.directorySettings(for: extra).forSignIn()
            let account = try await services.directory.authenticate(
                try Credentials(login: bare, password: credentials.password), settings: settings,
                bindPassword: services.configuration.bindPassword(for: settings),
                groupAttributes: GroupMapper.attributesNeeded(by: extra.groupRules)
            )
            let requested = DirectoryChoice.grants(GroupMapper.requestedGrants(groups: account.groups, rules: extra.groupRules),
                                                   through: extra)
            let normalized = DirectoryAccount(
                dn: account.dn, login: DirectoryChoice.login(Normalize.nfc(account.login), of: extra),
                displayName: Normalize.nfc(account.displayName), email: account.email, groups: account.groups
            )
            let actor = try await services.users.recordDirectorySignIn(
                tenantID: tenant.id, account: normalized, requested: requested, directory: extra.name)
            return (actor, notice(for: account, settings: settings))
        }
        // A tenant without a directory has only its local administrators. On a shared directory the
        // tenant's account filter joins the search: another tenant's account is not found at all.
        guard let settings = services.configuration.directorySettings(for: tenant)?.forSignIn() else {
            throw HosoError("signin.invalid_credentials")
        }
        let account = try await services.directory.authenticate(
            credentials, settings: settings, bindPassword: services.configuration.bindPassword(for: settings),
            groupAttributes: GroupMapper.attributesNeeded(by: tenant.groupRules)
        )
        let requested = GroupMapper.requestedGrants(groups: account.groups, rules: tenant.groupRules)
        let normalized = DirectoryAccount(
            dn: account.dn, login: Normalize.nfc(account.login), displayName: Normalize.nfc(account.displayName),
            email: account.email, groups: account.groups
        )
        let actor = try await services.users.recordDirectorySignIn(tenantID: tenant.id, account: normalized, requested: requested)
        return (actor, notice(for: account, settings: settings))
    }

    /// The directory's own word (the bind's password-policy control) first, else the account's
    /// pwdChangedTime against its policy's pwdMaxAge and the tenant's limits.
    private func notice(for account: DirectoryAccount, settings: DirectorySettings) -> PasswordNotice? {
        PasswordAge.notice(control: account.passwordControl, facts: account.passwordFacts, settings: settings.passwordAge,
                           now: services.clock.now())
    }
}
