import Hummingbird
import HosoCore
import Logging
import NIOCore

/// A signed-in session on this request.
public struct ActiveSession: Sendable {
    public let token: String
    public let csrfToken: String
    public let actor: Actor
    public let tenantCode: String
}

/// Per-request state (Hummingbird's request id is on the logger as `hb.request.id`): the language, the client address and, once the session
/// middleware has run, the signed-in actor.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var language: Language = .vi
    public var session: ActiveSession?
    /// The peer's address (or the forwarded one behind a trusted proxy).
    public var clientAddress: String
    /// True when the session cookie named a session that has expired (for a clearer message).
    public var sessionExpired = false

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}
