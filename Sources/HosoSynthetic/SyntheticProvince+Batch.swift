import Foundation
import HosoCore
import Logging
import PostgresNIO

/// One batch of schools: their people, groups and classes, then their obligations and submitted
/// versions, all through COPY in one transaction, with the batch's compliance counts.
extension SyntheticProvince {
    /// What every batch of the year shares.
    struct Year: Sendable {
        let ruleSetID: Int64
        let ruleSet: RuleSet
        let calendar: SchoolCalendar
        let weeks: YearWeeks
        let placeholders: [(sha256: String, size: Int64)]
    }

    struct Written {
        var users = 0
        var obligations = 0
        var versions = 0
    }

    /// A school of the batch once its people are planned.
    struct StaffedSchool {
        let plan: SchoolPlan
        let unitID: Int64
        let people: SchoolPeople
        let principal: Int64
    }

    func loadBatch(_ batch: [(SchoolPlan, Int64)], tenantID: Int64, year: Year, options: Options) async throws -> Written {
        let logger = self.logger
        return try await owner.withTransaction { connection in
            try await connection.query("SELECT set_config('hoso.bulk_load', 'on', true)", logger: logger)
            try await connection.query("SET CONSTRAINTS ALL DEFERRED", logger: logger)
            let ids = IDs(connection: connection, logger: logger)
            var people = Tables()
            let userCount = batch.reduce(0) { $0 + $1.0.teachers + 2 }
            let groupCount = batch.reduce(0) { $0 + (Self.subjectGroups[$1.0.level]?.count ?? 0) + 1 }
            let classCount = batch.reduce(0) { $0 + max(3, $1.0.teachers / 2) }
            var reserved = Reserved(users: try await ids.reserve("users_id_seq", userCount)[...],
                                    groups: try await ids.reserve("school_groups_id_seq", groupCount)[...],
                                    classes: try await ids.reserve("school_classes_id_seq", classCount)[...])
            let schools = batch.map { plan, unitID in
                Self.staff(plan, unitID: unitID, tenantID: tenantID, year: year, options: options, ids: &reserved, into: &people)
            }
            for table in people.order {
                try await Self.copy(connection, table, people.columns[table] ?? [], people.text[table] ?? "", logger: logger)
            }
            var written = try await Self.obligations(schools, tenantID: tenantID, year: year, options: options, ids: ids,
                                                      connection: connection, logger: logger)
            written.users = batch.reduce(0) { $0 + $1.0.teachers + 2 }
            try await connection.query("SELECT hoso_compliance_count(\(tenantID), \(batch.map(\.1))::bigint[])", logger: logger)
            return written
        }
    }

    /// Ids taken from the sequences before the rows that use them are written.
    struct IDs {
        let connection: PostgresConnection
        let logger: Logger

        func reserve(_ sequence: String, _ count: Int) async throws -> [Int64] {
            guard count > 0 else { return [] }
            return try await connection.fetchAll("SELECT nextval(\(sequence)::regclass) FROM generate_series(1, \(count))",
                                                 Int64.self, logger: logger)
        }
    }

    struct Reserved {
        var users: ArraySlice<Int64>
        var groups: ArraySlice<Int64>
        var classes: ArraySlice<Int64>
    }

    /// A school's principal, clerk and teachers, its subject groups (the first member heads each),
    /// its office group and its homeroom classes.
    static func staff(_ plan: SchoolPlan, unitID: Int64, tenantID: Int64, year: Year, options: Options,
                      ids: inout Reserved, into people: inout Tables) -> StaffedSchool {
        let opening = year.calendar.opening
        var random = Random(seed: options.seed &+ UInt64(plan.index) &* 7919)
        let principal = ids.users.removeFirst(), clerk = ids.users.removeFirst()
        people.user(tenantID, principal, login: "\(plan.code.lowercased()).ht", name: random.name())
        people.user(tenantID, clerk, login: "\(plan.code.lowercased()).vt", name: random.name())
        people.grant(tenantID, principal, "principal", unitID)
        people.grant(tenantID, clerk, "office_group_head", unitID)
        people.grant(tenantID, clerk, "clerk", unitID)
        var teachers: [Int64] = []
        for number in 1...plan.teachers {
            let id = ids.users.removeFirst()
            teachers.append(id)
            people.user(tenantID, id, login: String(format: "%@.gv%03d", plan.code.lowercased(), number), name: random.name())
            people.grant(tenantID, id, "teacher", unitID)
            people.staff(tenantID, unitID, id, from: opening)
        }
        people.staff(tenantID, unitID, principal, from: opening)
        // Subject groups split the teachers; the first member heads each.
        let subjects = Self.subjectGroups[plan.level] ?? []
        var groups: [SchoolPeople.Group] = []
        for (index, subject) in subjects.enumerated() {
            let groupID = ids.groups.removeFirst()
            groups.append(.init(id: groupID, kind: .subject))
            people.group(tenantID, groupID, unitID, kind: "subject", code: subject.0, name: subject.1)
            let members = teachers.enumerated().filter { $0.offset % subjects.count == index }.map(\.element)
            for (position, member) in members.enumerated() {
                people.member(tenantID, groupID, member, head: position == 0, from: opening)
                if position == 0 { people.grant(tenantID, member, "subject_group_head", unitID) }
            }
        }
        let office = ids.groups.removeFirst()
        groups.append(.init(id: office, kind: .office))
        people.group(tenantID, office, unitID, kind: "office", code: "van-phong", name: "Tổ Văn phòng")
        people.member(tenantID, office, clerk, head: true, from: opening)
        var classes: [SchoolPeople.SchoolClass] = []
        let grades = Self.grades[plan.level] ?? [1]
        for number in 0..<max(3, plan.teachers / 2) {
            let classID = ids.classes.removeFirst()
            let grade = grades[number % grades.count]
            let homeroom = teachers[number % teachers.count]
            people.schoolClass(tenantID, classID, unitID, year: options.schoolYear,
                               code: "\(grade)A\(number / grades.count + 1)", grade: grade)
            people.homeroom(tenantID, classID, homeroom, from: opening)
            classes.append(.init(id: classID, homeroom: [.init(userID: homeroom, span: .init(from: opening, to: nil))]))
        }
        let schoolPeople = SchoolPeople(teachers: teachers.map { .init(userID: $0, span: .init(from: opening, to: nil)) },
                                        groups: groups, classes: classes)
        return StaffedSchool(plan: plan, unitID: unitID, people: schoolPeople, principal: principal)
    }

    /// The schools' obligations as the real planner makes them, and a version for each simulated submission.
    static func obligations(_ schools: [StaffedSchool], tenantID: Int64, year: Year, options: Options, ids: IDs,
                            connection: PostgresConnection, logger: Logger) async throws -> Written {
        let types = Dictionary(uniqueKeysWithValues: year.ruleSet.types.map { ($0.code, $0) })
        var planned: [(StaffedSchool, PlannedObligation)] = []
        for school in schools {
            for item in try ObligationPlanner.plan(levels: [school.plan.level], ruleSet: year.ruleSet, calendar: year.calendar,
                                                   people: school.people) {
                planned.append((school, item))
            }
        }
        let obligationIDs = try await ids.reserve("obligations_id_seq", planned.count)
        let versionIDs = try await ids.reserve("record_versions_id_seq", planned.count)
        var items = "", versions = ""
        var submittedCount = 0
        let now = options.now ?? 0
        for (index, (school, item)) in planned.enumerated() {
            let id = obligationIDs[index]
            var random = Random(seed: options.seed ^ UInt64(bitPattern: id) &* 0x9E37_79B9)
            let simulated = Self.simulate(item, chain: types[item.recordType]?.chain.steps.map(\.role) ?? [.principal],
                                          now: now, random: &random)
            var versionID: Int64?
            if let submittedAt = simulated.submittedAt {
                let vid = versionIDs[submittedCount]
                submittedCount += 1
                versionID = vid
                let blob = year.placeholders[random.below(year.placeholders.count)]
                let uploader = item.responsibleUserID ?? school.principal
                versions += Copy.row([
                    String(tenantID), String(vid), String(id), "1", blob.sha256, String(blob.size), "application/pdf", "pdf",
                    "\(item.recordType)-\(item.period.kind.rawValue)-\(item.period.number).pdf", String(uploader),
                    Copy.timestamp(submittedAt),
                ])
            }
            let (group, schoolClass): (Int64?, Int64?) = {
                switch item.owner {
                case .group(let g): return (g, nil)
                case .schoolClass(let c): return (nil, c)
                default: return (nil, nil)
                }
            }()
            items += Copy.row([
                String(tenantID), String(id), String(school.unitID), options.schoolYear, String(year.ruleSetID), item.recordType,
                item.owner.key, Copy.optional(item.responsibleUserID), Copy.optional(group), Copy.optional(schoolClass),
                item.period.kind.rawValue, String(item.period.number), item.period.first.iso, item.period.last.iso,
                Copy.timestamp(item.dueAt), String(year.weeks.week(ofEpoch: item.dueAt)), simulated.state,
                Copy.optional(simulated.step), simulated.awaitingRole ?? "\\N", simulated.status,
                simulated.submittedAt.map(Copy.timestamp) ?? "\\N", simulated.lastEventAt.map(Copy.timestamp) ?? "\\N",
                Copy.optional(versionID), String(simulated.revision),
            ])
        }
        try await Self.copy(connection, "obligations", [
            "tenant_id", "id", "unit_id", "school_year", "rule_set_id", "record_type", "owner_key", "owner_user_id",
            "owner_group_id", "owner_class_id", "period_kind", "period_number", "period_first", "period_last", "due_at",
            "due_week", "state", "step", "awaiting_role", "status", "first_submitted_at", "last_event_at",
            "current_version_id", "revision",
        ], items, logger: logger)
        try await Self.copy(connection, "record_versions", [
            "tenant_id", "id", "obligation_id", "version", "sha256", "size", "media_type", "format", "filename",
            "uploaded_by", "uploaded_at",
        ], versions, logger: logger)
        return Written(obligations: planned.count, versions: submittedCount)
    }

    static let subjectGroups: [SchoolLevel: [(String, String)]] = [
        .preschool: [("nha-tre", "Tổ Nhà trẻ"), ("mau-giao", "Tổ Mẫu giáo")],
        .primary: [("to-1-2", "Tổ khối 1–2"), ("to-3", "Tổ khối 3"), ("to-4-5", "Tổ khối 4–5")],
        .lowerSecondary: [("tu-nhien", "Tổ Khoa học Tự nhiên"), ("xa-hoi", "Tổ Khoa học Xã hội"), ("ngoai-ngu", "Tổ Ngoại ngữ"),
                          ("nt-tc", "Tổ Nghệ thuật – Thể chất")],
        .upperSecondary: [("tu-nhien", "Tổ Khoa học Tự nhiên"), ("xa-hoi", "Tổ Khoa học Xã hội"), ("ngoai-ngu", "Tổ Ngoại ngữ"),
                          ("nt-tc", "Tổ Nghệ thuật – Thể chất")],
    ]

    static let grades: [SchoolLevel: [Int]] = [
        .preschool: [3, 4, 5], .primary: [1, 2, 3, 4, 5], .lowerSecondary: [6, 7, 8, 9], .upperSecondary: [10, 11, 12],
    ]
}
