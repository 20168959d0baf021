import HosoCore
import Testing

/// Tree used below (ids): 1 department; 2, 3 offices under 1; 4 school under 2; 5 school under 3;
/// 6 school directly under 1.
@Suite struct PolicyTests {
    let policy = Policy()
    static let tenant: Int64 = 10
    static let department = UnitPosition(tenantID: tenant, unitID: 1, ancestry: [1])
    static let office2 = UnitPosition(tenantID: tenant, unitID: 2, ancestry: [1, 2])
    static let school4 = UnitPosition(tenantID: tenant, unitID: 4, ancestry: [1, 2, 4])
    static let school5 = UnitPosition(tenantID: tenant, unitID: 5, ancestry: [1, 3, 5])
    static let school6 = UnitPosition(tenantID: tenant, unitID: 6, ancestry: [1, 6])

    static func actor(_ grants: [(Role, Int64)], tenant: Int64 = tenant) -> Actor {
        Actor(userID: 1, tenantID: tenant, login: "x", displayName: "X",
              grants: grants.map { Grant(role: $0.0, unitID: $0.1, unitCode: "U\($0.1)") })
    }

    @Test func aGrantCoversItsWholeSubtreeAndNothingElse() {
        let officer = Self.actor([(.districtOfficer, 2)])
        #expect(policy.decide(officer, .viewUnit, on: Self.office2) == .allowed)
        #expect(policy.decide(officer, .viewCompliance, on: Self.school4) == .allowed)
        #expect(policy.decide(officer, .viewUnit, on: Self.school5) == .outOfScope)
        #expect(policy.decide(officer, .viewUnit, on: Self.department) == .outOfScope)
        #expect(policy.decide(officer, .viewUnit, on: Self.school6) == .outOfScope)
    }

    @Test func aClosedUnitAndAGrantOverOneOnlyRead() {
        let closedOffice = UnitPosition(tenantID: Self.tenant, unitID: 2, ancestry: [1, 2], closed: true)
        let province = Self.actor([(.provincialOfficer, 1)])
        let formerOfficer = Actor(userID: 1, tenantID: Self.tenant, login: "x", displayName: "X",
                                  grants: [Grant(role: .districtOfficer, unitID: 2, unitCode: "U2", closed: true)])
        for action in Action.allCases {
            let expected: Policy.Decision = action.isRead ? .allowed : .forbidden
            if Role.provincialOfficer.permittedActions.contains(action) {
                #expect(policy.decide(province, action, on: closedOffice) == expected, "\(action)")
            }
            if Role.districtOfficer.permittedActions.contains(action) {
                #expect(policy.decide(formerOfficer, action, on: Self.school4) == expected, "\(action) under the closed office")
            }
        }
        #expect(policy.decide(formerOfficer, .viewUnit, on: Self.school5) == .outOfScope, "visibility is unchanged")
        #expect(policy.decide(province, .planInspection, on: Self.office2) == .allowed, "the same office, open")
    }

    @Test func denyByDefaultWithinScope() {
        let teacher = Self.actor([(.teacher, 4)])
        #expect(policy.decide(teacher, .viewUnit, on: Self.school4) == .allowed)
        #expect(policy.decide(teacher, .viewPeople, on: Self.school4) == .forbidden)
        #expect(policy.decide(teacher, .reviewRecords, on: Self.school4) == .forbidden)
        #expect(policy.decide(teacher, .administerTenant, on: Self.school4) == .forbidden)
    }

    @Test(arguments: [Role.provincialInspector, .districtInspector])
    func inspectorsNeverChangeRecords(role: Role) {
        let inspector = Self.actor([(role, 1)])
        for action in Action.allCases where !action.isOpenToInspectors {
            #expect(policy.decide(inspector, action, on: Self.school4) == .forbidden, "\(role) may not \(action)")
        }
        #expect(policy.allows(inspector, .viewRecords, on: Self.school4))
        #expect(policy.allows(inspector, .conductInspection, on: Self.school4))
    }

    @Test func severalGrantsCombine() {
        // A teacher at one school who is also a district officer of another office.
        let person = Self.actor([(.teacher, 4), (.districtOfficer, 3)])
        #expect(policy.allows(person, .viewCompliance, on: Self.school5))
        #expect(!policy.allows(person, .viewCompliance, on: Self.school4))
        #expect(policy.allows(person, .submitRecords, on: Self.school4))
    }

    @Test func anotherTenantIsAlwaysOutOfScope() {
        let officer = Self.actor([(.provincialOfficer, 1)], tenant: 99)
        #expect(policy.decide(officer, .viewUnit, on: Self.department) == .outOfScope)
    }

    @Test func topGrantsAndVisibleAncestry() {
        let person = Self.actor([(.districtOfficer, 2), (.principal, 4), (.principal, 6)])
        let ancestry: [Int64: [Int64]] = [2: [1, 2], 4: [1, 2, 4], 6: [1, 6]]
        let tops = policy.topGrants(person) { ancestry[$0] ?? [$0] }.map(\.unitID)
        #expect(tops == [2, 6])
        #expect(policy.visibleAncestry(person, [1, 2, 4]) == [2, 4])
        #expect(policy.visibleAncestry(person, [1, 3, 5]) == [])
    }
}
