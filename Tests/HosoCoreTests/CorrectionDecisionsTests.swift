import HosoCore
import Testing

/// Correction minutes (seed 001, Điều 10.3) and a version of several documents (seed 002): the
/// witnesses are accounts of the school's leadership, each confirms once, and a set of documents
/// has its own limits.
@Suite struct CorrectionDecisionsTests {
    typealias Fixture = RecordDecisionsTests

    static func candidate(_ id: Int64, _ roles: Set<Role>) -> CorrectionDecisions.Candidate {
        .init(userID: id, login: "u\(id)", name: "U\(id)", roles: roles)
    }

    static let principal = candidate(200, [.principal])
    static let vice = candidate(201, [.vicePrincipal])
    static let admin = candidate(700, [.schoolAdministrator])
    static let requester = candidate(100, [.teacher])

    @Test func witnessesAreTheLeaderTheAdministratorAndTheRequester() throws {
        // act
        let witnesses = try CorrectionDecisions.witnesses(
            leader: Self.vice, administrator: Self.admin, requester: Self.requester,
            namedRequester: "u100")
        // verify
        #expect(witnesses.map(\.userID) == [201, 700, 100])
        #expect(witnesses.map(\.capacities) == [[.leader], [.administrator], [.requester]])
        // One leader who also administers the software is one witness in two capacities.
        let both = Self.candidate(202, [.vicePrincipal, .schoolAdministrator])
        let merged = try CorrectionDecisions.witnesses(
            leader: both, administrator: both, requester: Self.requester, namedRequester: nil)
        #expect(merged.map(\.userID) == [202, 100] && merged[0].capacities == [.leader, .administrator])
    }

    @Test func aWitnessWhoIsNotLeadershipIsRefusedWithAStableCode() throws {
        #expect(throws: HosoError("correction.witnesses_required")) {
            try CorrectionDecisions.witnesses(
                leader: nil, administrator: Self.admin, requester: Self.requester, namedRequester: nil)
        }
        #expect(throws: HosoError("correction.witnesses_required")) {
            try CorrectionDecisions.witnesses(
                leader: Self.principal, administrator: nil, requester: Self.requester, namedRequester: nil)
        }
        #expect(throws: HosoError("correction.witness_not_leadership", ["login": "u100", "capacity": "leader"])) {
            try CorrectionDecisions.witnesses(
                leader: Self.requester, administrator: Self.admin, requester: Self.requester, namedRequester: nil)
        }
        // A principal is a leader, not the software's administrator.
        #expect(throws: HosoError("correction.witness_not_leadership", ["login": "u200", "capacity": "administrator"]))
        {
            try CorrectionDecisions.witnesses(
                leader: Self.vice, administrator: Self.principal, requester: Self.requester, namedRequester: nil)
        }
        #expect(throws: HosoError("correction.witness_not_requester", ["login": "u999"])) {
            try CorrectionDecisions.witnesses(
                leader: Self.vice, administrator: Self.admin, requester: Self.requester, namedRequester: "u999")
        }
        #expect(throws: HosoError("correction.witness_unknown", ["login": "nobody"])) {
            try CorrectionDecisions.witnesses(
                leader: nil, administrator: Self.admin, requester: Self.requester, namedRequester: nil,
                unknown: ["nobody"])
        }
    }

    static func minutes(
        state: String = "consented", witnesses: [Int64] = [201, 700, 100], confirmed: Set<Int64> = [],
        issued: Bool = true,
        hasNewVersion: Bool = true
    ) -> CorrectionDecisions.MinutesSnapshot {
        .init(
            correction: CorrectionSnapshot(id: 9, reason: "Sai tên bài", state: state), witnesses: witnesses,
            confirmed: confirmed,
            issued: issued, hasNewVersion: hasNewVersion)
    }

    @Test func thePrincipalIssuesTheMinutesOnceTheNewVersionExists() throws {
        let record = try Fixture.record(Fixture.principal, state: .correcting)
        try CorrectionDecisions.issue(record, Self.minutes(issued: false))
        try CorrectionDecisions.issue(
            try Fixture.record(Fixture.principal, state: .locked), Self.minutes(state: "completed", issued: false))
        #expect(throws: HosoError("correction.no_new_version")) {
            try CorrectionDecisions.issue(record, Self.minutes(issued: false, hasNewVersion: false))
        }
        #expect(throws: HosoError("correction.minutes_exist")) { try CorrectionDecisions.issue(record, Self.minutes()) }
        #expect(throws: HosoError("correction.not_consented")) {
            try CorrectionDecisions.issue(record, Self.minutes(state: "requested", issued: false))
        }
        // Not the principal: refused; not visible: not found.
        #expect(throws: HosoError("scope.forbidden")) {
            try CorrectionDecisions.issue(
                try Fixture.record(Fixture.head, state: .correcting), Self.minutes(issued: false))
        }
        #expect(throws: HosoError("record.not_found")) {
            try CorrectionDecisions.issue(
                try Fixture.record(Fixture.otherSchool, state: .correcting), Self.minutes(issued: false))
        }
    }

    @Test func eachWitnessConfirmsOnceAndNobodyElseMay() throws {
        let teacher = try Fixture.record(Fixture.teacher, state: .locked)
        try CorrectionDecisions.confirm(teacher, Self.minutes())
        #expect(throws: HosoError("correction.already_confirmed")) {
            try CorrectionDecisions.confirm(teacher, Self.minutes(confirmed: [100]))
        }
        #expect(throws: HosoError("correction.no_minutes")) {
            try CorrectionDecisions.confirm(teacher, Self.minutes(issued: false))
        }
        // The principal may see the record but is not a witness of this correction.
        #expect(throws: HosoError("correction.not_witness")) {
            try CorrectionDecisions.confirm(try Fixture.record(Fixture.principal, state: .locked), Self.minutes())
        }
        // A colleague cannot see the record at all: not found, as reading it.
        #expect(throws: HosoError("record.not_found")) {
            try CorrectionDecisions.confirm(
                try Fixture.record(Fixture.colleague, state: .locked), Self.minutes(witnesses: [101]))
        }
        #expect(!CorrectionDecisions.confirmedByAll(Self.minutes(confirmed: [100, 201])))
        #expect(CorrectionDecisions.confirmedByAll(Self.minutes(confirmed: [100, 201, 700])))
        // What the page offers is what is accepted.
        #expect(CorrectionDecisions.offered(teacher, Self.minutes()) == (false, true))
        #expect(
            CorrectionDecisions.offered(
                try Fixture.record(Fixture.principal, state: .correcting), Self.minutes(issued: false))
                == (true, false))
    }

    @Test func aVersionOfSeveralDocumentsHasItsLimits() throws {
        let type = try Fixture.lessonPlan()
        let small = (format: FileFormat.pdf, size: Int64(1000))
        try DocumentSet.check(Array(repeating: small, count: DocumentSet.maxDocuments), type: type)
        #expect(throws: HosoError("upload.too_many_files", ["limit": "20"])) {
            try DocumentSet.check(Array(repeating: small, count: DocumentSet.maxDocuments + 1), type: type)
        }
        // Each within the type's 1 MB, together over four times it.
        let big = (format: FileFormat.pdf, size: Int64(1 << 20))
        try DocumentSet.check(Array(repeating: big, count: 4), type: type)
        #expect(throws: HosoError("upload.total_too_large", ["limit": "4"])) {
            try DocumentSet.check(Array(repeating: big, count: 5), type: type)
        }
        #expect(throws: HosoError("upload.format_not_accepted", ["formats": "pdf"])) {
            try DocumentSet.check([small, (format: .docx, size: 10)], type: type)
        }
        #expect(throws: HosoError("upload.missing_file")) { try DocumentSet.check([], type: type) }
        #expect(throws: HosoError("upload.too_many_files", ["limit": "20"])) {
            try DocumentSet.admit(count: DocumentSet.maxDocuments, total: 0, type: type)
        }
    }

    @Test func aRuleSetMayAskForMinutesBeforeTheLock() throws {
        // setup: the same book, once as the default (after lock), once with `correction_minutes: before_lock`.
        var strict = try Fixture.lessonPlan()
        strict.correctionMinutes = .beforeLock
        let approved = try Fixture.record(Fixture.teacher, state: .approved)
        let approvedStrict = try Fixture.record(Fixture.teacher, state: .approved, type: strict)
        // act, verify: only the strict type takes a correction of an approved record.
        #expect(throws: HosoError("workflow.not_locked")) {
            try RecordDecisions.requestCorrection(approved, reason: "Sai tiết 3")
        }
        #expect(try RecordDecisions.requestCorrection(approvedStrict, reason: "Sai tiết 3") == "Sai tiết 3")
        let consent = try Fixture.record(Fixture.principal, state: .approved, type: strict)
        let correction = CorrectionSnapshot(id: 9, reason: "Sai tiết 3", state: "requested")
        #expect(
            try RecordDecisions.decideCorrection(
                consent, correction: correction, consent: true, witnesses: ["u201", "u700"]) == .correcting)
        #expect(throws: HosoError("workflow.not_locked")) {
            try RecordDecisions.decideCorrection(
                try Fixture.record(Fixture.principal, state: .approved), correction: correction, consent: true,
                witnesses: ["u201", "u700"])
        }
        // Locked records are corrected the same way under both rules.
        #expect(
            try RecordDecisions.requestCorrection(
                try Fixture.record(Fixture.teacher, state: .locked, type: strict), reason: "x") == "x")
        // The rule reads from and writes back to rule-set data.
        #expect(RuleSetResolver.draft(of: strict).correctionMinutes == "before_lock")
        #expect(RuleSetResolver.draft(of: try Fixture.lessonPlan()).correctionMinutes == nil)
    }
}
