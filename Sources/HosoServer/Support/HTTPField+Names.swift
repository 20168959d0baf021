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
}
