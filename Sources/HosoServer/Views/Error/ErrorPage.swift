/// `error.mustache`: what went wrong, in the person's language, with its stable code.
struct ErrorPage: Sendable {
    let code: String
    let message: String
    let details: [String]
    let status: Int
    let requestID: String?
}
