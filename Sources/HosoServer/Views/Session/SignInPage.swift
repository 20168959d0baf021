/// `signin.mustache`: the sign-in form, with the tenant chosen by the host or by the person.
struct SignInPage: Sendable {
    struct Tenant: Sendable {
        let code: String
        let name: String
        let selected: Bool
    }

    struct FixedTenant: Sendable {
        let code: String
        let name: String
    }

    struct Problem: Sendable {
        let code: String
        let message: String
    }

    let next: String
    let login: String
    let formToken: String
    let tenants: [Tenant]
    /// The tenant the host names; the form then offers no choice.
    let fixedTenant: FixedTenant?
    let error: Problem?
    let notice: String?
}
