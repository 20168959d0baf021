import HosoCore
import Testing

/// Two tenants may not read their people from the same part of one directory unless both files
/// say so and tell their accounts apart (issue 13, hole 3).
@Suite struct DirectorySharingTests {
    static func directory(_ url: String = "ldap://127.0.0.1:3389", users: String = "ou=people,dc=demo,dc=hoso,dc=vn",
                          groups: String = "ou=groups,dc=demo,dc=hoso,dc=vn", sharedWith: [String]? = nil,
                          accountFilter: String? = nil) -> DirectorySettings {
        DirectorySettings(url: url, bindDN: "cn=hoso-service,ou=services,dc=demo,dc=hoso,dc=vn",
                          bindPasswordEnv: "HOSO_DEMO_DIRECTORY_PASSWORD", userBase: users, groupBase: groups,
                          sharedWith: sharedWith, accountFilter: accountFilter)
    }

    static func tenant(_ id: String, _ directory: DirectorySettings?) -> TenantDefinition {
        TenantDefinition(id: id, nameVi: "Sở", nameEn: "Dept", units: [], directory: directory, groupRules: [])
    }

    func codes(_ tenant: TenantDefinition, _ others: [(String, DirectorySettings?)]) -> [String] {
        let neighbours = others.map { DirectorySharing.Neighbour(code: $0.0, directory: $0.1) }
        return DirectorySharing.refusals(tenant, among: neighbours).map(\.code)
    }

    @Test func aCopyOfATenantOnTheSameDirectoryIsRefused() {
        let refusals = DirectorySharing.refusals(Self.tenant("copy", Self.directory()),
                                                 among: [.init(code: "demo", directory: Self.directory())])
        #expect(refusals == [HosoError("tenant.directory_overlap", [
            "tenant": "copy", "other": "demo", "server": "127.0.0.1:3389", "base": "ou=people,dc=demo,dc=hoso,dc=vn",
        ])])
    }

    @Test(arguments: [
        ("LDAP://127.0.0.1:3389/", "OU=People, DC=demo, DC=hoso, DC=vn"),
        ("ldap://127.0.0.1:3389", "ou = people ,dc=demo,dc=hoso,dc=vn"),
        ("ldap://127.0.0.1:3389", "dc=hoso,dc=vn"),
        ("ldap://127.0.0.1:3389", ""),
    ])
    func theComparisonIgnoresHowSettingsAreWritten(url: String, users: String) {
        #expect(codes(Self.tenant("copy", Self.directory(url, users: users, groups: "ou=x,dc=other")),
                      [("demo", Self.directory())]) == ["tenant.directory_overlap"])
    }

    @Test func sharedGroupsAloneAreAnOverlap() {
        let mine = Self.directory(users: "ou=people,dc=other,dc=vn", groups: "OU=Groups,DC=Demo,DC=Hoso,DC=Vn")
        #expect(codes(Self.tenant("copy", mine), [("demo", Self.directory())]) == ["tenant.directory_overlap"])
    }

    @Test func defaultPortsAreFilledIn() {
        #expect(DirectorySharing.server("ldap://Dir.Example") == DirectorySharing.server("ldap://dir.example:389/"))
        #expect(DirectorySharing.server("ldaps://dir.example") == "dir.example:636")
        #expect(DirectorySharing.server("ldap://[::1]") == "[::1]:389")
        #expect(DirectorySharing.server("ldap://[::1]:3389") == "[::1]:3389")
        #expect(DirectorySharing.server("ldap://dir.example") != DirectorySharing.server("ldap://dir.example:3389"))
    }

    @Test func separateBasesOrServersDoNotOverlap() {
        let demo2 = Self.directory(users: "ou=people,dc=demo2,dc=hoso,dc=vn", groups: "ou=groups,dc=demo2,dc=hoso,dc=vn")
        #expect(codes(Self.tenant("demo2", demo2), [("demo", Self.directory())]).isEmpty)
        #expect(codes(Self.tenant("copy", Self.directory("ldap://other.example:3389")), [("demo", Self.directory())]).isEmpty)
        // An escaped comma belongs to its value: "ou=a\,dc=demo" is not under "dc=demo".
        #expect(!DirectorySharing.nested("ou=a\\,dc=demo", "dc=demo"))
    }

    @Test func aTenantWithoutDirectoryOverlapsNobody() {
        #expect(codes(Self.tenant("bigdemo", nil), [("demo", Self.directory())]).isEmpty)
        #expect(codes(Self.tenant("demo", Self.directory()), [("bigdemo", nil)]).isEmpty)
    }

    @Test func reImportingATenantDoesNotCompareItWithItself() {
        #expect(codes(Self.tenant("demo", Self.directory()), [("demo", Self.directory())]).isEmpty)
    }

    @Test func sharingDeclaredByBothWithTheirOwnAccountFiltersIsAccepted() {
        let a = Self.directory(sharedWith: ["b"], accountFilter: "(departmentNumber=a)")
        let b = Self.directory(sharedWith: ["b", "a"], accountFilter: "(departmentNumber=b)")
        #expect(codes(Self.tenant("a", a), [("b", b)]).isEmpty)
        #expect(codes(Self.tenant("b", b), [("a", a)]).isEmpty)
    }

    @Test func sharingDeclaredByOneSideOnlyIsRefused() {
        let a = Self.directory(sharedWith: ["b"], accountFilter: "(departmentNumber=a)")
        let b = Self.directory(accountFilter: "(departmentNumber=b)")
        #expect(codes(Self.tenant("a", a), [("b", b)]) == ["tenant.directory_overlap"])
        #expect(codes(Self.tenant("b", b), [("a", a)]) == ["tenant.directory_overlap"])
    }

    @Test(arguments: [
        ("(departmentNumber=a)", "( departmentNumber=A )"),
        ("(departmentNumber=a)", nil),
    ])
    func sharingWithoutDistinctAccountFiltersIsRefused(filterA: String, filterB: String?) {
        let a = Self.directory(sharedWith: ["b"], accountFilter: filterA)
        let b = Self.directory(sharedWith: ["a"], accountFilter: filterB)
        #expect(codes(Self.tenant("a", a), [("b", b)]) == ["tenant.directory_accounts_not_apart"])
    }

    @Test func theAccountFilterJoinsTheSignInSearch() {
        let shared = Self.directory(sharedWith: ["b"], accountFilter: "(departmentNumber=a)")
        #expect(shared.forSignIn().userFilter == "(&(objectClass=inetOrgPerson)(departmentNumber=a))")
        #expect(Self.directory().forSignIn() == Self.directory(), "nothing changes without an account filter")
    }

    @Test func accountFiltersMustBeOneFilter() {
        #expect(DirectorySharing.isFilter("(departmentNumber=a)"))
        #expect(DirectorySharing.isFilter("(&(o=a)(ou=b\\29))"))
        #expect(!DirectorySharing.isFilter("departmentNumber=a"))
        #expect(!DirectorySharing.isFilter("(o=a)(o=b)"))
        #expect(!DirectorySharing.isFilter("(o=a))("))
        #expect(!DirectorySharing.isFilter("((o=a)"))
    }
}
