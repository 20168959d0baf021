import HosoCore
import HosoStore

/// The JSON shapes of `/api/v1` (described in `web/openapi.yaml`).
enum API {
    struct Names: Encodable {
        let vi: String
        let en: String
    }

    struct UnitRef: Encodable {
        let code: String
        let name: String
        let names: Names
        let kind: String
        let closed: Bool

        init(_ unit: StoredUnit, _ language: Language) {
            code = unit.code
            names = Names(vi: unit.nameVi, en: unit.nameEn.isEmpty ? unit.nameVi : unit.nameEn)
            name = language == .vi ? names.vi : names.en
            kind = unit.kind
            closed = unit.isClosed
        }
    }

    struct UnitDetail: Encodable {
        let unit: UnitRef
        let schoolLevels: [String]
        let opensOn: String?
        let closesOn: String?
        let breadcrumbs: [UnitRef]
        let children: [UnitRef]
        let subtreeCounts: [String: Int]
        let rolesHere: [String]
        /// Where the unit hung, oldest first (`parent` absent when the viewer may not see it).
        let parents: [ParentSpan]
    }

    struct ParentSpan: Encodable {
        let parent: UnitRef?
        let from: String?
        let to: String?
    }

    /// The tree as it stood on a date: the units the viewer may see, each with its parent then.
    struct Tree: Encodable {
        let on: String
        let units: [TreeUnit]
    }

    struct TreeUnit: Encodable {
        let unit: UnitRef
        let parent: String?
    }

    struct GrantView: Encodable {
        let role: String
        let roleName: String
        let unit: UnitRef?
    }

    struct Me: Encodable {
        struct User: Encodable {
            let login: String
            let displayName: String
        }
        struct Tenant: Encodable {
            let code: String
            let name: String
        }
        let user: User
        let tenant: Tenant
        let grants: [GrantView]
        /// The tops of what the person may see.
        let visibleUnits: [UnitRef]
        let csrfToken: String
        /// The password warning of this session's sign-in (absent when there is none).
        let passwordNotice: PasswordNoticeView?
    }

    struct SignInRequest: Decodable {
        let tenant: String
        let username: String
        let password: String
    }

    struct TenantSummary: Encodable {
        let code: String
        let name: String
    }

    struct Member: Encodable {
        let login: String
        let displayName: String
        let role: String
        let roleName: String
        let lastSignInAt: String?
    }

    struct People: Encodable {
        let unit: UnitRef
        let people: [Member]
    }
}

extension API {
    /// `GET /api/v1/search`: units, people and record types found, best first, each with its page.
    struct Search: Encodable {
        let query: String
        let units: [SearchResult]
        let people: [SearchResult]
        let recordTypes: [SearchResult]
    }

    struct SearchResult: Encodable {
        /// A unit's or record type's code, a person's login.
        let code: String
        let name: String
        let names: Names
        /// A unit's parent code, a person's school or unit, a record type's latest school year.
        let place: String?
        let url: String
    }
}
