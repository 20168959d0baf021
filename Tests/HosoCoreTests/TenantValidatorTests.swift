import HosoCore
import Testing

@Suite struct TenantValidatorTests {
    static let directory = DirectorySettings(url: "ldap://x", bindDN: "cn=s", bindPasswordEnv: "P", userBase: "ou=p", groupBase: "ou=g")

    static func tenant(_ units: [UnitDefinition], rules: [GroupRule] = []) -> TenantDefinition {
        TenantDefinition(id: "t", nameVi: "Sở", nameEn: "Dept", units: units, directory: directory, groupRules: rules)
    }

    static func unit(_ code: String, _ kind: String, parent: String?, levels: [SchoolLevel] = [], line: Int = 0) -> UnitDefinition {
        UnitDefinition(code: code, nameVi: "Đơn vị \(code)", nameEn: "Unit \(code)", kind: kind,
                       schoolLevels: kind == "school" && levels.isEmpty ? [.primary] : levels, parentCode: parent, line: line)
    }

    func codes(_ error: any Error) -> [String] { (error as? HosoErrors)?.errors.map(\.code) ?? [] }

    @Test func ordersParentsBeforeChildren() throws {
        // setup: children listed before their parents, a school directly under the department
        let units = [
            Self.unit("S1", "school", parent: "D1"), Self.unit("T1", "school", parent: "SO"),
            Self.unit("D1", "office", parent: "SO"), Self.unit("SO", "department", parent: nil),
        ]
        // act
        let ordered = try TenantValidator.validate(Self.tenant(units)).map(\.code)
        // verify
        #expect(ordered.first == "SO")
        let office = try #require(ordered.firstIndex(of: "D1"))
        let school = try #require(ordered.firstIndex(of: "S1"))
        #expect(office < school)
        #expect(Set(ordered) == ["SO", "D1", "S1", "T1"])
    }

    @Test func refusesACycleNamingItsLine() {
        let units = [
            Self.unit("SO", "department", parent: nil, line: 1),
            Self.unit("D1", "office", parent: "D2", line: 10),
            Self.unit("D2", "office", parent: "D1", line: 14),
        ]
        #expect {
            try TenantValidator.validate(Self.tenant(units))
        } throws: { error in
            guard let problem = (error as? HosoErrors)?.errors.first(where: { $0.code == "tenant.cycle" }) else { return false }
            return problem.parameters["line"] == "10" && problem.parameters["codes"]?.contains("D1") == true
        }
    }

    @Test func refusesDuplicateCodesAndUnknownParents() {
        let units = [
            Self.unit("SO", "department", parent: nil, line: 1),
            Self.unit("D1", "office", parent: "SO", line: 5),
            Self.unit("D1", "office", parent: "SO", line: 9),
            Self.unit("S1", "school", parent: "NOPE", line: 13),
        ]
        do {
            _ = try TenantValidator.validate(Self.tenant(units))
            Issue.record("expected a refusal")
        } catch {
            let problems = (error as? HosoErrors)?.errors ?? []
            #expect(problems.contains { $0.code == "tenant.duplicate_code" && $0.parameters["line"] == "9" && $0.parameters["first_line"] == "5" })
            #expect(problems.contains { $0.code == "tenant.unknown_parent" && $0.parameters["parent"] == "NOPE" && $0.parameters["line"] == "13" })
        }
    }

    @Test func enforcesTheLevelsOfTheHierarchy() {
        let units = [
            Self.unit("SO", "department", parent: nil),
            Self.unit("S1", "school", parent: "SO"),
            Self.unit("D1", "office", parent: "S1"),       // an office under a school
            Self.unit("X1", "campus", parent: "SO"),       // an undeclared level
            Self.unit("S2", "school", parent: "SO", levels: []),
        ]
        var tenant = Self.tenant(units)
        tenant = TenantDefinition(id: tenant.id, nameVi: tenant.nameVi, nameEn: tenant.nameEn, units: [
            units[0], units[1], units[2], units[3],
            UnitDefinition(code: "S2", nameVi: "Trường", nameEn: "", kind: "school", schoolLevels: [], parentCode: "SO"),
        ], directory: Self.directory, groupRules: [])
        #expect(throws: HosoErrors.self) { try TenantValidator.validate(tenant) }
        do { _ = try TenantValidator.validate(tenant) } catch {
            let found = Set(codes(error))
            #expect(found.isSuperset(of: ["tenant.parent_kind", "tenant.unknown_kind", "tenant.missing_school_level"]))
        }
    }

    @Test func refusesSeveralRootsAndBadDates() {
        let units = [
            Self.unit("SO", "department", parent: nil),
            Self.unit("SO2", "department", parent: nil),
            UnitDefinition(code: "S1", nameVi: "Trường", nameEn: "", kind: "school", schoolLevels: [.primary], parentCode: "SO",
                           opensOn: "2025-02-30", closesOn: nil),
            UnitDefinition(code: "S2", nameVi: "Trường", nameEn: "", kind: "school", schoolLevels: [.primary], parentCode: "SO",
                           opensOn: "2025-09-05", closesOn: "2024-05-31"),
        ]
        do { _ = try TenantValidator.validate(Self.tenant(units)); Issue.record("expected a refusal") } catch {
            #expect(Set(codes(error)).isSuperset(of: ["tenant.several_roots", "tenant.bad_date", "tenant.closes_before_opens"]))
        }
    }

    @Test func refusesRulesNamingUnknownUnits() throws {
        let rule = GroupRule(pattern: try GroupPattern("so-canbo"), role: .provincialOfficer, unit: .code("XX"), line: 7)
        do {
            _ = try TenantValidator.validate(Self.tenant([Self.unit("SO", "department", parent: nil)], rules: [rule]))
            Issue.record("expected a refusal")
        } catch {
            #expect(codes(error) == ["tenant.rule_unknown_unit"])
        }
    }

    @Test(arguments: [("2024-02-29", true), ("2025-02-29", false), ("2026-13-01", false), ("2026-9-05", false), ("2026-09-30", true)])
    func checksISODates(value: String, valid: Bool) {
        #expect(TenantValidator.isISODate(value) == valid)
    }
}
