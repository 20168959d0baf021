/// Correction minutes (seed 001, Điều 10.3): a correction after lock is "lập biên bản sửa chữa dữ
/// liệu với sự chứng kiến của lãnh đạo đơn vị, cán bộ phụ trách quản trị phần mềm ... và người đề
/// nghị cập nhật dữ liệu". The witnesses are accounts: a leader of the school (principal or vice
/// principal), its system administrator, and the person who asked for the correction. The
/// principal names them when consenting, issues the minutes once the new version exists, and each
/// witness confirms them in Hoso, once. Like `RecordDecisions`, visibility comes first.
public enum CorrectionDecisions {
    /// The roles that make someone "lãnh đạo đơn vị" at a school.
    public static let leaderRoles: Set<Role> = [.principal, .vicePrincipal]
    /// The role of "cán bộ phụ trách quản trị phần mềm".
    public static let administratorRoles: Set<Role> = [.schoolAdministrator]

    /// An account proposed as a witness, with the roles it holds over the record's school.
    public struct Candidate: Sendable, Equatable {
        public let userID: Int64
        public let login: String
        public let name: String
        public let roles: Set<Role>
        public init(userID: Int64, login: String, name: String, roles: Set<Role>) {
            self.userID = userID
            self.login = login
            self.name = name
            self.roles = roles
        }
    }

    public enum Capacity: String, Sendable, Codable, CaseIterable, Comparable {
        case leader, administrator, requester
        public static func < (lhs: Capacity, rhs: Capacity) -> Bool {
            (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
        }
    }

    /// A witness as the minutes name them: one account may hold several capacities (seed 001,
    /// Điều 13: the software's administrator is itself one of the school's leaders).
    public struct Witness: Sendable, Equatable {
        public let userID: Int64
        public let login: String
        public let name: String
        public let capacities: [Capacity]
        public init(userID: Int64, login: String, name: String, capacities: [Capacity]) {
            self.userID = userID
            self.login = login
            self.name = name
            self.capacities = capacities
        }
    }

    /// The witnesses of a consent. `leader` and `administrator` are the accounts the principal
    /// named (`nil`: not named, or no such account: `unknown` says which); `requester` is the
    /// person who asked for the correction, and `namedRequester` what the principal typed for
    /// them, if anything (it must be that person). Call after `RecordDecisions.decideCorrection`
    /// accepted the consent (visibility and permission first).
    public static func witnesses(
        leader: Candidate?, administrator: Candidate?, requester: Candidate,
        namedRequester: String?, unknown: [String] = []
    ) throws -> [Witness] {
        if let login = unknown.first { throw HosoError("correction.witness_unknown", ["login": login]) }
        guard let leader, let administrator else { throw HosoError("correction.witnesses_required") }
        guard !leader.roles.isDisjoint(with: leaderRoles) else {
            throw HosoError(
                "correction.witness_not_leadership", ["login": leader.login, "capacity": Capacity.leader.rawValue])
        }
        guard !administrator.roles.isDisjoint(with: administratorRoles) else {
            throw HosoError(
                "correction.witness_not_leadership",
                ["login": administrator.login, "capacity": Capacity.administrator.rawValue])
        }
        if let named = namedRequester.map(Text.trimmed), !named.isEmpty, named != requester.login {
            throw HosoError("correction.witness_not_requester", ["login": named])
        }
        var order: [Int64] = []
        var byUser: [Int64: (Candidate, Set<Capacity>)] = [:]
        for (candidate, capacity) in [
            (leader, Capacity.leader), (administrator, .administrator), (requester, .requester),
        ] {
            if byUser[candidate.userID] == nil { order.append(candidate.userID) }
            byUser[candidate.userID, default: (candidate, [])].1.insert(capacity)
        }
        return order.compactMap { id in
            byUser[id].map { Witness(userID: id, login: $0.0.login, name: $0.0.name, capacities: $0.1.sorted()) }
        }
    }

    /// What the minutes' decisions look at besides the record.
    public struct MinutesSnapshot: Sendable, Equatable {
        public let correction: CorrectionSnapshot
        public let witnesses: [Int64]
        public let confirmed: Set<Int64>
        public let issued: Bool
        /// A version was submitted under this correction (the change the minutes name).
        public let hasNewVersion: Bool
        public init(
            correction: CorrectionSnapshot, witnesses: [Int64], confirmed: Set<Int64>, issued: Bool, hasNewVersion: Bool
        ) {
            self.correction = correction
            self.witnesses = witnesses
            self.confirmed = confirmed
            self.issued = issued
            self.hasNewVersion = hasNewVersion
        }
    }

    /// The principal issues the minutes once the corrected version exists, once.
    public static func issue(_ record: RecordSnapshot, _ minutes: MinutesSnapshot) throws {
        _ = try RecordDecisions.permit(record, .consentCorrection, revision: nil)
        guard ["consented", "completed"].contains(minutes.correction.state) else {
            throw HosoError("correction.not_consented")
        }
        guard !minutes.witnesses.isEmpty else { throw HosoError("correction.witnesses_required") }
        guard minutes.hasNewVersion else { throw HosoError("correction.no_new_version") }
        guard !minutes.issued else { throw HosoError("correction.minutes_exist") }
    }

    /// A witness confirms the issued minutes, once. Someone who is not a witness is refused even
    /// when they may see the record.
    public static func confirm(_ record: RecordSnapshot, _ minutes: MinutesSnapshot) throws {
        try RecordDecisions.view(record)
        guard minutes.witnesses.contains(record.actor.userID) else { throw HosoError("correction.not_witness") }
        guard minutes.issued else { throw HosoError("correction.no_minutes") }
        guard !minutes.confirmed.contains(record.actor.userID) else { throw HosoError("correction.already_confirmed") }
    }

    /// Every witness has confirmed.
    public static func confirmedByAll(_ minutes: MinutesSnapshot) -> Bool {
        minutes.issued && !minutes.witnesses.isEmpty && Set(minutes.witnesses).isSubset(of: minutes.confirmed)
    }

    /// What a record page offers for one correction's minutes.
    public static func offered(_ record: RecordSnapshot, _ minutes: MinutesSnapshot) -> (issue: Bool, confirm: Bool) {
        ((try? issue(record, minutes)) != nil, (try? confirm(record, minutes)) != nil)
    }
}

/// When a change of a record needs a correction with minutes. `afterLock` (the default): only a
/// locked record is corrected so. `beforeLock` (`correction_minutes: before_lock` in a rule-set):
/// a record fully approved but not yet locked is too. Why: seed 001 asks minutes for any change
/// of data the leadership has approved ("điều chỉnh các sai sót ... phải được sự đồng ý của lãnh
/// đạo đơn vị và được lập biên bản"); an approved record is such data, and a province that reads
/// it so (Hải Phòng's sign-and-seal-then-lock order, seed 003) can say it per type.
public enum CorrectionMinutesRule: String, Sendable, Hashable, Codable {
    case afterLock = "after_lock"
    case beforeLock = "before_lock"
}

extension CorrectionDecisions {
    /// The record is approved, not locked, and its type asks for minutes before the lock.
    public static func beforeLock(_ record: RecordSnapshot) -> Bool {
        record.state == .approved && record.type.correctionMinutes == .beforeLock
    }
}
