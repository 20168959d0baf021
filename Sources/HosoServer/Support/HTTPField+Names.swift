import HTTPTypes

extension HTTPField.Name {
    // Valid token literals: these initialisers cannot fail.
    static let xRequestID = HTTPField.Name("X-Request-Id")!
    static let xCSRFToken = HTTPField.Name("X-CSRF-Token")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    /// The SHA-256 of a stored document served (minutes, reports), so that a client can check it.
    static let xContentSHA256 = HTTPField.Name("X-Content-SHA256")!
    /// Reloads a page that shows work in progress (no script needed).
    static let refresh = HTTPField.Name("Refresh")!
}
