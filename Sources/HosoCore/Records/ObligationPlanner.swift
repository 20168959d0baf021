/// Who works in a school during a school year, as obligations need it: teachers, groups with
/// their members, classes with their homeroom teachers. Each membership has the dates it holds
/// (a change mid-year takes effect from its date).
public struct SchoolPeople: Sendable, Equatable {
    public struct Span: Sendable, Equatable {
        public let from: LocalDate?
        public let to: LocalDate?
        public init(from: LocalDate?, to: LocalDate?) {
            self.from = from
            self.to = to
        }
        /// Whether the span covers any day of `first...last`.
        public func overlaps(_ first: LocalDate, _ last: LocalDate) -> Bool {
            (from.map { $0 <= last } ?? true) && (to.map { $0 >= first } ?? true)
        }
        public func covers(_ day: LocalDate) -> Bool { overlaps(day, day) }
    }

    public struct Teacher: Sendable, Equatable {
        public let userID: Int64
        public let span: Span
        public init(userID: Int64, span: Span) {
            self.userID = userID
            self.span = span
        }
    }

    public struct Group: Sendable, Equatable {
        public let id: Int64
        public let kind: GroupKind
        public init(id: Int64, kind: GroupKind) {
            self.id = id
            self.kind = kind
        }
    }

    public struct SchoolClass: Sendable, Equatable {
        public let id: Int64
        /// Homeroom teachers over time.
        public let homeroom: [Teacher]
        public init(id: Int64, homeroom: [Teacher]) {
            self.id = id
            self.homeroom = homeroom
        }
    }

    public let teachers: [Teacher]
    public let groups: [Group]
    public let classes: [SchoolClass]
    /// School duties held by people (the Pioneer leader), with their dates.
    public let duties: [Duty]

    public init(teachers: [Teacher], groups: [Group], classes: [SchoolClass], duties: [Duty] = []) {
        self.teachers = teachers
        self.groups = groups
        self.classes = classes
        self.duties = duties
    }
}

public enum GroupKind: String, Sendable, Codable, Hashable {
    case subject
    case office
}

/// What an obligation is owed by, as a stable key (`school`, `group:12`, `class:7`, `user:42`).
public enum ObligationOwner: Sendable, Hashable {
    case school
    case group(Int64)
    case schoolClass(Int64)
    case user(Int64)

    public var key: String {
        switch self {
        case .school: "school"
        case .group(let id): "group:\(id)"
        case .schoolClass(let id): "class:\(id)"
        case .user(let id): "user:\(id)"
        }
    }
}

/// The period an obligation covers, with its dates.
public struct ObligationPeriod: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case year, semester, month, week
    }

    public let kind: Kind
    /// 1 for a year; the semester, the month of the school year (1 = its first month), or the teaching week.
    public let number: Int
    public let first: LocalDate
    public let last: LocalDate

    public init(kind: Kind, number: Int, first: LocalDate, last: LocalDate) {
        self.kind = kind
        self.number = number
        self.first = first
        self.last = last
    }
}

/// One expected item, before it is stored.
public struct PlannedObligation: Sendable, Hashable {
    public let recordType: String
    public let owner: ObligationOwner
    /// The person who answers for it (the teacher, the homeroom teacher of the period), if one.
    public let responsibleUserID: Int64?
    public let period: ObligationPeriod
    public let dueDate: LocalDate
    public let dueAt: Int64
}

/// Generates a school's expected items for a school year from the rule-set, the calendar and the
/// people. Pure and deterministic, so regenerating gives the same keys and the store can upsert.
public enum ObligationPlanner {
    public static func plan(levels: [SchoolLevel], ruleSet: RuleSet, calendar: SchoolCalendar, people: SchoolPeople) throws -> [PlannedObligation] {
        var planned: [PlannedObligation] = []
        for type in ruleSet.types where type.storage == .electronic && type.applies(to: levels) {
            for period in periods(type.cadence, calendar) {
                let dueDate = try type.due.dueDate(for: deadlinePeriod(period), in: calendar, shift: type.shift)
                let dueAt = VietnamTime.epochSeconds(dueDate)
                for (owner, responsible) in owners(type.owner, period, people) {
                    planned.append(PlannedObligation(recordType: type.code, owner: owner, responsibleUserID: responsible,
                                                     period: period, dueDate: dueDate, dueAt: dueAt))
                }
            }
        }
        return planned
    }

    static func deadlinePeriod(_ period: ObligationPeriod) -> DeadlineRule.Period {
        switch period.kind {
        case .year: .year
        case .semester: .semester(period.number)
        case .month: .month(period.first)
        case .week: .week(period.number)
        }
    }

    /// The periods of a cadence in the school year.
    public static func periods(_ cadence: Cadence, _ calendar: SchoolCalendar) -> [ObligationPeriod] {
        switch cadence {
        case .yearly:
            return [ObligationPeriod(kind: .year, number: 1, first: calendar.opening, last: calendar.last)]
        case .semester:
            return calendar.semesters.map { ObligationPeriod(kind: .semester, number: $0.number, first: $0.first, last: $0.last) }
        case .monthly:
            var months: [ObligationPeriod] = []
            var first = calendar.opening.firstOfMonth
            while first <= calendar.last {
                months.append(ObligationPeriod(kind: .month, number: months.count + 1, first: max(first, calendar.opening),
                                               last: min(first.lastOfMonth, calendar.last)))
                first = first.lastOfMonth.adding(days: 1)
            }
            return months
        case .weekly, .perLesson:
            return calendar.teachingWeeks.map {
                ObligationPeriod(kind: .week, number: $0.number, first: $0.monday, last: $0.monday.adding(days: 6))
            }
        }
    }

    static func owners(_ scope: OwnerScope, _ period: ObligationPeriod, _ people: SchoolPeople) -> [(ObligationOwner, Int64?)] {
        switch scope {
        case .school:
            return [(.school, nil)]
        case .officeGroup, .subjectGroup:
            let kind: GroupKind = scope == .officeGroup ? .office : .subject
            let groups = people.groups.filter { $0.kind == kind }.map { (ObligationOwner.group($0.id), Int64?.none) }
            // A school without an office group still keeps the office's books: the school owes them.
            if groups.isEmpty && scope == .officeGroup { return [(.school, nil)] }
            return groups
        case .pioneerLeader:
            return dutyHolders(.pioneerLeader, period, people)
        case .schoolClass:
            return people.classes.map { (.schoolClass($0.id), nil) }
        case .teacher:
            var seen: Set<Int64> = []
            return people.teachers.filter { $0.span.overlaps(period.first, period.last) && seen.insert($0.userID).inserted }
                .map { (.user($0.userID), $0.userID) }
        case .homeroomTeacher:
            // The book belongs to the class; the homeroom teacher at the period's end answers for it.
            return people.classes.compactMap { schoolClass in
                let holders = schoolClass.homeroom.filter { $0.span.overlaps(period.first, period.last) }
                guard let holder = holders.last(where: { $0.span.covers(period.last) }) ?? holders.last else { return nil }
                return (.schoolClass(schoolClass.id), holder.userID)
            }
        }
    }
}
