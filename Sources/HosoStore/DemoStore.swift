import HosoCore
import Logging
import PostgresNIO

/// The reads the demo's past (`DemoActs`, `hoso demo story`) picks its people, schools and records
/// with: who plans and who inspects where, the schools with the most told items, a role's holders,
/// and whether an act was already told. It writes nothing; the acts go through the app's stores.
public struct DemoStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public struct Team: Sendable, Equatable {
        public let unitID: Int64
        public let code: String
        public let plannerID: Int64
        public let inspectorID: Int64
    }

    /// Units where someone may plan an inspection and someone (signed in once) may conduct it, the
    /// deepest first (an office before the department).
    public func teams(tenantID: Int64) async throws -> [Team] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT DISTINCT ON (nlevel(x.path), x.code) x.id, x.code, p.user_id, i.user_id
                FROM units x
                JOIN user_grants p ON p.unit_id = x.id AND p.role IN ('district_officer', 'provincial_officer')
                JOIN user_grants i ON i.unit_id = x.id AND i.role IN ('district_inspector', 'provincial_inspector')
                WHERE x.tenant_id = \(tenantID) AND (x.closes_on IS NULL OR x.closes_on > current_date)
                ORDER BY nlevel(x.path) DESC, x.code, p.user_id, i.user_id
                """, (Int64, String, Int64, Int64).self, logger: logger).map {
                Team(unitID: $0.0, code: $0.1, plannerID: $0.2, inspectorID: $0.3)
            }
        }
    }

    /// The open schools under `unitID` with their items submitted so far, the most first.
    public func schools(tenantID: Int64, under unitID: Int64) async throws -> [(id: Int64, code: String, told: Int)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT s.id, s.code, count(o.id)::int
                FROM units x JOIN units s ON s.path <@ x.path AND cardinality(s.school_levels) > 0
                JOIN obligations o ON o.unit_id = s.id AND o.first_submitted_at IS NOT NULL
                WHERE x.id = \(unitID) AND x.tenant_id = \(tenantID) AND (s.closes_on IS NULL OR s.closes_on > current_date)
                GROUP BY s.id, s.code ORDER BY 3 DESC, s.code
                """, (Int64, String, Int).self, logger: logger).map { (id: $0.0, code: $0.1, told: $0.2) }
        }
    }

    /// Who holds `role` at the unit itself (signed in once: grants come from the directory then).
    public func holders(tenantID: Int64, unitID: Int64, role: Role) async throws -> [(id: Int64, login: String)] {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT DISTINCT u.id, u.login FROM user_grants g JOIN users u ON u.id = g.user_id
                WHERE g.tenant_id = \(tenantID) AND g.unit_id = \(unitID) AND g.role = \(role.rawValue)
                ORDER BY u.login
                """, (Int64, String).self, logger: logger).map { (id: $0.0, login: $0.1) }
        }
    }

    /// The record type with the most items at a school due between two dates, and their first and last due dates.
    public func commonType(tenantID: Int64, unitID: Int64, from: LocalDate, to: LocalDate) async throws -> String? {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT o.record_type FROM obligations o
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(unitID) AND NOT o.withdrawn
                  AND (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN \(from.iso)::date AND \(to.iso)::date
                GROUP BY o.record_type ORDER BY count(*) DESC, o.record_type LIMIT 1
                """, String.self, logger: logger).first
        }
    }

    /// A school's locked items kept by a person, oldest first: what a correction may reopen.
    public func lockedItems(tenantID: Int64, unitID: Int64) async throws
        -> [(id: Int64, ruleSetID: Int64, recordType: String, ownerUserID: Int64)]
    {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT o.id, o.rule_set_id, o.record_type, o.owner_user_id FROM obligations o
                WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(unitID) AND o.state = 'locked' AND o.owner_user_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.obligation_id = o.id)
                ORDER BY o.due_at, o.id
                """, (Int64, Int64, String, Int64).self, logger: logger).map {
                (id: $0.0, ruleSetID: $0.1, recordType: $0.2, ownerUserID: $0.3)
            }
        }
    }

    /// Whether an inspection with this title was planned by this unit (the demo's acts are told once).
    public func inspectionExists(tenantID: Int64, issuerUnitID: Int64, title: String) async throws -> Bool {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT EXISTS (SELECT 1 FROM inspections WHERE tenant_id = \(tenantID) AND issuer_unit_id = \(issuerUnitID)
                               AND title = \(title))
                """, Bool.self, logger: logger).first ?? false
        }
    }

    /// Whether a correction was asked for with this reason in the tenant.
    public func correctionExists(tenantID: Int64, reason: String) async throws -> Bool {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT EXISTS (SELECT 1 FROM corrections WHERE tenant_id = \(tenantID) AND reason = \(reason))
                """, Bool.self, logger: logger).first ?? false
        }
    }
}
