/// The signed-in person for one request: who, in which tenant, holding which grants.
public struct Actor: Sendable, Hashable {
    public let userID: Int64
    public let tenantID: Int64
    public let login: String
    public let displayName: String
    public let grants: [Grant]

    public init(userID: Int64, tenantID: Int64, login: String, displayName: String, grants: [Grant]) {
        self.userID = userID
        self.tenantID = tenantID
        self.login = login
        self.displayName = displayName
        self.grants = grants
    }
}
