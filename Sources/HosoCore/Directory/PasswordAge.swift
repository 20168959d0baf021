/// Stale passwords: what the directory's password-policy data (OpenLDAP ppolicy) says of an
/// account, and the pure rules that turn it into a warning for the person and a line on the list
/// a school administrator or an officer works through. Never a password or a hash: only instants.

/// A tenant's password-age settings (`directory.passwords` in tenant.yaml), with safe defaults.
public struct PasswordAgeSettings: Sendable, Equatable, Codable {
    /// The directory's default password policy entry (ppolicy's `ppolicy_default`), read for its
    /// `pwdMaxAge` and `pwdLockoutDuration`. Unset: only accounts naming their own policy
    /// (`pwdPolicySubentry`) have a directory age limit.
    public var policyDN: String?
    /// The tenant's age limit: an account whose password is older is listed (default 180 days).
    public var ageLimitDays: Int
    /// People are warned this many days before their password expires (default 14).
    public var warningDays: Int

    public static let defaultAgeLimitDays = 180
    public static let defaultWarningDays = 14
    /// Limits a tenant file may set (a day to ten years; a warning up to a year ahead).
    public static let ageLimitRange = 1...3650
    public static let warningRange = 0...365

    public init(policyDN: String? = nil, ageLimitDays: Int = Self.defaultAgeLimitDays,
                warningDays: Int = Self.defaultWarningDays) {
        self.policyDN = policyDN
        self.ageLimitDays = ageLimitDays
        self.warningDays = warningDays
    }

    enum CodingKeys: String, CodingKey { case policyDN, ageLimitDays, warningDays }

    // Tenants imported before these settings existed decode with the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        policyDN = try container.decodeIfPresent(String.self, forKey: .policyDN)
        ageLimitDays = try container.decodeIfPresent(Int.self, forKey: .ageLimitDays) ?? Self.defaultAgeLimitDays
        warningDays = try container.decodeIfPresent(Int.self, forKey: .warningDays) ?? Self.defaultWarningDays
    }
}

/// The parts of a `pwdPolicy` entry that matter here, in seconds (0: no limit, as in ppolicy).
public struct DirectoryPasswordPolicy: Sendable, Hashable {
    public let maxAgeSeconds: Int64
    public let lockoutDurationSeconds: Int64

    public init(maxAgeSeconds: Int64, lockoutDurationSeconds: Int64 = 0) {
        self.maxAgeSeconds = max(0, maxAgeSeconds)
        self.lockoutDurationSeconds = max(0, lockoutDurationSeconds)
    }
}

/// One account's password facts as read through the service account.
public struct PasswordFacts: Sendable, Hashable {
    /// `pwdChangedTime`, seconds since 1970 (nil: never changed since the account was loaded).
    public let changedAt: Int64?
    /// `createTimestamp`.
    public let createdAt: Int64?
    /// `pwdAccountLockedTime` is present (ppolicy's `000001010000Z` locks for good: `lockedAt` nil).
    public let lockedByDirectory: Bool
    public let lockedAt: Int64?
    /// `pwdReset: TRUE`: an administrator set the password and the person must change it.
    public let mustChange: Bool
    /// The policy that applies to the account (its own `pwdPolicySubentry`, else the default).
    public let policy: DirectoryPasswordPolicy?

    public init(changedAt: Int64?, createdAt: Int64?, lockedByDirectory: Bool = false, lockedAt: Int64? = nil,
                mustChange: Bool = false, policy: DirectoryPasswordPolicy?) {
        self.changedAt = changedAt
        self.createdAt = createdAt
        self.lockedByDirectory = lockedByDirectory
        self.lockedAt = lockedAt
        self.mustChange = mustChange
        self.policy = policy
    }
}

/// An account of the directory with its password facts and the units its groups name.
public struct PasswordAccount: Sendable, Hashable {
    public let dn: String
    public let login: String
    public let displayName: String
    /// Codes of the units the account's groups give it a role at, as the group rules read them.
    public let unitCodes: [String]
    public let facts: PasswordFacts
    /// The address the directory gives (the tenant's mail attribute), if any.
    public let email: String?

    public init(dn: String, login: String, displayName: String, unitCodes: [String], facts: PasswordFacts, email: String? = nil) {
        self.dn = dn
        self.login = login
        self.displayName = displayName
        self.unitCodes = unitCodes
        self.facts = facts
        self.email = email
    }
}

/// What the rules make of one account's facts at an instant.
public struct PasswordStanding: Sendable, Hashable {
    /// Whole days since the password was set (since the account was created when never changed);
    /// nil when the directory gives neither instant.
    public let ageDays: Int?
    /// The initial password was never changed.
    public let neverChanged: Bool
    /// When the directory will refuse the password (nil: no directory age limit applies).
    public let expiresAt: Int64?
    /// Days left before it expires, rounded up as the bind's control is (1 on its last day; 0 or
    /// less once expired), so that the list and the warning at sign-in give the same number.
    public let daysLeft: Int?
    public let expired: Bool
    /// It expires within the tenant's warning days.
    public let expiresSoon: Bool
    /// Older than the tenant's age limit.
    public let pastLimit: Bool
    /// Locked by the directory now (after too many wrong passwords, or by an administrator).
    public let locked: Bool
    public let mustChange: Bool

    /// Whether the account belongs on the list a school administrator or an officer follows up.
    public var needsAttention: Bool { neverChanged || pastLimit || locked || expired || expiresSoon || mustChange }
}

/// What the password-policy response control of a bind said (RFC draft behera-ldap-password-policy).
public struct BindPasswordControl: Sendable, Hashable {
    /// ppolicy's error values.
    public enum Error: Int, Sendable {
        case passwordExpired = 0
        case accountLocked = 1
        case changeAfterReset = 2
        case passwordModNotAllowed = 3
        case mustSupplyOldPassword = 4
        case insufficientPasswordQuality = 5
        case passwordTooShort = 6
        case passwordTooYoung = 7
        case passwordInHistory = 8
    }

    public let secondsBeforeExpiration: Int?
    public let graceAuthenticationsRemaining: Int?
    public let error: Error?

    public init(secondsBeforeExpiration: Int? = nil, graceAuthenticationsRemaining: Int? = nil, error: Error? = nil) {
        self.secondsBeforeExpiration = secondsBeforeExpiration
        self.graceAuthenticationsRemaining = graceAuthenticationsRemaining
        self.error = error
    }
}

/// The warning a person sees after signing in.
public struct PasswordNotice: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The password expires in `days` days.
        case expiresSoon = "expires_soon"
        /// The password has expired; `grace` sign-ins are left before the directory refuses it.
        case graceSignIns = "grace_sign_ins"
        /// An administrator set the password: it must be changed now.
        case mustChange = "must_change"
        /// The initial password was never changed.
        case neverChanged = "never_changed"
        /// Older than the tenant's age limit (the directory does not enforce one itself).
        case pastLimit = "past_limit"

        public var messageKey: String { "password.notice." + rawValue }
    }

    public let kind: Kind
    public let days: Int?
    public let grace: Int?

    /// The directory will soon refuse the password, or already asks for a new one: worth stopping a
    /// sign-in on its way elsewhere. The others are reminders the home page keeps showing.
    public var isUrgent: Bool {
        switch kind {
        case .expiresSoon, .graceSignIns, .mustChange: return true
        case .neverChanged, .pastLimit: return false
        }
    }

    public init(kind: Kind, days: Int? = nil, grace: Int? = nil) {
        self.kind = kind
        self.days = days
        self.grace = grace
    }
}

public enum PasswordAge {
    static let day: Int64 = 86_400

    /// The account's standing at `now` under its directory policy and the tenant's settings.
    public static func standing(_ facts: PasswordFacts, settings: PasswordAgeSettings, now: Int64) -> PasswordStanding {
        // An account whose pwdChangedTime is its creation instant was given its password when it
        // was made (ppolicy stamps both on an add); loaded without one (slapadd), it never changed.
        let neverChanged: Bool
        if let changedAt = facts.changedAt {
            neverChanged = facts.createdAt.map { abs($0 - changedAt) <= 1 } ?? false
        } else {
            neverChanged = true
        }
        let since = facts.changedAt ?? facts.createdAt
        let ageDays = since.map { Int(max(0, now - $0) / day) }

        var expiresAt: Int64?
        var daysLeft: Int?
        // ppolicy does not expire a password it has no pwdChangedTime for.
        if let changedAt = facts.changedAt, let maxAge = facts.policy?.maxAgeSeconds, maxAge > 0 {
            let at = changedAt + maxAge
            expiresAt = at
            daysLeft = Int(-floorDiv(now - at, day))
        }
        let expired = expiresAt.map { $0 <= now } ?? false
        let expiresSoon = !expired && daysLeft.map { $0 <= settings.warningDays } ?? false

        var locked = false
        if facts.lockedByDirectory {
            // A lockout with a duration ends by itself; ppolicy only clears the attribute at the next bind.
            if let lockedAt = facts.lockedAt, let duration = facts.policy?.lockoutDurationSeconds, duration > 0 {
                locked = now < lockedAt + duration
            } else {
                locked = true
            }
        }
        return PasswordStanding(
            ageDays: ageDays, neverChanged: neverChanged, expiresAt: expiresAt, daysLeft: daysLeft, expired: expired,
            expiresSoon: expiresSoon, pastLimit: ageDays.map { $0 > settings.ageLimitDays } ?? false,
            locked: locked, mustChange: facts.mustChange)
    }

    /// The warning to show after a sign-in. The bind's response control is the directory's own
    /// word and comes first; without one, the facts read through the service account decide.
    public static func notice(control: BindPasswordControl?, facts: PasswordFacts?, settings: PasswordAgeSettings,
                              now: Int64) -> PasswordNotice? {
        if let control {
            if control.error == .changeAfterReset { return PasswordNotice(kind: .mustChange) }
            if let grace = control.graceAuthenticationsRemaining { return PasswordNotice(kind: .graceSignIns, grace: grace) }
            if let seconds = control.secondsBeforeExpiration {
                // "2 days" while more than one day is left, rounded up: never say 0 days before the last one.
                return PasswordNotice(kind: .expiresSoon, days: Int((Int64(max(0, seconds)) + day - 1) / day))
            }
        }
        guard let facts else { return nil }
        let found = Self.standing(facts, settings: settings, now: now)
        if found.mustChange { return PasswordNotice(kind: .mustChange) }
        if found.expiresSoon, let days = found.daysLeft { return PasswordNotice(kind: .expiresSoon, days: max(0, days)) }
        if found.neverChanged { return PasswordNotice(kind: .neverChanged) }
        if found.pastLimit, let age = found.ageDays { return PasswordNotice(kind: .pastLimit, days: age) }
        return nil
    }

    /// The reminder the daily e-mail gives, from the facts alone (the same sentence as after a
    /// sign-in). None for an account the directory has locked: its administrators follow it up
    /// from their list, and a person who cannot sign in is not told to change anything.
    public static func mailNotice(_ facts: PasswordFacts, settings: PasswordAgeSettings, now: Int64) -> PasswordNotice? {
        guard !standing(facts, settings: settings, now: now).locked else { return nil }
        return notice(control: nil, facts: facts, settings: settings, now: now)
    }

    /// The unit codes (upper-cased) among `groups`' that lie in `scope` (upper-cased codes), as
    /// the tenant's group rules map groups to units.
    public static func unitCodes(of groups: [DirectoryGroup], rules: [GroupRule], in scope: Set<String>) -> [String] {
        var codes: [String] = []
        for grant in GroupMapper.requestedGrants(groups: groups, rules: rules) {
            let code = grant.unitCode.uppercased()
            if scope.contains(code), !codes.contains(code) { codes.append(code) }
        }
        return codes
    }

    /// An LDAP GeneralizedTime (`20261207172435Z`, `20261207172435.123Z`, `202612071724Z`) as
    /// seconds since 1970, UTC. Nil for anything else (a local time without `Z` is not trusted).
    public static func generalizedTime(_ text: String) -> Int64? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.last == "Z", scalars.count >= 11 else { return nil }
        var digits: [Int] = []
        for scalar in scalars.dropLast() {
            if scalar == "." || scalar == "," { break }
            guard let value = Int(String(scalar)), scalar.isASCII else { return nil }
            digits.append(value)
        }
        guard digits.count == 10 || digits.count == 12 || digits.count == 14 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int { digits[from..<(from + count)].reduce(0) { $0 * 10 + $1 } }
        let year = number(0, 4), month = number(4, 2), dayOfMonth = number(6, 2), hour = number(8, 2)
        let minute = digits.count >= 12 ? number(10, 2) : 0
        let second = digits.count >= 14 ? number(12, 2) : 0
        guard hour < 24, minute < 60, second < 61, let date = LocalDate(year, month, dayOfMonth) else { return nil }
        return Int64(date.dayNumber) * day + Int64(hour * 3600 + minute * 60 + min(second, 59))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }
}
