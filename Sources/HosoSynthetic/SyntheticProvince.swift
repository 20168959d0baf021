import Foundation
import HosoCore
import HosoStore
import Logging
import PostgresNIO

/// A large synthetic province (`hoso demo generate`): offices and schools of every level, their
/// subject groups, teachers, classes and principals, one school year of obligations planned by the
/// real rule-set and calendar, and submissions with realistic timing (most on time, some late,
/// some missing, approvals lagging), each version naming one of a few small placeholder PDFs.
///
/// Everything but the tenant's units goes in through COPY, a batch of schools per transaction:
/// an interrupted run leaves whole schools, and a second run carries on with the schools that
/// have nobody yet. The compliance counts are added per batch in the same transaction.
///
/// A target of its own: the CLI and the benchmark use it, the server never does.
public struct SyntheticProvince: Sendable {
    public struct Options: Sendable {
        public var schools: Int
        public var teachers: Int
        public var tenant = "bigdemo"
        public var schoolYear = "2026-2027"
        public var seed: UInt64 = 2026
        /// The moment submissions are simulated up to (epoch seconds); the clock's now when `nil`.
        public var now: Int64?
        public var batchSchools = 40

        public init(schools: Int, teachers: Int) {
            self.schools = schools
            self.teachers = teachers
        }

        /// What the tests load: a few offices, two dozen schools.
        public static let small = Options(schools: 24, teachers: 600)
        /// A large province (Hà Nội has about 2,900 public schools; Hải Phòng after its 2025 merger
        /// about 1,300).
        public static let large = Options(schools: 3500, teachers: 100_000)
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var schools = 0
        public var skipped = 0
        public var users = 0
        public var obligations = 0
        public var versions = 0
        public var seconds = 0.0
        public var description: String {
            "\(schools) schools generated (\(skipped) already there), \(users) people, \(obligations) obligations, "
                + "\(versions) submitted versions in \(String(format: "%.1f", seconds)) s"
        }
    }

    let app: Database
    let owner: Database
    let blobs: BlobStore
    let clock: any WallClock
    let logger: Logger

    /// - Parameters:
    ///   - app: the application role's pool (tenant import, rule-sets: what the server would do).
    ///   - owner: the owner's pool: bulk loads bypass the per-row count trigger and count per batch.
    ///   - clock: "now" for the simulated submissions, unless the options name an instant.
    public init(app: Database, owner: Database, blobs: BlobStore, clock: any WallClock, logger: Logger) {
        self.app = app
        self.owner = owner
        self.blobs = blobs
        self.clock = clock
        self.logger = logger
    }

    // MARK: - The tree

    struct SchoolPlan: Sendable {
        let index: Int
        let code: String
        let level: SchoolLevel
        let teachers: Int
    }

    static func offices(for schools: Int) -> Int { max(2, schools / 110) }

    static func level(_ index: Int) -> SchoolLevel {
        switch index % 20 {
        case 0..<7: .preschool
        case 7..<13: .primary
        case 13..<18: .lowerSecondary
        default: .upperSecondary
        }
    }

    static func plans(_ options: Options) -> [SchoolPlan] {
        let weight: [SchoolLevel: Double] = [.preschool: 0.6, .primary: 0.9, .lowerSecondary: 1.25, .upperSecondary: 1.7]
        let levels = (0..<options.schools).map(level)
        let total = levels.reduce(0) { $0 + (weight[$1] ?? 1) }
        return levels.enumerated().map { index, level in
            let share = Double(options.teachers) * (weight[level] ?? 1) / total
            return SchoolPlan(index: index, code: String(format: "B%04d", index + 1), level: level,
                              teachers: max(6, Int(share.rounded())))
        }
    }

    static let levelNames: [SchoolLevel: (String, String)] = [
        .preschool: ("Trường Mầm non", "Preschool"),
        .primary: ("Trường Tiểu học", "Primary School"),
        .lowerSecondary: ("Trường THCS", "Lower Secondary School"),
        .upperSecondary: ("Trường THPT", "Upper Secondary School"),
    ]

    /// The tenant file's definition (its department) with the generated offices and schools.
    public static func definition(_ options: Options, base: TenantDefinition) throws -> TenantDefinition {
        guard let root = base.units.first(where: { $0.parentCode == nil }) else { throw HosoError("tenant.no_root") }
        var units = [root]
        let offices = Self.offices(for: options.schools)
        for office in 1...offices {
            units.append(UnitDefinition(
                code: String(format: "P%02d", office), nameVi: "Phòng Giáo dục và Đào tạo khu vực \(office)",
                nameEn: "Education Office, area \(office)", kind: "office", parentCode: root.code))
        }
        for school in Self.plans(options) {
            let names = Self.levelNames[school.level] ?? ("Trường", "School")
            // Upper-secondary schools are the department's own; the others belong to an office.
            let parent = school.level == .upperSecondary ? root.code : String(format: "P%02d", school.index % offices + 1)
            units.append(UnitDefinition(
                code: school.code, nameVi: "\(names.0) số \(school.index + 1)", nameEn: "\(names.1) No. \(school.index + 1)",
                kind: "school", schoolLevels: [school.level], parentCode: parent))
        }
        return TenantDefinition(id: base.id, nameVi: base.nameVi, nameEn: base.nameEn, hosts: base.hosts, levels: base.levels,
                                units: units, directory: base.directory, groupRules: base.groupRules)
    }

    // MARK: - Generating

    /// - Parameters:
    ///   - base: the tenant file (`tenants/bigdemo/tenant.yaml`): levels, the department.
    ///   - importRules: loads the tenant's calendar and rule-set for the year, returns what it did.
    public func generate(_ chosen: Options, base: TenantDefinition, importRules: @Sendable () async throws -> [String],
                         progress: @Sendable (String) -> Void) async throws -> Summary {
        // Elapsed time for the progress lines only: a monotonic clock, not the wall clock.
        let started = ContinuousClock.now
        let options = { var options = chosen; options.now = chosen.now ?? clock.now(); return options }()
        var summary = Summary()
        progress("tenant \(options.tenant): \(options.schools) schools under \(Self.offices(for: options.schools)) offices")
        let tenants = TenantStore(database: app, logger: logger)
        _ = try await tenants.importTenant(try Self.definition(options, base: base))
        for line in try await importRules() { progress(line) }
        guard let tenant = try await tenants.tenant(code: options.tenant) else { throw HosoError("signin.unknown_tenant") }
        let ruleSets = RuleSetStore(database: app, logger: logger)
        guard let latest = try await ruleSets.latest(tenantID: tenant.id, schoolYear: options.schoolYear) else {
            throw HosoError("obligations.no_rule_set", ["year": options.schoolYear])
        }
        guard let calendar = try await ruleSets.calendar(tenantID: tenant.id, schoolYear: options.schoolYear) else {
            throw HosoError("obligations.no_calendar", ["year": options.schoolYear])
        }
        let placeholders = try await storePlaceholders(tenantID: tenant.id)
        try await officials(tenantID: tenant.id, options: options)

        let logger = self.logger
        let units = try await owner.withTransaction { connection in
            try await connection.fetchAll("""
                SELECT u.code, u.id, EXISTS (SELECT 1 FROM school_staff s WHERE s.unit_id = u.id)
                FROM units u WHERE u.tenant_id = \(tenant.id) AND u.kind = 'school'
                """, (String, Int64, Bool).self, logger: logger)
        }
        var byCode: [String: (Int64, Bool)] = [:]
        for (code, id, staffed) in units { byCode[code] = (id, staffed) }
        let plans = Self.plans(options)
        let pending = plans.filter { byCode[$0.code]?.1 == false }
        summary.skipped = plans.count - pending.count
        let year = Year(ruleSetID: latest.id, ruleSet: latest.ruleSet, calendar: calendar, weeks: YearWeeks(calendar),
                        placeholders: placeholders)
        let batches = stride(from: 0, to: pending.count, by: options.batchSchools).map { start in
            pending[start..<min(start + options.batchSchools, pending.count)].compactMap { plan in
                byCode[plan.code].map { (plan, $0.0) }
            }
        }
        // Two batches at a time: one is planned and encoded here while the database loads the other.
        try await withThrowingTaskGroup(of: (Int, Written).self) { group in
            var next = 0
            func start() {
                guard next < batches.count else { return }
                let batch = batches[next]
                next += 1
                group.addTask {
                    try Task.checkCancellation()
                    let written = try await loadBatch(batch, tenantID: tenant.id, year: year, options: options)
                    return (batch.count, written)
                }
            }
            start()
            start()
            while let (schools, written) = try await group.next() {
                summary.schools += schools
                summary.users += written.users
                summary.obligations += written.obligations
                summary.versions += written.versions
                progress(String(format: "%d/%d schools, %d obligations, %.0f s", summary.schools, pending.count,
                                summary.obligations, Self.seconds(since: started)))
                start()
            }
        }
        summary.seconds = Self.seconds(since: started)
        return summary
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// A handful of small PDFs that every synthetic version names (content-addressed: stored once).
    func storePlaceholders(tenantID: Int64) async throws -> [(sha256: String, size: Int64)] {
        var stored: [(String, Int64)] = []
        for number in 1...8 {
            let text = "%PDF-1.4\n% Hoso synthetic placeholder \(number)\n1 0 obj << /Type /Catalog >> endobj\n"
                + "trailer << /Root 1 0 R >>\n%%EOF\n"
            let writer = try blobs.writer(limit: 1 << 20)
            try writer.write(Array(text.utf8))
            let staged = try writer.finish()
            try staged.commit()
            stored.append((staged.sha256, staged.size))
        }
        let hashes = stored.map(\.0), sizes = stored.map(\.1)
        try await owner.withTransaction { connection in
            try await connection.query("""
                INSERT INTO blobs (tenant_id, sha256, size, media_type)
                SELECT \(tenantID), h, s, 'application/pdf' FROM unnest(\(hashes)::text[], \(sizes)::bigint[]) AS x(h, s)
                ON CONFLICT DO NOTHING
                """, logger: self.logger)
        }
        return stored.map { ($0.0, $0.1) }
    }

    /// The province's and the offices' own accounts (officers and inspectors), once.
    func officials(tenantID: Int64, options: Options) async throws {
        let offices = Self.offices(for: options.schools)
        var logins = ["so.canbo", "so.thanhtra"], names = ["Cán bộ Sở (tổng hợp)", "Thanh tra Sở (tổng hợp)"]
        var roles = ["provincial_officer", "provincial_inspector"], units = ["SO", "SO"]
        for office in 1...offices {
            let code = String(format: "P%02d", office)
            logins += ["\(code.lowercased()).canbo", "\(code.lowercased()).thanhtra"]
            names += ["Cán bộ phòng \(office)", "Tài khoản kiểm tra phòng \(office)"]
            roles += ["district_officer", "district_inspector"]
            units += [code, code]
        }
        let (loginList, nameList, roleList, unitList) = (logins, names, roles, units)
        try await owner.withTransaction { connection in
            try await connection.query("""
                WITH x AS (
                        SELECT * FROM unnest(\(loginList)::text[], \(nameList)::text[], \(roleList)::text[], \(unitList)::text[])
                            AS x(login, name, role, unit)),
                     made AS (
                        INSERT INTO users (tenant_id, login, source, display_name)
                        SELECT \(tenantID), login, 'directory', name FROM x
                        ON CONFLICT (tenant_id, login) DO UPDATE SET display_name = excluded.display_name
                        RETURNING id, login)
                INSERT INTO user_grants (tenant_id, user_id, role, unit_id, source_group)
                SELECT \(tenantID), made.id, x.role, u.id, 'synthetic'
                FROM made JOIN x ON x.login = made.login JOIN units u ON u.tenant_id = \(tenantID) AND u.code = x.unit
                ON CONFLICT DO NOTHING
                """, logger: self.logger)
        }
    }
}

/// Vietnamese names drawn from the seed: family, middle and given name, in that order.
extension SeededRandom {
    static let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
                         "Ngô", "Dương", "Lý"]
    static let middle = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Hồng", "Quang", "Thanh", "Hải", "Bảo", "Kim"]
    static let given = ["An", "Bình", "Châu", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan",
                        "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
                        "Tuấn", "Vân", "Yến"]

    mutating func name() -> String {
        // Drawn in this order (family, middle, given): the same seed gives the same names.
        let family = Self.family[below(Self.family.count)], middle = Self.middle[below(Self.middle.count)]
        return "\(family) \(middle) \(Self.given[below(Self.given.count)])"
    }
}
