import HosoCore
import Testing

@Suite struct GroupMappingTests {
    @Test func patternsCaptureTheUnitCode() throws {
        #expect(try GroupPattern("{unit}-hieutruong").match("S01-hieutruong") == "S01")
        #expect(try GroupPattern("{unit}-totruong-*").match("S01-totruong-toan") == "S01")
        #expect(try GroupPattern("{unit}-giaovien").match("S01-A-giaovien") == "S01-A")
        #expect(try GroupPattern("so-canbo").match("SO-CANBO") == "")
        #expect(try GroupPattern("{unit}-hieutruong").match("S01-giaovien") == nil)
        #expect(try GroupPattern("{unit}-hieutruong").match("-hieutruong") == nil)
    }

    @Test func theFirstMatchingRuleDecides() throws {
        let rules = [
            GroupRule(pattern: try GroupPattern("so-canbo"), role: .provincialOfficer, unit: .code("SO")),
            GroupRule(pattern: try GroupPattern("{unit}-canbo"), role: .districtOfficer, unit: .capture),
        ]
        let grants = GroupMapper.requestedGrants(groups: [
            DirectoryGroup(dn: "cn=so-canbo", name: "so-canbo"), DirectoryGroup(dn: "cn=D01-canbo", name: "D01-canbo"),
        ], rules: rules)
        #expect(grants.map { "\($0.role.rawValue)@\($0.unitCode)" } == ["provincial_officer@SO", "district_officer@D01"])
    }

    @Test func badPatternsAreRefused() {
        #expect(throws: HosoError.self) { try GroupPattern("{unit}-{unit}") }
        #expect(throws: HosoError.self) { try GroupPattern("{school}-x") }
        #expect(throws: HosoError.self) { try GroupPattern("") }
    }

    @Test func rulesMapFamiliesOfGroups() throws {
        let rules = [
            GroupRule(pattern: try GroupPattern("so-canbo"), role: .provincialOfficer, unit: .code("SO")),
            GroupRule(pattern: try GroupPattern("{unit}-totruong-vanphong"), role: .officeGroupHead, unit: .capture),
            GroupRule(pattern: try GroupPattern("{unit}-totruong-*"), role: .subjectGroupHead, unit: .capture),
            GroupRule(pattern: try GroupPattern("{unit}-giaovien"), role: .teacher, unit: .capture),
            GroupRule(pattern: try GroupPattern("hieu-truong-*"), role: .principal, unit: .attribute("ou")),
        ]
        let groups = [
            DirectoryGroup(dn: "cn=so-canbo", name: "so-canbo"),
            DirectoryGroup(dn: "cn=S01-totruong-toan", name: "S01-totruong-toan"),
            DirectoryGroup(dn: "cn=S01-giaovien", name: "S01-giaovien"),
            DirectoryGroup(dn: "cn=s01-giaovien,ou=old", name: "s01-giaovien"),
            DirectoryGroup(dn: "cn=hieu-truong-tran-phu", name: "hieu-truong-tran-phu", attributes: ["ou": ["T01"]]),
            DirectoryGroup(dn: "cn=unrelated", name: "unrelated"),
        ]
        let grants = GroupMapper.requestedGrants(groups: groups, rules: rules)
        #expect(grants.map { "\($0.role.rawValue)@\($0.unitCode)" } == [
            "provincial_officer@SO", "subject_group_head@S01", "teacher@S01", "principal@T01",
        ])
        #expect(GroupMapper.attributesNeeded(by: rules) == ["ou"])
    }
}
