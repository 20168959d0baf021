/// The domain's error: a stable code for clients and logs, a message key into `web/locales`,
/// and the values the message needs. The server turns it into a localised message.
public struct HosoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, documented, never localised (e.g. `tenant.cycle`).
    public let code: String
    /// Key into the locale files, usually `error.<code>`.
    public let messageKey: String
    /// Values substituted into the message's `{name}` placeholders.
    public let parameters: [String: String]

    public init(_ code: String, _ parameters: [String: String] = [:]) {
        self.code = code
        self.messageKey = "error." + code
        self.parameters = parameters
    }

    public var description: String {
        parameters.isEmpty ? code : "\(code) \(parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
    }
}

/// Several problems found at once (a tenant file is checked whole, so its author sees every
/// mistake in one pass rather than one per import).
public struct HosoErrors: Error, Sendable, Equatable {
    public let errors: [HosoError]
    public init(_ errors: [HosoError]) { self.errors = errors }
}
