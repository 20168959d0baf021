import Foundation
import HosoCore
import HosoStore
import Logging
import NIOCore
import PostgresNIO

/// A large synthetic province (`hoso demo generate`): offices and schools of every level, their
/// subject groups, teachers, classes and principals, one school year of obligations planned by the
/// real rule-set and calendar, and submissions with realistic timing (most on time, some late,
/// some missing, approvals lagging), each version naming one of a few small placeholder PDFs.
///
/// Everything but the tenant's units goes in through COPY, a batch of schools per transaction:
/// an interrupted run leaves whole schools, and a second run carries on with the schools that
/// have nobody yet. The compliance counts are added per batch in the same transaction.
public struct SyntheticProvince: Sendable {
    public struct Options: Sendable {
        public var schools: Int
        public var teachers: Int
        public var tenant = "bigdemo"
        public var schoolYear = "2026-2027"
        public var seed: UInt64 = 2026
        /// The moment submissions are simulated up to (epoch seconds).
        public var now = Int64(Date().timeIntervalSince1970)
        public var batchSchools = 40

        public init(schools: Int, teachers: Int) {
            self.schools = schools
            self.teachers = teachers
        }

        /// What the tests load: a few offices, two dozen schools.
        public static let small = Options(schools: 24, teachers: 600)
        /// A large province (Hà Nội has about 2,900 public schools; Hải Phòng after its 2025 merger about 1,300).
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
    let logger: Logger

    public init(app: Database, owner: Database, blobs: BlobStore, logger: Logger) {
        self.app = app
        self.owner = owner
        self.blobs = blobs
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
            return SchoolPlan(index: index, code: String(format: "B%04d", index + 1), level: level, teachers: max(6, Int(share.rounded())))
        }
    }

    static let levelNames: [SchoolLevel: (String, String)] = [
        .preschool: ("Trường Mầm non", "Preschool"), .primary: ("Trường Tiểu học", "Primary School"),
        .lowerSecondary: ("Trường THCS", "Lower Secondary School"), .upperSecondary: ("Trường THPT", "Upper Secondary School"),
    ]

    /// The tenant file's definition (its department) with the generated offices and schools.
    public static func definition(_ options: Options, base: TenantDefinition) throws -> TenantDefinition {
        guard let root = base.units.first(where: { $0.parentCode == nil }) else { throw HosoError("tenant.no_root") }
        var units = [root]
        let offices = Self.offices(for: options.schools)
        for office in 1...offices {
            units.append(UnitDefinition(code: String(format: "P%02d", office), nameVi: "Phòng Giáo dục và Đào tạo khu vực \(office)",
                                        nameEn: "Education Office, area \(office)", kind: "office", parentCode: root.code))
        }
        for school in Self.plans(options) {
            let names = Self.levelNames[school.level] ?? ("Trường", "School")
            // Upper-secondary schools are the department's own; the others belong to an office.
            let parent = school.level == .upperSecondary ? root.code : String(format: "P%02d", school.index % offices + 1)
            units.append(UnitDefinition(code: school.code, nameVi: "\(names.0) số \(school.index + 1)", nameEn: "\(names.1) No. \(school.index + 1)",
                                        kind: "school", schoolLevels: [school.level], parentCode: parent))
        }
        return TenantDefinition(id: base.id, nameVi: base.nameVi, nameEn: base.nameEn, hosts: base.hosts, levels: base.levels,
                                units: units, directory: base.directory, groupRules: base.groupRules)
    }

    // MARK: - Generating

    /// - Parameters:
    ///   - base: the tenant file (`tenants/bigdemo/tenant.yaml`): levels, directory, the department.
    ///   - importRules: loads the tenant's calendar and rule-set for the year, returns what it did.
    public func generate(_ options: Options, base: TenantDefinition, importRules: @Sendable () async throws -> [String],
                         progress: @Sendable (String) -> Void) async throws -> Summary {
        let started = Date()
        var summary = Summary()
        progress("tenant \(options.tenant): \(options.schools) schools under \(Self.offices(for: options.schools)) offices")
        _ = try await TenantStore(database: app, logger: logger).importTenant(try Self.definition(options, base: base))
        for line in try await importRules() { progress(line) }
        guard let tenant = try await TenantStore(database: app, logger: logger).tenant(code: options.tenant) else {
            throw HosoError("signin.unknown_tenant")
        }
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
            try await connection.fetch("""
                SELECT u.code, u.id, EXISTS (SELECT 1 FROM school_staff s WHERE s.unit_id = u.id)
                FROM units u WHERE u.tenant_id = \(tenant.id) AND u.kind = 'school'
                """, (String, Int64, Bool).self, logger: logger)
        }
        var byCode: [String: (Int64, Bool)] = [:]
        for (code, id, staffed) in units { byCode[code] = (id, staffed) }
        let plans = Self.plans(options)
        let pending = plans.filter { byCode[$0.code]?.1 == false }
        summary.skipped = plans.count - pending.count
        let weeks = YearWeeks(calendar)
        let batches = stride(from: 0, to: pending.count, by: options.batchSchools).map { start in
            Array(pending[start..<min(start + options.batchSchools, pending.count)]).compactMap { plan in byCode[plan.code].map { (plan, $0.0) } }
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
                    let written = try await loadBatch(batch, tenantID: tenant.id, ruleSetID: latest.id, ruleSet: latest.ruleSet, calendar: calendar,
                                                      weeks: weeks, placeholders: placeholders, options: options)
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
                progress(String(format: "%d/%d schools, %d obligations, %.0f s", summary.schools, pending.count, summary.obligations,
                                Date().timeIntervalSince(started)))
                start()
            }
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// A handful of small PDFs that every synthetic version names (content-addressed: stored once).
    func storePlaceholders(tenantID: Int64) async throws -> [(sha256: String, size: Int64)] {
        var stored: [(String, Int64)] = []
        for number in 1...8 {
            let text = "%PDF-1.4\n% Hoso synthetic placeholder \(number)\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
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
                WITH x AS (SELECT * FROM unnest(\(loginList)::text[], \(nameList)::text[], \(roleList)::text[], \(unitList)::text[]) AS x(login, name, role, unit)),
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

    // MARK: - One batch of schools

    struct Written {
        var users = 0
        var obligations = 0
        var versions = 0
    }

    func loadBatch(_ batch: [(SchoolPlan, Int64)], tenantID: Int64, ruleSetID: Int64, ruleSet: RuleSet, calendar: SchoolCalendar,
                   weeks: YearWeeks, placeholders: [(sha256: String, size: Int64)], options: Options) async throws -> Written {
        let logger = self.logger
        let types = Dictionary(uniqueKeysWithValues: ruleSet.types.map { ($0.code, $0) })
        return try await owner.withTransaction { connection in
            try await connection.query("SELECT set_config('hoso.bulk_load', 'on', true)", logger: logger)
            try await connection.query("SET CONSTRAINTS ALL DEFERRED", logger: logger)
            func reserve(_ sequence: String, _ count: Int) async throws -> [Int64] {
                guard count > 0 else { return [] }
                return try await connection.fetch("SELECT nextval(\(sequence)::regclass) FROM generate_series(1, \(count))",
                                                  Int64.self, logger: logger)
            }
            var people = Tables(), written = Written()
            var schools: [(SchoolPlan, Int64, SchoolPeople, Int64)] = []
            let userCount = batch.reduce(0) { $0 + $1.0.teachers + 2 }
            var userIDs = try await reserve("users_id_seq", userCount)[...]
            let groupIDs = try await reserve("school_groups_id_seq", batch.reduce(0) { $0 + (Self.subjectGroups[$1.0.level]?.count ?? 0) + 1 })
            let classIDs = try await reserve("school_classes_id_seq", batch.reduce(0) { $0 + max(3, $1.0.teachers / 2) })
            var nextGroup = groupIDs[...], nextClass = classIDs[...]
            for (plan, unitID) in batch {
                var random = Random(seed: options.seed &+ UInt64(plan.index) &* 7919)
                let principal = userIDs.removeFirst(), clerk = userIDs.removeFirst()
                people.user(tenantID, principal, login: "\(plan.code.lowercased()).ht", name: random.name())
                people.user(tenantID, clerk, login: "\(plan.code.lowercased()).vt", name: random.name())
                people.grant(tenantID, principal, "principal", unitID)
                people.grant(tenantID, clerk, "office_group_head", unitID)
                people.grant(tenantID, clerk, "clerk", unitID)
                var teachers: [Int64] = []
                for number in 1...plan.teachers {
                    let id = userIDs.removeFirst()
                    teachers.append(id)
                    people.user(tenantID, id, login: String(format: "%@.gv%03d", plan.code.lowercased(), number), name: random.name())
                    people.grant(tenantID, id, "teacher", unitID)
                    people.staff(tenantID, unitID, id, from: calendar.opening)
                }
                people.staff(tenantID, unitID, principal, from: calendar.opening)
                // Subject groups split the teachers; the first member heads each.
                let subjects = Self.subjectGroups[plan.level] ?? []
                var groups: [SchoolPeople.Group] = []
                for (index, subject) in subjects.enumerated() {
                    let groupID = nextGroup.removeFirst()
                    groups.append(.init(id: groupID, kind: .subject))
                    people.group(tenantID, groupID, unitID, kind: "subject", code: subject.0, name: subject.1)
                    let members = teachers.enumerated().filter { $0.offset % subjects.count == index }.map(\.element)
                    for (position, member) in members.enumerated() {
                        people.member(tenantID, groupID, member, head: position == 0, from: calendar.opening)
                        if position == 0 { people.grant(tenantID, member, "subject_group_head", unitID) }
                    }
                }
                let office = nextGroup.removeFirst()
                groups.append(.init(id: office, kind: .office))
                people.group(tenantID, office, unitID, kind: "office", code: "van-phong", name: "Tổ Văn phòng")
                people.member(tenantID, office, clerk, head: true, from: calendar.opening)
                var classes: [SchoolPeople.SchoolClass] = []
                let grades = Self.grades[plan.level] ?? [1]
                for number in 0..<max(3, plan.teachers / 2) {
                    let classID = nextClass.removeFirst()
                    let grade = grades[number % grades.count]
                    let homeroom = teachers[number % teachers.count]
                    people.schoolClass(tenantID, classID, unitID, year: options.schoolYear, code: "\(grade)A\(number / grades.count + 1)", grade: grade)
                    people.homeroom(tenantID, classID, homeroom, from: calendar.opening)
                    classes.append(.init(id: classID, homeroom: [.init(userID: homeroom, span: .init(from: calendar.opening, to: nil))]))
                }
                let schoolPeople = SchoolPeople(teachers: teachers.map { .init(userID: $0, span: .init(from: calendar.opening, to: nil)) },
                                                groups: groups, classes: classes)
                schools.append((plan, unitID, schoolPeople, principal))
                written.users += plan.teachers + 2
            }
            for table in people.order { try await Self.copy(connection, table, people.columns[table] ?? [], people.text[table] ?? "", logger: logger) }

            // Obligations and their versions.
            var planned: [(SchoolPlan, Int64, Int64, PlannedObligation)] = []
            for (plan, unitID, schoolPeople, principal) in schools {
                for item in try ObligationPlanner.plan(levels: [plan.level], ruleSet: ruleSet, calendar: calendar, people: schoolPeople) {
                    planned.append((plan, unitID, principal, item))
                }
            }
            let obligationIDs = try await reserve("obligations_id_seq", planned.count)
            var items = "", versions = ""
            var submittedCount = 0
            let versionIDs = try await reserve("record_versions_id_seq", planned.count)
            for (index, (_, unitID, principal, item)) in planned.enumerated() {
                let id = obligationIDs[index]
                var random = Random(seed: options.seed ^ UInt64(bitPattern: id) &* 0x9E37_79B9)
                let simulated = Self.simulate(item, chain: types[item.recordType]?.chain.steps.map(\.role) ?? [.principal],
                                              now: options.now, random: &random)
                var versionID: Int64?
                if let submittedAt = simulated.submittedAt {
                    let vid = versionIDs[submittedCount]
                    submittedCount += 1
                    versionID = vid
                    let blob = placeholders[random.below(placeholders.count)]
                    let uploader = item.responsibleUserID ?? principal
                    versions += Copy.row([String(tenantID), String(vid), String(id), "1", blob.sha256, String(blob.size), "application/pdf", "pdf",
                                          "\(item.recordType)-\(item.period.kind.rawValue)-\(item.period.number).pdf", String(uploader),
                                          Copy.timestamp(submittedAt)])
                }
                let (group, schoolClass): (Int64?, Int64?) = {
                    switch item.owner {
                    case .group(let g): return (g, nil)
                    case .schoolClass(let c): return (nil, c)
                    default: return (nil, nil)
                    }
                }()
                items += Copy.row([
                    String(tenantID), String(id), String(unitID), options.schoolYear, String(ruleSetID), item.recordType, item.owner.key,
                    Copy.optional(item.responsibleUserID), Copy.optional(group), Copy.optional(schoolClass), item.period.kind.rawValue,
                    String(item.period.number), item.period.first.iso, item.period.last.iso, Copy.timestamp(item.dueAt),
                    String(weeks.week(ofEpoch: item.dueAt)), simulated.state, Copy.optional(simulated.step), simulated.awaitingRole ?? "\\N",
                    simulated.status, simulated.submittedAt.map(Copy.timestamp) ?? "\\N", simulated.lastEventAt.map(Copy.timestamp) ?? "\\N",
                    Copy.optional(versionID), String(simulated.revision),
                ])
            }
            try await Self.copy(connection, "obligations", [
                "tenant_id", "id", "unit_id", "school_year", "rule_set_id", "record_type", "owner_key", "owner_user_id", "owner_group_id",
                "owner_class_id", "period_kind", "period_number", "period_first", "period_last", "due_at", "due_week", "state", "step",
                "awaiting_role", "status", "first_submitted_at", "last_event_at", "current_version_id", "revision",
            ], items, logger: logger)
            try await Self.copy(connection, "record_versions", [
                "tenant_id", "id", "obligation_id", "version", "sha256", "size", "media_type", "format", "filename", "uploaded_by", "uploaded_at",
            ], versions, logger: logger)
            let schoolIDs = batch.map(\.1)
            try await connection.query("SELECT hoso_compliance_count(\(tenantID), \(schoolIDs)::bigint[])", logger: logger)
            written.obligations = planned.count
            written.versions = submittedCount
            return written
        }
    }

    static let subjectGroups: [SchoolLevel: [(String, String)]] = [
        .preschool: [("nha-tre", "Tổ Nhà trẻ"), ("mau-giao", "Tổ Mẫu giáo")],
        .primary: [("to-1-2", "Tổ khối 1–2"), ("to-3", "Tổ khối 3"), ("to-4-5", "Tổ khối 4–5")],
        .lowerSecondary: [("tu-nhien", "Tổ Khoa học Tự nhiên"), ("xa-hoi", "Tổ Khoa học Xã hội"), ("ngoai-ngu", "Tổ Ngoại ngữ"),
                          ("nt-tc", "Tổ Nghệ thuật – Thể chất")],
        .upperSecondary: [("tu-nhien", "Tổ Khoa học Tự nhiên"), ("xa-hoi", "Tổ Khoa học Xã hội"), ("ngoai-ngu", "Tổ Ngoại ngữ"),
                          ("nt-tc", "Tổ Nghệ thuật – Thể chất")],
    ]

    static let grades: [SchoolLevel: [Int]] = [.preschool: [3, 4, 5], .primary: [1, 2, 3, 4, 5], .lowerSecondary: [6, 7, 8, 9],
                                               .upperSecondary: [10, 11, 12]]

    // MARK: - Realistic timing

    struct Simulated {
        var state = "open"
        var step: Int?
        var awaitingRole: String?
        var status = "pending"
        var submittedAt: Int64?
        var lastEventAt: Int64?
        var revision = 0
    }

    /// Most items come in on time (a few days before the deadline), some late, some never;
    /// approvals follow a few days apart, so that the latest weeks still wait at some step.
    static func simulate(_ item: PlannedObligation, chain: [Role], now: Int64, random: inout Random) -> Simulated {
        var result = Simulated()
        let day: Int64 = 86_400
        let roll = random.below(1000)
        var submittedAt: Int64?
        if item.dueAt <= now {
            if roll < 790 {
                submittedAt = item.dueAt - Int64(random.below(Int(4 * day)))
            } else if roll < 910 {
                let late = item.dueAt + 3600 + Int64(random.below(Int(18 * day)))
                if late <= now { submittedAt = late }
            }
        } else if item.dueAt <= now + 7 * day, roll < 450 {
            submittedAt = min(now - 3600, item.dueAt - Int64(random.below(Int(6 * day))))
        }
        guard let submitted = submittedAt else {
            result.status = item.dueAt < now ? "missing" : "pending"
            return result
        }
        result.submittedAt = submitted
        result.revision = 1
        let lag = 2 * day + Int64(random.below(Int(4 * day)))
        let done = min(chain.count, Int((now - submitted) / lag))
        result.lastEventAt = submitted + Int64(done) * lag
        result.revision += done
        let lateStatus = submitted > item.dueAt ? "late" : "submitted"
        if random.below(100) < 4 {
            result.state = "returned"
            result.step = 0
            result.status = "returned"
        } else if done >= chain.count {
            let locked = random.below(100) < 75
            result.state = locked ? "locked" : "approved"
            result.status = locked ? "locked" : "approved"
        } else {
            result.state = "awaiting"
            result.step = done
            result.awaitingRole = chain[done].rawValue
            result.status = lateStatus
        }
        return result
    }

    // MARK: - COPY

    /// The people tables of a batch, as COPY text, in the order their references need.
    struct Tables {
        let order = ["users", "user_grants", "school_staff", "school_groups", "group_members", "school_classes", "homeroom_assignments"]
        let columns: [String: [String]] = [
            "users": ["tenant_id", "id", "login", "source", "display_name"],
            "user_grants": ["tenant_id", "user_id", "role", "unit_id", "source_group"],
            "school_staff": ["tenant_id", "unit_id", "user_id", "valid_from", "source"],
            "school_groups": ["tenant_id", "id", "unit_id", "kind", "code", "name_vi", "name_en"],
            "group_members": ["tenant_id", "group_id", "user_id", "is_head", "valid_from", "source"],
            "school_classes": ["tenant_id", "id", "unit_id", "school_year", "code", "grade"],
            "homeroom_assignments": ["tenant_id", "class_id", "user_id", "valid_from"],
        ]
        var text: [String: String] = [:]

        mutating func add(_ table: String, _ fields: [String]) { text[table, default: ""] += Copy.row(fields) }
        mutating func user(_ t: Int64, _ id: Int64, login: String, name: String) { add("users", [String(t), String(id), login, "directory", name]) }
        mutating func grant(_ t: Int64, _ user: Int64, _ role: String, _ unit: Int64) {
            add("user_grants", [String(t), String(user), role, String(unit), "synthetic"])
        }
        mutating func staff(_ t: Int64, _ unit: Int64, _ user: Int64, from: LocalDate) {
            add("school_staff", [String(t), String(unit), String(user), from.iso, "synthetic"])
        }
        mutating func group(_ t: Int64, _ id: Int64, _ unit: Int64, kind: String, code: String, name: String) {
            add("school_groups", [String(t), String(id), String(unit), kind, code, name, name])
        }
        mutating func member(_ t: Int64, _ group: Int64, _ user: Int64, head: Bool, from: LocalDate) {
            add("group_members", [String(t), String(group), String(user), head ? "t" : "f", from.iso, "synthetic"])
        }
        mutating func schoolClass(_ t: Int64, _ id: Int64, _ unit: Int64, year: String, code: String, grade: Int) {
            add("school_classes", [String(t), String(id), String(unit), year, code, String(grade)])
        }
        mutating func homeroom(_ t: Int64, _ schoolClass: Int64, _ user: Int64, from: LocalDate) {
            add("homeroom_assignments", [String(t), String(schoolClass), String(user), from.iso])
        }
    }

    static func copy(_ connection: PostgresConnection, _ table: String, _ columns: [String], _ text: String, logger: Logger) async throws {
        guard !text.isEmpty else { return }
        let bytes = Array(text.utf8)
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            for start in stride(from: 0, to: bytes.count, by: 1 << 20) {
                try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + (1 << 20), bytes.count)]))
            }
        }
    }

    /// PostgreSQL's COPY text format.
    enum Copy {
        static func row(_ fields: [String]) -> String { fields.joined(separator: "\t") + "\n" }

        static func optional<T: BinaryInteger>(_ value: T?) -> String { value.map { String($0) } ?? "\\N" }

        /// An instant as UTC text.
        static func timestamp(_ seconds: Int64) -> String {
            let date = LocalDate(dayNumber: Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
            let rest = ((seconds % 86_400) + 86_400) % 86_400
            return String(format: "%@ %02d:%02d:%02d+00", date.iso, Int(rest / 3600), Int(rest % 3600 / 60), Int(rest % 60))
        }
    }

    /// SplitMix64, seeded per school and per item: the same options give the same province.
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }

        static let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
        static let middle = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Hồng", "Quang", "Thanh", "Hải", "Bảo", "Kim"]
        static let given = ["An", "Bình", "Châu", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh",
                            "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến"]

        mutating func name() -> String {
            "\(Self.family[below(Self.family.count)]) \(Self.middle[below(Self.middle.count)]) \(Self.given[below(Self.given.count)])"
        }
    }
}
