import HosoCore
import Logging
import PostgresNIO

/// One thing a search found.
public struct SearchHit: Sendable, Equatable {
    public enum Kind: String, Sendable { case unit, person, type }
    public let kind: Kind
    /// The unit's or person's id (0 for a record type).
    public let id: Int64
    /// A unit's or record type's code, a person's login.
    public let code: String
    public let nameVi: String
    public let nameEn: String
    /// A unit's parent code; a person's school (or unit) inside the scope; a record type's latest school year.
    public let place: String
    public let rank: Float
}

/// Units, people and record types by name, code or login (`hoso_search`, migration 0018), inside
/// the units of the given grants and below them only.
public struct SearchStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func search(tenantID: Int64, _ query: SearchText, scope: [Int64], limit: Int) async throws -> [SearchHit] {
        guard !scope.isEmpty else { return [] }
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT kind, id, code, name_vi, name_en, place, rank FROM hoso_search(\(query.text), \(scope), \(limit)::int)
                """, (String, Int64, String, String, String, String, Float).self, logger: logger).compactMap { row in
                SearchHit.Kind(rawValue: row.0).map {
                    SearchHit(kind: $0, id: row.1, code: row.2, nameVi: row.3, nameEn: row.4, place: row.5, rank: row.6)
                }
            }
        }
    }
}
