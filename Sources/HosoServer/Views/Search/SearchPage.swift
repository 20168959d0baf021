/// `search.mustache`: what the search box found, by kind.
struct SearchPage: Sendable {
    struct Hit: Sendable {
        let name: String
        /// A unit's code and parent, a person's login and school, a record type's code.
        let detail: String
        let url: String
    }

    let query: String
    /// Something long enough was searched for.
    let searched: Bool
    /// Typed, but shorter than `SearchText.minLength`.
    let tooShort: Bool
    /// The query was refused (too long), in the person's language.
    let error: String?
    let units: [Hit]
    let people: [Hit]
    let types: [Hit]
    let hasUnits: Bool
    let hasPeople: Bool
    let hasTypes: Bool
    /// "Nothing found for …", when nothing was.
    let none: String?
}
