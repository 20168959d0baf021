import HosoCore
import Logging
import PostgresNIO

/// The people of schools: teachers, subject and office groups with their heads, classes with
/// their homeroom teachers, each with the dates it holds.
public struct PeopleStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public struct Summary: Sendable, Equatable {
        public var people = 0
        public var groups = 0
        public var classes = 0
        public var duties = 0
        /// Subjects taught per class (the `teaches` column).
        public var teachings = 0
    }

    /// Applies the good lines of a people file to a school, all or nothing. A person not yet
    /// signed in is created (their directory details fill in at their first sign-in). Dates
    /// missing in the file default to `defaultFrom` (the school year's opening).
    public func importPeople(tenantID: Int64, unitID: Int64, schoolYear: String, defaultFrom: LocalDate, rows: [PeopleImport.Row]) async throws -> Summary {
        let logger = self.logger
        return try await database.withTenant(tenantID) { connection in
            var summary = Summary()
            var groups: Set<String> = []
            var classes: Set<String> = []
            for row in rows {
                guard let userID = try await connection.fetch("""
                    INSERT INTO users (tenant_id, login, source, display_name)
                    VALUES (\(tenantID), \(row.login), 'directory', \(row.displayName ?? row.login))
                    ON CONFLICT (tenant_id, login) DO UPDATE SET display_name = users.display_name
                    RETURNING id
                    """, Int64.self, logger: logger).first else { continue }
                let from = (row.validFrom ?? defaultFrom).iso
                let to = row.validTo?.iso
                try await connection.run("""
                    INSERT INTO school_staff (tenant_id, unit_id, user_id, valid_from, valid_to, source)
                    VALUES (\(tenantID), \(unitID), \(userID), \(from)::date, \(to)::date, 'import')
                    ON CONFLICT (unit_id, user_id, valid_from) DO UPDATE SET valid_to = excluded.valid_to
                    """, logger: logger)
                summary.people += 1
                if let duty = row.duty {
                    try await connection.run("""
                        INSERT INTO school_duties (tenant_id, unit_id, user_id, duty, valid_from, valid_to, source)
                        VALUES (\(tenantID), \(unitID), \(userID), \(duty.rawValue), \(from)::date, \(to)::date, 'import')
                        ON CONFLICT (unit_id, user_id, duty, valid_from) DO UPDATE SET valid_to = excluded.valid_to
                        """, logger: logger)
                    summary.duties += 1
                }
                if let group = row.group {
                    guard let groupID = try await connection.fetch("""
                        INSERT INTO school_groups (tenant_id, unit_id, kind, code, name_vi, name_en)
                        VALUES (\(tenantID), \(unitID), \(group.kind.rawValue), \(group.code), \(group.nameVi), \(group.nameEn))
                        ON CONFLICT (tenant_id, unit_id, code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, kind = excluded.kind
                        RETURNING id
                        """, Int64.self, logger: logger).first else { continue }
                    if groups.insert(group.code).inserted { summary.groups += 1 }
                    try await connection.run("""
                        INSERT INTO group_members (tenant_id, group_id, user_id, is_head, valid_from, valid_to, source)
                        VALUES (\(tenantID), \(groupID), \(userID), \(row.isGroupHead), \(from)::date, \(to)::date, 'import')
                        ON CONFLICT (group_id, user_id, valid_from) DO UPDATE SET is_head = excluded.is_head, valid_to = excluded.valid_to
                        """, logger: logger)
                }
                if let code = row.homeroomClass {
                    guard let classID = try await connection.fetch("""
                        INSERT INTO school_classes (tenant_id, unit_id, school_year, code, grade)
                        VALUES (\(tenantID), \(unitID), \(schoolYear), \(code), \(row.grade))
                        ON CONFLICT (tenant_id, unit_id, school_year, code) DO UPDATE SET grade = coalesce(excluded.grade, school_classes.grade)
                        RETURNING id
                        """, Int64.self, logger: logger).first else { continue }
                    if classes.insert(code).inserted { summary.classes += 1 }
                    try await connection.run("""
                        INSERT INTO homeroom_assignments (tenant_id, class_id, user_id, valid_from, valid_to)
                        VALUES (\(tenantID), \(classID), \(userID), \(from)::date, \(to)::date)
                        ON CONFLICT (class_id, user_id, valid_from) DO UPDATE SET valid_to = excluded.valid_to
                        """, logger: logger)
                }
                for teaching in row.teaches {
                    guard let classID = try await connection.fetch("""
                        INSERT INTO school_classes (tenant_id, unit_id, school_year, code)
                        VALUES (\(tenantID), \(unitID), \(schoolYear), \(teaching.classCode))
                        ON CONFLICT (tenant_id, unit_id, school_year, code) DO UPDATE SET grade = school_classes.grade
                        RETURNING id
                        """, Int64.self, logger: logger).first else { continue }
                    if classes.insert(teaching.classCode).inserted { summary.classes += 1 }
                    try await connection.run("""
                        INSERT INTO teaching_assignments (tenant_id, class_id, user_id, subject, valid_from, valid_to)
                        VALUES (\(tenantID), \(classID), \(userID), \(teaching.subject), \(from)::date, \(to)::date)
                        ON CONFLICT (class_id, user_id, subject, valid_from) DO UPDATE SET valid_to = excluded.valid_to
                        """, logger: logger)
                    summary.teachings += 1
                }
            }
            return summary
        }
    }

    /// Who works in a school in a school year: imported staff, plus anyone whose directory grant
    /// makes them a teacher there (open-ended).
    static func people(_ connection: PostgresConnection, tenantID: Int64, unitID: Int64, schoolYear: String, logger: Logger) async throws -> SchoolPeople {
        func span(_ from: String?, _ to: String?) -> SchoolPeople.Span {
            SchoolPeople.Span(from: from.flatMap(LocalDate.init(iso:)), to: to.flatMap(LocalDate.init(iso:)))
        }
        var teachers = try await connection.fetch("""
            SELECT user_id, valid_from::text, valid_to::text FROM school_staff WHERE tenant_id = \(tenantID) AND unit_id = \(unitID)
            ORDER BY user_id, valid_from
            """, (Int64, String?, String?).self, logger: logger).map { SchoolPeople.Teacher(userID: $0.0, span: span($0.1, $0.2)) }
        let imported = Set(teachers.map(\.userID))
        for userID in try await connection.fetch("""
            SELECT DISTINCT user_id FROM user_grants WHERE tenant_id = \(tenantID) AND unit_id = \(unitID) AND role = 'teacher' ORDER BY user_id
            """, Int64.self, logger: logger) where !imported.contains(userID) {
            teachers.append(SchoolPeople.Teacher(userID: userID, span: span(nil, nil)))
        }
        let groups = try await connection.fetch("""
            SELECT id, kind FROM school_groups WHERE tenant_id = \(tenantID) AND unit_id = \(unitID) ORDER BY id
            """, (Int64, String).self, logger: logger).compactMap { row in GroupKind(rawValue: row.1).map { SchoolPeople.Group(id: row.0, kind: $0) } }
        var homeroom: [Int64: [SchoolPeople.Teacher]] = [:]
        var classIDs: [Int64] = []
        for (classID, userID, from, to) in try await connection.fetch("""
            SELECT c.id, h.user_id, h.valid_from::text, h.valid_to::text
            FROM school_classes c LEFT JOIN homeroom_assignments h ON h.class_id = c.id
            WHERE c.tenant_id = \(tenantID) AND c.unit_id = \(unitID) AND c.school_year = \(schoolYear)
            ORDER BY c.id, h.valid_from
            """, (Int64, Int64?, String?, String?).self, logger: logger) {
            if !classIDs.contains(classID) { classIDs.append(classID) }
            if let userID { homeroom[classID, default: []].append(SchoolPeople.Teacher(userID: userID, span: span(from, to))) }
        }
        let duties = try await connection.fetch("""
            SELECT user_id, duty, valid_from::text, valid_to::text FROM school_duties
            WHERE tenant_id = \(tenantID) AND unit_id = \(unitID) ORDER BY user_id, valid_from
            """, (Int64, String, String?, String?).self, logger: logger).compactMap { row in
            SchoolDuty(rawValue: row.1).map { SchoolPeople.Duty(userID: row.0, duty: $0, span: span(row.2, row.3)) }
        }
        return SchoolPeople(teachers: teachers, groups: groups,
                            classes: classIDs.map { SchoolPeople.SchoolClass(id: $0, homeroom: homeroom[$0] ?? []) },
                            duties: duties)
    }

}
