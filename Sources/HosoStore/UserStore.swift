import HosoCore
import Logging
import PostgresNIO

/// People of a tenant: created just in time at their first sign-in, their grants re-read from the
/// directory at every sign-in, and the local administrators who do not depend on the directory.
public struct UserStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Creates or updates the person and replaces their grants with what the directory says now.
    /// Grants naming a unit the tenant does not have, or a closed unit, are dropped (and logged).
    /// `directory`: the extra directory (a merged province's) the account came from; nil for the tenant's own.
    public func recordDirectorySignIn(tenantID: Int64, account: DirectoryAccount, requested: [RequestedGrant],
                                      directory: String? = nil) async throws -> Actor {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            let userID = try await connection.fetch("""
                INSERT INTO users (tenant_id, login, source, directory_dn, display_name, email, last_sign_in_at, directory)
                VALUES (\(tenantID), \(account.login), 'directory', \(account.dn), \(account.displayName), \(account.email), now(),
                        \(directory))
                ON CONFLICT (tenant_id, login) DO UPDATE
                    SET directory_dn = excluded.directory_dn, display_name = excluded.display_name,
                        email = excluded.email, last_sign_in_at = now()
                    WHERE users.source = 'directory'
                RETURNING id
                """, Int64.self, logger: logger).first
            guard let userID else {
                // A local administrator holds this login; the directory may not take it over.
                throw HosoError("signin.invalid_credentials")
            }
            let codes = requested.map { $0.unitCode.uppercased() }
            // A group naming a closed unit still grants reading it (its page, figures, records).
            var openUnits: [String: (id: Int64, code: String, closed: Bool)] = [:]
            for (id, code, closed) in try await connection.fetch("""
                SELECT id, code, closes_on IS NOT NULL AND closes_on <= current_date FROM units
                WHERE tenant_id = \(tenantID) AND upper(code) = ANY (\(codes))
                """, (Int64, String, Bool).self, logger: logger) {
                openUnits[code.uppercased()] = (id, code, closed)
            }
            try await connection.run("DELETE FROM user_grants WHERE user_id = \(userID)", logger: logger)
            var grants: [Grant] = []
            for request in requested {
                guard let unit = openUnits[request.unitCode.uppercased()] else {
                    logger.warning("directory group names no open unit", metadata: [
                        "group": "\(request.group)", "unit": "\(request.unitCode)", "login": "\(account.login)",
                    ])
                    continue
                }
                try await connection.run("""
                    INSERT INTO user_grants (tenant_id, user_id, role, unit_id, source_group)
                    VALUES (\(tenantID), \(userID), \(request.role.rawValue), \(unit.id), \(request.group))
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
                grants.append(Grant(role: request.role, unitID: unit.id, unitCode: unit.code, closed: unit.closed))
            }
            return Actor(userID: userID, tenantID: tenantID, login: account.login, displayName: account.displayName, grants: grants)
        }
    }

    /// The actor for a session: the person and the grants recorded at their last sign-in.
    public func actor(tenantID: Int64, userID: Int64) async throws -> Actor? {
        try await database.withTenant(tenantID) { connection in
            guard let (login, displayName) = try await connection.fetch(
                "SELECT login, display_name FROM users WHERE tenant_id = \(tenantID) AND id = \(userID)", (String, String).self, logger: self.logger).first else { return nil }
            var grants: [Grant] = []
            for (role, unitID, code, closed) in try await connection.fetch("""
                SELECT g.role, g.unit_id, u.code, u.closes_on IS NOT NULL AND u.closes_on <= current_date
                FROM user_grants g JOIN units u ON u.id = g.unit_id
                WHERE g.tenant_id = \(tenantID) AND g.user_id = \(userID)
                ORDER BY u.path, g.role
                """, (String, Int64, String, Bool).self, logger: self.logger) {
                if let role = Role(rawValue: role) { grants.append(Grant(role: role, unitID: unitID, unitCode: code, closed: closed)) }
            }
            return Actor(userID: userID, tenantID: tenantID, login: login, displayName: displayName, grants: grants)
        }
    }

    /// A local account's id and bcrypt hash, if the login names one.
    public func localAccount(tenantID: Int64, login: String) async throws -> (userID: Int64, passwordHash: String)? {
        try await database.withTenant(tenantID) { connection in
            try await connection.fetch("""
                SELECT id, password_hash FROM users WHERE tenant_id = \(tenantID) AND login = \(login) AND source = 'local'
                """, (Int64, String).self, logger: self.logger).first.map { ($0.0, $0.1) }
        }
    }

    public func recordLocalSignIn(tenantID: Int64, userID: Int64) async throws {
        try await database.withTenant(tenantID) { connection in
            try await connection.run("UPDATE users SET last_sign_in_at = now() WHERE id = \(userID)", logger: self.logger)
        }
    }

    /// Creates (or resets the password of) a tenant administrator who signs in without the
    /// directory, holding the tenant-administrator role over the root unit.
    public func upsertLocalAdministrator(tenantID: Int64, login: String, displayName: String, passwordHash: String) async throws {
        try await database.withTenant(tenantID) { connection in
            guard let rootID = try await connection.fetch(
                "SELECT id FROM units WHERE tenant_id = \(tenantID) AND parent_id IS NULL AND closes_on IS NULL", Int64.self, logger: self.logger).first else { throw HosoError("admin.no_root_unit") }
            let userID = try await connection.fetch("""
                INSERT INTO users (tenant_id, login, source, display_name, password_hash)
                VALUES (\(tenantID), \(login), 'local', \(displayName), \(passwordHash))
                ON CONFLICT (tenant_id, login) DO UPDATE SET display_name = excluded.display_name, password_hash = excluded.password_hash
                    WHERE users.source = 'local'
                RETURNING id
                """, Int64.self, logger: self.logger).first
            guard let userID else { throw HosoError("admin.login_taken", ["login": login]) }
            try await connection.run("""
                INSERT INTO user_grants (tenant_id, user_id, role, unit_id, source_group)
                VALUES (\(tenantID), \(userID), \(Role.tenantAdministrator.rawValue), \(rootID), 'local')
                ON CONFLICT DO NOTHING
                """, logger: self.logger)
        }
    }

    /// People holding a grant exactly at this unit.
    public func members(tenantID: Int64, unitID: Int64) async throws -> [UnitMember] {
        try await database.withTenant(tenantID) { connection in
            var members: [UnitMember] = []
            for (login, name, role, last) in try await connection.fetch("""
                SELECT u.login, u.display_name, g.role, to_char(u.last_sign_in_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'DD/MM/YYYY HH24:MI')
                FROM user_grants g JOIN users u ON u.id = g.user_id
                WHERE g.tenant_id = \(tenantID) AND g.unit_id = \(unitID)
                ORDER BY u.display_name COLLATE "vi-VN-x-icu", g.role
                """, (String, String, String, String?).self, logger: self.logger) {
                if let role = Role(rawValue: role) { members.append(UnitMember(login: login, displayName: name, role: role, lastSignInAt: last)) }
            }
            return members
        }
    }
}
