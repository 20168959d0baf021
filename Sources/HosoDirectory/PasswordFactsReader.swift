import HosoCore

/// Reads ppolicy's operational attributes of an account and the policy that applies to it, on a
/// handle bound as the service account. Policies are read once per handle. `userPassword` is
/// never asked for: only instants and flags.
struct PasswordFactsReader {
    /// Operational attributes are returned only when named.
    static let accountAttributes = ["pwdChangedTime", "createTimestamp", "pwdAccountLockedTime", "pwdReset", "pwdPolicySubentry"]
    static let policyAttributes = ["pwdMaxAge", "pwdLockoutDuration"]
    /// ppolicy's value for an account locked by an administrator until unlocked.
    static let lockedForGood = "000001010000Z"

    let handle: LDAPHandle
    let settings: DirectorySettings
    private var policies: [String: DirectoryPasswordPolicy?] = [:]

    init(handle: LDAPHandle, settings: DirectorySettings) {
        self.handle = handle
        self.settings = settings
    }

    mutating func facts(of entry: LDAPHandle.Entry) throws -> PasswordFacts {
        let policyDN = entry.first("pwdPolicySubentry") ?? settings.passwordAge.policyDN
        let locked = entry.first("pwdAccountLockedTime")
        var policy: DirectoryPasswordPolicy?
        if let policyDN { policy = try policyEntry(policyDN) }
        return PasswordFacts(
            changedAt: entry.first("pwdChangedTime").flatMap(PasswordAge.generalizedTime),
            createdAt: entry.first("createTimestamp").flatMap(PasswordAge.generalizedTime),
            lockedByDirectory: locked != nil,
            lockedAt: locked == Self.lockedForGood ? nil : locked.flatMap(PasswordAge.generalizedTime),
            mustChange: entry.first("pwdReset")?.uppercased() == "TRUE",
            policy: policy)
    }

    private mutating func policyEntry(_ dn: String) throws -> DirectoryPasswordPolicy? {
        if let known = policies[dn] { return known }
        let entry = try handle.read(dn: dn, filter: "(objectClass=pwdPolicy)", attributes: Self.policyAttributes)
        let policy = entry.map {
            DirectoryPasswordPolicy(
                maxAgeSeconds: Int64($0.first("pwdMaxAge") ?? "") ?? 0,
                lockoutDurationSeconds: Int64($0.first("pwdLockoutDuration") ?? "") ?? 0)
        }
        policies[dn] = policy
        return policy
    }
}
