import HosoCore
import HosoStore

/// Whose password needs a reminder under a unit: the accounts its directory groups place in the
/// unit's subtree, read through the service account, kept when the rules find them never changed,
/// past the tenant's age limit, expired or about to, locked, or to be changed after a reset.
struct PasswordReview: Sendable {
    let services: AppServices

    struct Line: Sendable {
        let account: PasswordAccount
        let standing: PasswordStanding
        /// The account's units inside the viewed subtree (its first one names it on the page).
        let units: [StoredUnit]
    }

    struct Result: Sendable {
        let unit: StoredUnit
        let settings: PasswordAgeSettings
        let lines: [Line]
    }

    /// 404 out of scope, 403 without `review_passwords`, 503 when the directory cannot answer.
    /// Each review is audited (`passwords.view`, with `format`: page, csv or json).
    func review(_ actor: Actor, code: String, format: String) async throws -> Result {
        let unit = try await UnitBrowser(services: services).authorize(actor, .reviewPasswords, code: code)
        guard let tenant = try await services.tenants.tenant(id: actor.tenantID) else {
            throw HosoError("scope.not_found", ["code": code])
        }
        // A tenant without a directory has only local administrators: nobody to remind.
        guard let settings = services.configuration.directorySettings(for: tenant) else {
            return Result(unit: unit, settings: PasswordAgeSettings(), lines: [])
        }
        let subtree = try await services.units.subtree(tenantID: actor.tenantID, of: unit)
        var byCode: [String: StoredUnit] = [:]
        for member in subtree where byCode[member.code.uppercased()] == nil { byCode[member.code.uppercased()] = member }
        let accounts = try await services.directory.passwordAccounts(
            settings: settings, bindPassword: services.configuration.bindPassword(for: settings),
            rules: tenant.groupRules, unitCodes: Set(byCode.keys))
        let now = services.clock.now()
        let age = settings.passwordAge
        let lines = accounts.compactMap { account -> Line? in
            let standing = PasswordAge.standing(account.facts, settings: age, now: now)
            guard standing.needsAttention else { return nil }
            return Line(account: account, standing: standing, units: account.unitCodes.compactMap { byCode[$0] })
        }
        // The oldest first: the longest unchanged are the first to remind.
        let sorted = lines.sorted { a, b in
            let ageA = a.standing.ageDays ?? Int.max, ageB = b.standing.ageDays ?? Int.max
            return ageA != ageB ? ageA > ageB : a.account.login < b.account.login
        }
        // Who looked at whose password standing is kept in the tenant's audit chain (how many, never who).
        try await services.audit.append(
            tenantID: actor.tenantID,
            AuditEvent(actorUserID: actor.userID, actorLogin: actor.login, action: "passwords.view", unitID: unit.id,
                       subject: "unit:\(unit.code)", details: ["format": format, "accounts": String(sorted.count)]))
        return Result(unit: unit, settings: age, lines: sorted)
    }
}

extension PasswordStanding {
    /// The reasons an account is listed, as locale keys under `password.reason`.
    var reasonKeys: [String] {
        var keys: [String] = []
        if neverChanged { keys.append("password.reason.never_changed") }
        if mustChange { keys.append("password.reason.must_change") }
        if expired { keys.append("password.reason.expired") }
        else if expiresSoon { keys.append("password.reason.expires_soon") }
        if pastLimit { keys.append("password.reason.past_limit") }
        if locked { keys.append("password.reason.locked") }
        return keys
    }

    /// The same reasons as stable codes, for the API and the CSV.
    var reasonCodes: [String] { reasonKeys.map { String($0.dropFirst("password.reason.".count)) } }
}
