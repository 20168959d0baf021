import HosoCore
import Testing

/// The province merger's decision: codes re-coded where they clash or the map says, every refusal at once.
@Suite struct TenantMergeTests {
    static func directory(_ base: String, url: String = "ldap://dir.example") -> DirectorySettings {
        DirectorySettings(url: url, bindDN: "cn=s," + base, bindPasswordEnv: "P", userBase: "ou=people," + base,
                          groupBase: "ou=groups," + base)
    }

    static func side(_ code: String, units: [String], logins: [String] = [], frozen: Bool = false,
                     directory: DirectorySettings? = nil, brokenAt: Int64? = nil) -> TenantMerge.Side {
        TenantMerge.Side(code: code, frozen: frozen, directory: directory ?? Self.directory("dc=\(code)"), unitCodes: units,
                         logins: logins, auditBrokenAt: brokenAt)
    }

    func refusals(_ result: Result<TenantMerge.Plan, HosoErrors>) -> [String] {
        if case .failure(let errors) = result { return errors.errors.map(\.code) }
        return []
    }

    @Test func clashingCodesGetTheSourcePrefixAndTheMapWins() throws {
        // setup: both have SGD and TH01; the map renames TH01 and a code that does not clash
        let source = Self.side("haiduong", units: ["SGD", "TH01", "TH02", "PGD-KM"], logins: ["an"])
        let target = Self.side("haiphong", units: ["SGD", "TH01", "PGD-HB"], logins: ["an"])
        // act
        let plan = try TenantMerge.plan(source: source, target: target, map: ["TH01": "HD-TH01", "TH02": "HD-TH02"]).get()
        // verify
        #expect(plan.recodes == [
            TenantMerge.Recode(from: "SGD", to: "haiduong-SGD", clashed: true),
            TenantMerge.Recode(from: "TH01", to: "HD-TH01", clashed: true),
            TenantMerge.Recode(from: "TH02", to: "HD-TH02", clashed: false),
        ])
        #expect(plan.login("an") == "an@haiduong", "people keep their login, in their directory's domain")
    }

    @Test func aMergeIntoItselfIsRefused() {
        let side = Self.side("haiphong", units: ["SGD"])
        #expect(refusals(TenantMerge.plan(source: side, target: side, map: [:])) == ["tenant.merge_into_itself"])
    }

    @Test func frozenTenantsABrokenChainAndOneDirectoryAreRefusedTogether() {
        let shared = Self.directory("dc=vn")
        let source = Self.side("haiduong", units: ["A"], frozen: true, directory: shared, brokenAt: 7)
        let target = Self.side("haiphong", units: ["B"], frozen: true, directory: shared)
        #expect(refusals(TenantMerge.plan(source: source, target: target, map: [:])) == [
            "tenant.merge_source_frozen", "tenant.merge_target_frozen", "tenant.merge_audit_broken", "tenant.merge_directory_overlap",
        ])
    }

    @Test func directoriesOnOtherServersOrBasesDoNotClash() throws {
        let source = Self.side("haiduong", units: ["A"], directory: Self.directory("dc=vn", url: "ldap://hd.example"))
        let target = Self.side("haiphong", units: ["B"], directory: Self.directory("dc=vn", url: "ldap://hp.example"))
        _ = try TenantMerge.plan(source: source, target: target, map: [:]).get()
        let none = Self.side("bigdemo", units: ["C"])
        _ = try TenantMerge.plan(source: TenantMerge.Side(code: "x", frozen: false, directory: nil, unitCodes: ["D"], logins: [],
                                                          auditBrokenAt: nil), target: none, map: [:]).get()
    }

    @Test func aMapOfTwoCodesToOneToAnExistingCodeOrAnUnknownCodeIsRefused() {
        let source = Self.side("haiduong", units: ["A", "B", "C"])
        let target = Self.side("haiphong", units: ["X"])
        #expect(refusals(TenantMerge.plan(source: source, target: target, map: ["A": "N", "B": "N"])) == ["tenant.merge_map_duplicate"])
        #expect(refusals(TenantMerge.plan(source: source, target: target, map: ["A": "X"])) == ["tenant.merge_map_existing"])
        #expect(refusals(TenantMerge.plan(source: source, target: target, map: ["A": "C"])) == ["tenant.merge_map_existing"],
                "C stays C: A cannot take it")
        #expect(refusals(TenantMerge.plan(source: source, target: target, map: ["Z": "N"])) == ["tenant.merge_map_unknown_code"])
    }

    @Test func aPrefixedCodeTheTargetHasAlreadyIsRefused() {
        let source = Self.side("haiduong", units: ["SGD"])
        let target = Self.side("haiphong", units: ["SGD", "haiduong-SGD"])
        #expect(refusals(TenantMerge.plan(source: source, target: target, map: [:])) == ["tenant.merge_map_existing"])
    }

    @Test func aLoginTheTargetHasInTheSourcesDomainIsRefused() {
        let source = Self.side("haiduong", units: ["A"], logins: ["an"])
        let target = Self.side("haiphong", units: ["B"], logins: ["an@haiduong"])
        #expect(refusals(TenantMerge.plan(source: source, target: target, map: [:])) == ["tenant.merge_login_clash"])
    }

    @Test func theMergedTenantKeepsTheSourcesDirectoryWithItsRulesAndItsCodesAsRecoded() throws {
        // setup: the source's groups name S01 (re-coded in the target) and SGD
        let rules = [GroupRule(pattern: try GroupPattern("{unit}-hieutruong"), role: .principal, unit: .capture)]
        let source = TenantMerge.Side(code: "haiduong", frozen: false, directory: Self.directory("dc=haiduong"), unitCodes: ["SGD", "S01", "S02"],
                                      logins: [], auditBrokenAt: nil, groupRules: rules)
        let target = Self.side("haiphong", units: ["SGD", "S01"])
        // act
        let plan = try TenantMerge.plan(source: source, target: target, map: [:]).get()
        // verify
        let extra = try #require(plan.directories.first)
        #expect(plan.directories.count == 1)
        #expect(extra.name == "haiduong" && extra.loginDomain == "haiduong" && extra.groupRules == rules && extra.mergedFrom == "haiduong")
        #expect(extra.unitCodes == ["SGD": "haiduong-SGD", "S01": "haiduong-S01"])
        let grants = DirectoryChoice.grants([RequestedGrant(role: .principal, unitCode: "S01", group: "S01-hieutruong"),
                                             RequestedGrant(role: .principal, unitCode: "S02", group: "S02-hieutruong")], through: extra)
        #expect(grants.map(\.unitCode) == ["haiduong-S01", "S02"])
    }

    @Test func aLoginDomainPicksTheDirectoryAndAnyOtherLoginTheTenantsOwn() throws {
        let extra = ExtraDirectory(name: "haiduong", loginDomain: "haiduong", settings: Self.directory("dc=haiduong"), groupRules: [])
        #expect(DirectoryChoice.pick(login: "an.nguyen@HaiDuong", among: [extra]) == .extra(extra, login: "an.nguyen"))
        #expect(DirectoryChoice.pick(login: "an.nguyen", among: [extra]) == .own(login: "an.nguyen"))
        #expect(DirectoryChoice.pick(login: "an@example.org", among: [extra]) == .own(login: "an@example.org"),
                "an unknown domain is part of the login in the tenant's own directory")
        #expect(DirectoryChoice.pick(login: "@haiduong", among: [extra]) == .own(login: "@haiduong"))
        #expect(DirectoryChoice.login("an", of: extra) == "an@haiduong")
    }

    @Test func aSecondMergerIntoATenantRefusesADomainItHoldsAndADirectoryItReadsAlready() {
        let shared = Self.directory("dc=haiduong")
        let extra = ExtraDirectory(name: "haiduong", loginDomain: "haiduong", settings: shared, groupRules: [])
        let target = TenantMerge.Side(code: "haiphong", frozen: false, directory: Self.directory("dc=haiphong"), unitCodes: ["A"],
                                      logins: [], auditBrokenAt: nil, extras: [extra])
        let source = Self.side("haiduong", units: ["B"], directory: shared)
        #expect(refusals(TenantMerge.plan(source: source, target: target, map: [:])) == [
            "tenant.merge_directory_overlap", "tenant.merge_login_domain_taken",
        ])
    }
}
