import HosoCore
import HosoStore

/// A unit as a link in the tree's pages.
struct UnitLink: Sendable {
    let code: String
    let name: String
    let url: String
    let closed: Bool

    init(_ unit: StoredUnit, _ language: Language) {
        code = unit.code
        name = unit.name(in: language)
        url = SiteURL.unit(unit.code).path
        closed = unit.isClosed
    }
}

/// `home.mustache`: who is signed in, their roles and the tops of what they see.
struct HomePage: Sendable {
    struct Grant: Sendable {
        let role: String
        let roleCode: String
        let inspector: Bool
        let unit: UnitLink?
    }

    let grants: [Grant]
    let noGrants: Bool
    let tops: [UnitLink]
    /// The password warning of this session's sign-in, in the page's language.
    let passwordNotice: String?
    /// Where the person was going when the warning stopped them on this page.
    let continueURL: String?
}

/// `unit.mustache`: a unit with its way up, its children and the counts under it.
struct UnitDetailPage: Sendable {
    struct Unit: Sendable {
        let code: String
        let name: String
        let url: String
        let closed: Bool
        let kindName: String
        /// Absent, not empty, when there are none: Mustache treats an empty string as present.
        let schoolLevels: String?
        let opensOn: String?
        let closesOn: String?
    }

    struct Child: Sendable {
        let code: String
        let name: String
        let url: String
        let closed: Bool
        let kindName: String
    }

    struct Count: Sendable {
        let kind: String
        let count: Int
    }

    let unit: Unit
    let breadcrumbs: [UnitLink]
    let children: [Child]
    let hasChildren: Bool
    let counts: [Count]
    let hasCounts: Bool
    let canViewPeople: Bool
    let peopleURL: String
    /// The school administrator's and the officers' list of stale passwords.
    let canReviewPasswords: Bool
    let passwordsURL: String
    let rolesHere: String
    /// Where the unit hung over time; shown once it has moved at least once.
    let parents: [Parent]
    let hasHistory: Bool

    struct Parent: Sendable {
        let name: String
        /// Absent when the viewer may not open the parent.
        let url: String?
        let from: String
        let to: String
    }
}

/// `people.mustache`: who holds a role at a unit.
struct PeoplePage: Sendable {
    struct Person: Sendable {
        let login: String
        let displayName: String
        let role: String
        let lastSignInAt: String
    }

    let unit: UnitLink
    let people: [Person]
    let empty: Bool
}
