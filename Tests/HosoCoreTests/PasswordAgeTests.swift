import HosoCore
import Testing

/// The stale-password rules at chosen instants: never changed, past the tenant's age limit, about to
/// expire under the directory's pwdMaxAge, locked; the warning after a sign-in; who may see the list.
@Suite struct PasswordAgeTests {
    static let day: Int64 = 86_400
    /// 2026-12-07T12:00:00Z.
    static let now: Int64 = 1_796_644_800
    let settings = PasswordAgeSettings(ageLimitDays: 180, warningDays: 14)
    let policy180 = DirectoryPasswordPolicy(maxAgeSeconds: 180 * 86_400, lockoutDurationSeconds: 300)

    @Test func generalizedTimeIsReadAsUTC() {
        #expect(PasswordAge.generalizedTime("19700101000000Z") == 0)
        #expect(PasswordAge.generalizedTime("20261207120000Z") == Self.now)
        #expect(PasswordAge.generalizedTime("20261207120000.123456Z") == Self.now)
        #expect(PasswordAge.generalizedTime("202612071200Z") == Self.now)
        #expect(PasswordAge.generalizedTime("2026120712Z") == Self.now)
        // A local time (no Z), an impossible date, or anything else is not an instant.
        #expect(PasswordAge.generalizedTime("20261207120000") == nil)
        #expect(PasswordAge.generalizedTime("20260230120000Z") == nil)
        #expect(PasswordAge.generalizedTime("2026-12-07T12:00:00Z") == nil)
        #expect(PasswordAge.generalizedTime("") == nil)
    }

    @Test func anAccountLoadedWithoutAChangeTimeNeverChangedItsPassword() {
        // As slapadd loads the demo: createTimestamp, no pwdChangedTime.
        let facts = PasswordFacts(changedAt: nil, createdAt: Self.now - 40 * Self.day, policy: policy180)
        let standing = PasswordAge.standing(facts, settings: settings, now: Self.now)
        #expect(standing.neverChanged)
        #expect(standing.ageDays == 40)
        #expect(standing.expiresAt == nil, "ppolicy does not expire a password it has no pwdChangedTime for")
        #expect(!standing.pastLimit && !standing.expiresSoon && !standing.expired)
        #expect(standing.needsAttention)
    }

    @Test func aPasswordSetWhenTheAccountWasMadeIsTheInitialOne() {
        let made = Self.now - 10 * Self.day
        let initial = PasswordFacts(changedAt: made, createdAt: made, policy: policy180)
        #expect(PasswordAge.standing(initial, settings: settings, now: Self.now).neverChanged)
        let changed = PasswordFacts(changedAt: made + Self.day, createdAt: made, policy: policy180)
        let standing = PasswordAge.standing(changed, settings: settings, now: Self.now)
        #expect(!standing.neverChanged)
        #expect(!standing.needsAttention, "changed nine days ago, 171 days left")
        #expect(standing.daysLeft == 171)
    }

    @Test func theWarningStartsWithinTheTenantsDaysAndEndsAtExpiry() {
        func standing(changedDaysAgo days: Int64, plusSeconds: Int64 = 0) -> PasswordStanding {
            let facts = PasswordFacts(changedAt: Self.now - days * Self.day + plusSeconds, createdAt: 0, policy: policy180)
            return PasswordAge.standing(facts, settings: settings, now: Self.now)
        }
        #expect(!standing(changedDaysAgo: 165).expiresSoon, "15 days left")
        #expect(standing(changedDaysAgo: 165).daysLeft == 15)
        #expect(standing(changedDaysAgo: 166).expiresSoon, "14 days left")
        #expect(standing(changedDaysAgo: 180, plusSeconds: 1).expiresSoon, "its last second")
        #expect(standing(changedDaysAgo: 180, plusSeconds: 1).daysLeft == 1, "rounded up, as the bind's control")
        #expect(standing(changedDaysAgo: 170, plusSeconds: -60).daysLeft == 10, "9 days and 23 hours and more: 10")
        let expired = standing(changedDaysAgo: 180)
        #expect(expired.expired && !expired.expiresSoon)
        #expect(standing(changedDaysAgo: 181).daysLeft == -1)
        #expect(standing(changedDaysAgo: 181).pastLimit)
        #expect(!standing(changedDaysAgo: 180).pastLimit, "180 days is the limit, not past it")
    }

    @Test func withoutADirectoryMaxAgeOnlyTheTenantsLimitApplies() {
        let none = DirectoryPasswordPolicy(maxAgeSeconds: 0)
        let facts = PasswordFacts(changedAt: Self.now - 400 * Self.day, createdAt: 0, policy: none)
        let standing = PasswordAge.standing(facts, settings: settings, now: Self.now)
        #expect(standing.expiresAt == nil && !standing.expired && !standing.expiresSoon)
        #expect(standing.pastLimit && standing.ageDays == 400)
        let noPolicy = PasswordFacts(changedAt: Self.now - 10 * Self.day, createdAt: 0, policy: nil)
        #expect(!PasswordAge.standing(noPolicy, settings: settings, now: Self.now).needsAttention)
    }

    @Test func aLockoutWithADurationEndsByItself() {
        let recent = PasswordFacts(changedAt: Self.now - Self.day, createdAt: 0, lockedByDirectory: true,
                                   lockedAt: Self.now - 60, policy: policy180)
        #expect(PasswordAge.standing(recent, settings: settings, now: Self.now).locked)
        let over = PasswordFacts(changedAt: Self.now - Self.day, createdAt: 0, lockedByDirectory: true,
                                 lockedAt: Self.now - 301, policy: policy180)
        #expect(!PasswordAge.standing(over, settings: settings, now: Self.now).locked, "5-minute lockout is over")
        // 000001010000Z: locked by an administrator until unlocked.
        let forGood = PasswordFacts(changedAt: Self.now - Self.day, createdAt: 0, lockedByDirectory: true, lockedAt: nil,
                                    policy: policy180)
        #expect(PasswordAge.standing(forGood, settings: settings, now: Self.now).locked)
    }

    @Test func theBindsControlComesFirst() {
        let fresh = PasswordFacts(changedAt: Self.now - Self.day, createdAt: 0, policy: policy180)
        // 3 days and a bit: "3 days" would say less than there is; round up.
        let control = BindPasswordControl(secondsBeforeExpiration: Int(3 * Self.day + 5))
        #expect(PasswordAge.notice(control: control, facts: fresh, settings: settings, now: Self.now)
            == PasswordNotice(kind: .expiresSoon, days: 4))
        #expect(PasswordAge.notice(control: BindPasswordControl(graceAuthenticationsRemaining: 2), facts: fresh,
                                   settings: settings, now: Self.now) == PasswordNotice(kind: .graceSignIns, grace: 2))
        #expect(PasswordAge.notice(control: BindPasswordControl(error: .changeAfterReset), facts: fresh,
                                   settings: settings, now: Self.now) == PasswordNotice(kind: .mustChange))
        // A control with nothing to say leaves the facts to decide.
        #expect(PasswordAge.notice(control: BindPasswordControl(), facts: fresh, settings: settings, now: Self.now) == nil)
    }

    @Test func withoutAControlTheFactsDecide() {
        let soon = PasswordFacts(changedAt: Self.now - 170 * Self.day, createdAt: 0, policy: policy180)
        #expect(PasswordAge.notice(control: nil, facts: soon, settings: settings, now: Self.now)
            == PasswordNotice(kind: .expiresSoon, days: 10))
        let initial = PasswordFacts(changedAt: nil, createdAt: Self.now - Self.day, policy: policy180)
        #expect(PasswordAge.notice(control: nil, facts: initial, settings: settings, now: Self.now)
            == PasswordNotice(kind: .neverChanged))
        let reset = PasswordFacts(changedAt: Self.now, createdAt: 0, mustChange: true, policy: policy180)
        #expect(PasswordAge.notice(control: nil, facts: reset, settings: settings, now: Self.now)
            == PasswordNotice(kind: .mustChange))
        let old = PasswordFacts(changedAt: Self.now - 200 * Self.day, createdAt: 0, policy: nil)
        #expect(PasswordAge.notice(control: nil, facts: old, settings: settings, now: Self.now)
            == PasswordNotice(kind: .pastLimit, days: 200))
        let fine = PasswordFacts(changedAt: Self.now - 20 * Self.day, createdAt: 0, policy: policy180)
        #expect(PasswordAge.notice(control: nil, facts: fine, settings: settings, now: Self.now) == nil)
        #expect(PasswordAge.notice(control: nil, facts: nil, settings: settings, now: Self.now) == nil)
        #expect(PasswordNotice(kind: .expiresSoon, days: 3).isUrgent && PasswordNotice(kind: .mustChange).isUrgent)
        #expect(!PasswordNotice(kind: .neverChanged).isUrgent && !PasswordNotice(kind: .pastLimit, days: 200).isUrgent)
    }

    @Test func theMailReminderLeavesLockedAccountsToTheirAdministrators() {
        let soon = PasswordFacts(changedAt: Self.now - 170 * Self.day, createdAt: 0, policy: policy180)
        #expect(PasswordAge.mailNotice(soon, settings: settings, now: Self.now) == PasswordNotice(kind: .expiresSoon, days: 10))
        let initial = PasswordFacts(changedAt: nil, createdAt: Self.now - Self.day, policy: policy180)
        #expect(PasswordAge.mailNotice(initial, settings: settings, now: Self.now) == PasswordNotice(kind: .neverChanged))
        // Locked by an administrator (for good) or by failures (within the lockout): no mail, still on the list.
        let lockedInitial = PasswordFacts(changedAt: nil, createdAt: Self.now - Self.day, lockedByDirectory: true, policy: policy180)
        #expect(PasswordAge.mailNotice(lockedInitial, settings: settings, now: Self.now) == nil)
        #expect(PasswordAge.standing(lockedInitial, settings: settings, now: Self.now).needsAttention)
        let failures = PasswordFacts(changedAt: Self.now - 170 * Self.day, createdAt: 0, lockedByDirectory: true,
                                     lockedAt: Self.now - 60, policy: policy180)
        #expect(PasswordAge.mailNotice(failures, settings: settings, now: Self.now) == nil)
        // Once the lockout has run out, the reminder comes back.
        #expect(PasswordAge.mailNotice(failures, settings: settings, now: Self.now + 600) != nil)
        let fine = PasswordFacts(changedAt: Self.now - 20 * Self.day, createdAt: 0, policy: policy180)
        #expect(PasswordAge.mailNotice(fine, settings: settings, now: Self.now) == nil)
    }

    @Test func groupsPlaceAccountsInTheViewersScopeOnly() throws {
        let rules = [
            GroupRule(pattern: try GroupPattern("so-canbo"), role: .provincialOfficer, unit: .code("SO")),
            GroupRule(pattern: try GroupPattern("{unit}-giaovien"), role: .teacher, unit: .capture),
            GroupRule(pattern: try GroupPattern("hieu-truong-*"), role: .principal, unit: .attribute("ou")),
        ]
        let groups = [
            DirectoryGroup(dn: "cn=s01-giaovien", name: "s01-giaovien"),
            DirectoryGroup(dn: "cn=S02-giaovien", name: "S02-giaovien"),
            DirectoryGroup(dn: "cn=hieu-truong-x", name: "hieu-truong-x", attributes: ["ou": ["T01"]]),
        ]
        #expect(PasswordAge.unitCodes(of: groups, rules: rules, in: ["D01", "S01"]) == ["S01"])
        #expect(PasswordAge.unitCodes(of: groups, rules: rules, in: ["S01", "S02", "T01"]) == ["S01", "S02", "T01"])
        #expect(PasswordAge.unitCodes(of: groups, rules: rules, in: ["D02"]).isEmpty)
        #expect(PasswordAge.unitCodes(of: [DirectoryGroup(dn: "cn=other", name: "other")], rules: rules, in: ["S01"]).isEmpty)
    }

    @Test func onlyAdministratorsAndOfficersReviewPasswords() {
        let policy = Policy()
        let school = UnitPosition(tenantID: 1, unitID: 4, ancestry: [1, 2, 4])
        let office = UnitPosition(tenantID: 1, unitID: 2, ancestry: [1, 2])
        func actor(_ role: Role, at unit: Int64) -> Actor {
            Actor(userID: 1, tenantID: 1, login: "x", displayName: "X", grants: [Grant(role: role, unitID: unit, unitCode: "U")])
        }
        for role in [Role.schoolAdministrator, .districtOfficer, .provincialOfficer, .tenantAdministrator] {
            #expect(policy.decide(actor(role, at: 4), .reviewPasswords, on: school) == .allowed, "\(role)")
        }
        for role in [Role.teacher, .principal, .clerk, .districtInspector, .provincialInspector, .vicePrincipal] {
            #expect(policy.decide(actor(role, at: 4), .reviewPasswords, on: school) == .forbidden, "\(role)")
        }
        // A school's administrator does not see the office above; another office's officer sees nothing here.
        #expect(policy.decide(actor(.schoolAdministrator, at: 4), .reviewPasswords, on: office) == .outOfScope)
        #expect(policy.decide(actor(.districtOfficer, at: 3), .reviewPasswords, on: school) == .outOfScope)
    }

    @Test func settingsDecodeWithDefaults() throws {
        #expect(PasswordAgeSettings().ageLimitDays == 180)
        #expect(PasswordAgeSettings().warningDays == 14)
        #expect(DirectorySettings(url: "ldap://x", bindDN: "cn=a", bindPasswordEnv: "X", userBase: "o=x", groupBase: "o=x")
            .passwordAge == PasswordAgeSettings())
    }
}
