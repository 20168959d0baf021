/// How long a session lives: it ends after `idleSeconds` without a request, and after
/// `absoluteSeconds` whatever happens.
public struct SessionLifetime: Sendable, Equatable {
    public var idleSeconds: Int
    public var absoluteSeconds: Int

    public init(idleSeconds: Int = 30 * 60, absoluteSeconds: Int = 12 * 3600) {
        self.idleSeconds = idleSeconds
        self.absoluteSeconds = absoluteSeconds
    }

    /// Whether a session created `ageSeconds` ago and last used `idleForSeconds` ago is still alive.
    public func isAlive(ageSeconds: Int, idleForSeconds: Int) -> Bool {
        ageSeconds < absoluteSeconds && idleForSeconds < idleSeconds
    }
}
