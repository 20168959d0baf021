import Foundation
import HosoCore
import HosoStore

/// A clock the demo's past sets to each act's instant: the dates the acts print and check (an
/// inspection's plan, its minutes and their signature, a follow-up's due date) are the past's.
public final class DemoClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var microseconds: Int64

    public init(epochSeconds: Int64) { microseconds = epochSeconds * 1_000_000 }

    public func set(epochSeconds: Int64) { lock.withLock { microseconds = epochSeconds * 1_000_000 } }
    public func nowMicroseconds() -> Int64 { lock.withLock { microseconds } }
}

/// The acts of the demo's past beyond its items (`hoso demo story`, after `DemoStory`): an
/// inspection by an office concluded weeks ago with its findings, signed minutes and follow-ups
/// (two still due, one done), one by the department in progress at another school, a correction
/// of a locked record with its minutes confirmed by the witnesses, and a report of last month
/// ready to download. Each goes through the controllers' own paths (the stores' decisions, the
/// minutes' PDF and signature, the report runner), by people who hold the roles and signed in
/// once, with `clock` set to the act's day. The stores stamp what they write with the database's
/// time, so after each step the times it wrote are set to the step's instant (`DemoStore`'s
/// backdating, on the owner's connection): an inspection concluded weeks ago reads so everywhere.
/// Each is told once: a second run finds it and skips it.
public struct DemoActs: Sendable {
    let services: AppServices
    let clock: DemoClock
    /// The database owner: the past's times are written with it (the application may not).
    let asOwner: Database
    /// Today: the acts are placed before it.
    let today: Int64

    /// `services` must be built with `clock`; `owner` is on the database owner's role.
    public init(services: AppServices, clock: DemoClock, owner: Database, now: Int64) {
        self.services = services
        self.clock = clock
        self.asOwner = owner
        self.today = now
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var concluded = 0
        public var inProgress = 0
        public var findings = 0
        public var followUps = 0
        public var followUpsDone = 0
        public var minutesSigned = 0
        public var corrections = 0
        public var reports = 0
        /// Acts left out, and why.
        public var notes: [String] = []
        public var description: String {
            "\(concluded + inProgress) inspections (\(concluded) concluded with minutes, \(inProgress) in progress; "
                + "\(findings) findings, \(followUps) follow-ups, \(followUpsDone) done), \(corrections) correction with minutes, "
                + "\(minutesSigned) minutes signed, \(reports) report"
                + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
        }
    }

    static let day: Int64 = 86_400

    var store: DemoStore { DemoStore(database: services.database, logger: services.logger) }
    /// The past's times (`DemoStore`'s backdating), as the owner.
    var past: DemoStore { DemoStore(database: asOwner, logger: services.logger) }
    static let hour: Int64 = 3_600
    var inspections: InspectionController { InspectionController(services: services) }

    public func tell(tenant code: String, seed: UInt64) async throws -> Summary {
        guard let tenant = try await services.tenants.tenant(code: code) else {
            throw HosoError("tenant.merge_unknown_tenant", ["tenant": code])
        }
        defer { clock.set(epochSeconds: today) }
        var summary = Summary()
        let teams = try await store.teams(tenantID: tenant.id)
        var inspected: Set<Int64> = []
        // The correction is told at the school the office inspected (its people signed in for the demo).
        var corrected: Int64?
        if let office = teams.first {
            corrected = try await school(tenant.id, under: office.unitID, besides: [])?.id
            try await concluded(tenant.id, office, seed: seed, inspected: &inspected, &summary)
        } else {
            summary.notes.append("no office with a planner and an inspector signed in: no inspection")
        }
        if teams.count > 1 {
            try await inProgress(tenant.id, teams[teams.count - 1], inspected: &inspected, &summary)
        }
        try await correction(tenant.id, at: corrected, seed: seed, &summary)
        try await report(tenant.id, teams.last, &summary)
        return summary
    }

    func actor(_ tenantID: Int64, _ userID: Int64) async throws -> Actor {
        guard let actor = try await services.users.actor(tenantID: tenantID, userID: userID) else {
            throw HosoError("record.not_found")
        }
        return actor
    }

    /// The school with the most items told under a unit, other than those already inspected.
    func school(_ tenantID: Int64, under unitID: Int64, besides: Set<Int64>) async throws -> (id: Int64, code: String)? {
        try await store.schools(tenantID: tenantID, under: unitID).first { !besides.contains($0.id) }.map { ($0.id, $0.code) }
    }

    // MARK: - Inspections

    /// Plans an inspection of one record type at a school over the weeks before `until`; nil when told before.
    func plan(
        _ tenantID: Int64, _ team: DemoStore.Team, school: (id: Int64, code: String), kind: InspectionKind, title: String,
        plannedAt: Int64, until: LocalDate
    ) async throws -> Int64? {
        guard !(try await store.inspectionExists(tenantID: tenantID, issuerUnitID: team.unitID, title: title)) else { return nil }
        let from = until.adding(days: -35)
        guard let type = try await store.commonType(tenantID: tenantID, unitID: school.id, from: from, to: until) else {
            return nil
        }
        let planner = try await actor(tenantID, team.plannerID)
        let inspector = try await actor(tenantID, team.inspectorID)
        let place = try await services.units.unit(tenantID: tenantID, code: school.code).map(InspectionController.suggestedPlace) ?? ""
        clock.set(epochSeconds: plannedAt)
        let id = try await inspections.plan(
            planner, code: team.code,
            .init(
                kind: kind.rawValue, title: title, symbol: nil, place: place, from: from.iso, to: until.iso, schoolYear: nil,
                recordTypes: [type], scope: [school.code], inspectors: [inspector.login], leader: inspector.login))
        try await past.backdateInspection(tenantID: tenantID, id: id, plannedAt: plannedAt)
        return id
    }

    /// Starts an inspection at `startedAt` and marks the lines `marking` picks of its checklist from
    /// an hour later, spread over `span` seconds: a line whose item was submitted on time passes, one
    /// late or missing does not. Returns the checklist and the lines that failed.
    @discardableResult
    func start(
        _ leader: Actor, _ id: Int64, at startedAt: Int64, marking: (_ checklist: [ChecklistItem]) -> ArraySlice<ChecklistItem>,
        over span: Int64, note: String?
    ) async throws -> (items: [ChecklistItem], failed: [ChecklistItem]) {
        clock.set(epochSeconds: startedAt)
        try await inspections.event(leader, try await inspections.visible(leader, id), InspectionEvent.start.rawValue, body: [:])
        try await past.backdateInspection(tenantID: leader.tenantID, id: id, startedAt: startedAt)
        let items = try await services.inspections.checklist(tenantID: leader.tenantID, id: id)
        let marked = marking(items)
        var failed: [ChecklistItem] = []
        for (index, item) in marked.enumerated() {
            let at = startedAt + Self.hour + Int64(index) * span / Int64(max(marked.count, 1))
            clock.set(epochSeconds: at)
            let passes = ![.missing, .late, .pending, .returned].contains(item.status)
            if !passes { failed.append(item) }
            try await services.inspections.mark(
                leader, inspectionID: id, itemID: item.id, verdict: (passes ? Verdict.compliant : .nonCompliant).rawValue,
                note: passes ? nil : note)
            try await past.backdateMark(tenantID: leader.tenantID, itemID: item.id, at: at)
        }
        return (items, failed)
    }

    func concluded(
        _ tenantID: Int64, _ team: DemoStore.Team, seed: UInt64, inspected: inout Set<Int64>, _ summary: inout Summary
    ) async throws {
        guard let school = try await school(tenantID, under: team.unitID, besides: inspected) else { return }
        inspected.insert(school.id)
        let plannedAt = today - 35 * Self.day
        let title = "Kiểm tra định kỳ hồ sơ điện tử trường \(school.code)"
        guard let id = try await plan(tenantID, team, school: school, kind: .periodic, title: title, plannedAt: plannedAt,
                                      until: VietnamTime.date(epochSeconds: plannedAt - 2 * Self.day))
        else { return }
        let leader = try await actor(tenantID, team.inspectorID)
        // Started a few days after the plan, every line marked over two days; the worst two get findings.
        let (items, failed) = try await start(
            leader, id, at: today - 30 * Self.day, marking: { $0[...] }, over: 2 * Self.day, note: "Chưa nộp đúng hạn theo quy định.")
        var random = SeededRandom(seed: seed ^ UInt64(bitPattern: id))
        let chosen = failed.isEmpty ? Array(items.prefix(1)) : Array(failed.shuffled(using: &random).prefix(2))
        let principal = try await store.holders(tenantID: tenantID, unitID: school.id, role: .principal).first
        // The findings an hour apart, each finding's actions ten minutes after it.
        var followUps: [Int64] = []
        for (index, item) in chosen.enumerated() {
            let foundAt = today - 27 * Self.day + Int64(index) * Self.hour
            clock.set(epochSeconds: foundAt)
            let finding = try await services.inspections.addFinding(
                leader, inspectionID: id, itemID: item.id,
                severity: failed.isEmpty ? FindingSeverity.observation.rawValue : index == 0 ? FindingSeverity.violation.rawValue
                    : FindingSeverity.shortcoming.rawValue,
                text: failed.isEmpty ? "Hồ sơ đầy đủ; cần ghi rõ phần rút kinh nghiệm." : "Hồ sơ chưa được nộp đúng hạn, chưa được phê duyệt kịp thời.")
            try await past.backdateFinding(tenantID: tenantID, id: finding, at: foundAt)
            summary.findings += 1
            guard let principal else { continue }
            // Two actions for the first finding (one soon, one later), one for the second.
            let dues = index == 0 ? [14, 40] : [20]
            for (number, days) in dues.enumerated() {
                let createdAt = foundAt + Int64(number + 1) * 600
                clock.set(epochSeconds: createdAt)
                let followUp = try await services.inspections.addFollowUp(
                    leader, inspectionID: id, findingID: finding, ownerUserID: principal.id,
                    dueOn: VietnamTime.date(epochSeconds: today + Int64(days - 27) * Self.day),
                    action: days == 14 ? "Nhắc giáo viên nộp bổ sung hồ sơ còn thiếu và báo cáo kết quả."
                        : "Rà soát quy trình phê duyệt hồ sơ của tổ chuyên môn.",
                    today: clock.today())
                try await past.backdateFollowUp(tenantID: tenantID, id: followUp, createdAt: createdAt)
                followUps.append(followUp)
                summary.followUps += 1
            }
        }
        // The leader concludes: the minutes are drawn, numbered and signed with the leader's key when the key store holds one.
        let concludedAt = today - 25 * Self.day
        clock.set(epochSeconds: concludedAt)
        let visible = try await inspections.visible(leader, id)
        try await inspections.conclude(
            leader, visible,
            conclusions: "Trường cơ bản thực hiện đầy đủ hồ sơ điện tử; còn \(failed.count) hồ sơ chưa nộp hoặc nộp muộn.",
            recommendations: "Hiệu trưởng chỉ đạo hoàn thiện hồ sơ còn thiếu và báo cáo kết quả khắc phục.")
        try await past.backdateInspection(tenantID: tenantID, id: id, concludedAt: concludedAt)
        summary.concluded += 1
        if try await services.inspections.minutesManifest(tenantID: tenantID, inspectionID: id) != nil { summary.minutesSigned += 1 }
        // The principal has done the first action since.
        if let first = followUps.first, let principal {
            let doneAt = today - 12 * Self.day
            clock.set(epochSeconds: doneAt)
            try await services.inspections.completeFollowUp(
                try await actor(tenantID, principal.id), id: first, note: "Đã nhắc và nhận đủ hồ sơ bổ sung.")
            try await past.backdateFollowUp(tenantID: tenantID, id: first, doneAt: doneAt)
            summary.followUpsDone += 1
        }
    }

    func inProgress(_ tenantID: Int64, _ team: DemoStore.Team, inspected: inout Set<Int64>, _ summary: inout Summary) async throws {
        guard let school = try await school(tenantID, under: team.unitID, besides: inspected) else { return }
        inspected.insert(school.id)
        let plannedAt = today - 6 * Self.day
        let title = "Kiểm tra đột xuất hồ sơ điện tử trường \(school.code)"
        guard let id = try await plan(tenantID, team, school: school, kind: .surprise, title: title, plannedAt: plannedAt,
                                      until: VietnamTime.date(epochSeconds: plannedAt - Self.day))
        else { return }
        let leader = try await actor(tenantID, team.inspectorID)
        // Started two days ago; a third of the lines marked over its first day.
        try await start(leader, id, at: today - 2 * Self.day, marking: { $0.prefix($0.count / 3) }, over: 20 * Self.hour, note: nil)
        summary.inProgress += 1
    }

    // MARK: - A correction with minutes

    static let correctionReason = "Sai sót số liệu phát hiện sau khi khóa sổ; đề nghị sửa chữa theo quy định."

    /// A locked record whose chain needs no signature is reopened by a correction: asked for by its
    /// owner, granted by the principal with the minutes' witnesses, a corrected version submitted,
    /// the minutes issued (signed with the principal's key when the key store holds one) and confirmed.
    func correction(_ tenantID: Int64, at schoolID: Int64?, seed: UInt64, _ summary: inout Summary) async throws {
        guard let schoolID else { return }
        guard !(try await store.correctionExists(tenantID: tenantID, reason: Self.correctionReason)) else { return }
        guard let principal = try await store.holders(tenantID: tenantID, unitID: schoolID, role: .principal).first,
              let leader = try await store.holders(tenantID: tenantID, unitID: schoolID, role: .vicePrincipal).first ?? Optional(principal),
              let administrator = try await store.holders(tenantID: tenantID, unitID: schoolID, role: .schoolAdministrator).first
        else {
            summary.notes.append("no principal and school administrator signed in: no correction")
            return
        }
        let (requestedAt, decidedAt, submittedAt, issuedAt) = (today - 9 * Self.day, today - 8 * Self.day, today - 7 * Self.day,
                                                               today - 6 * Self.day)
        var candidate: (id: Int64, ruleSetID: Int64, recordType: String, ownerUserID: Int64)?
        for item in try await store.lockedItems(tenantID: tenantID, unitID: schoolID, before: requestedAt) {
            let type = try await services.ruleSets.recordType(tenantID: tenantID, ruleSetID: item.ruleSetID, code: item.recordType)
            if !type.chain.steps.contains(where: \.signatureRequired) && !type.submissionSignatureRequired && type.paperCopy == .none {
                candidate = item
                break
            }
        }
        guard let item = candidate else {
            summary.notes.append("no locked record without signatures: no correction")
            return
        }
        let owner = try await actor(tenantID, item.ownerUserID)
        let head = try await actor(tenantID, principal.id)
        // Each step's times are set before the next: the minutes print the request's, the decision's and the versions'.
        clock.set(epochSeconds: requestedAt)
        let correctionID = try await services.records.requestCorrection(owner, obligationID: item.id, reason: Self.correctionReason)
        try await past.backdateCorrection(tenantID: tenantID, id: correctionID, requestedAt: requestedAt)
        clock.set(epochSeconds: decidedAt)
        _ = try await services.records.decideCorrection(
            head, correctionID: correctionID, consent: true,
            minutes: CorrectionMinutes(
                leader: leader.login, administrator: administrator.login, requester: owner.login,
                text: "Đồng ý cho sửa chữa số liệu; phiên bản cũ được lưu giữ."))
        try await past.backdateCorrection(tenantID: tenantID, id: correctionID, decidedAt: decidedAt)
        // The corrected version: the same kind of document as the first, marked as the correction.
        let text = "%PDF-1.4\n% Hoso demo: corrected version of item \(item.id)\n1 0 obj << /Type /Catalog >> endobj\n"
            + "trailer << /Root 1 0 R >>\n%%EOF\n"
        let writer = try services.blobs.writer(limit: 1 << 20)
        try writer.write(Array(text.utf8))
        let staged = try writer.finish()
        try staged.commit()
        clock.set(epochSeconds: submittedAt)
        _ = try await services.records.submit(owner, obligationID: item.id, blob: staged, format: .pdf,
                                              filename: "\(item.recordType)-sua-chua.pdf")
        try await past.backdateCorrectedVersion(tenantID: tenantID, correctionID: correctionID, at: submittedAt)
        clock.set(epochSeconds: issuedAt)
        _ = try await CorrectionMinutesController(services: services).issue(head, correctionID)
        try await past.backdateCorrectionMinutes(tenantID: tenantID, correctionID: correctionID, at: issuedAt)
        // The witnesses confirm that day, two hours apart.
        for (index, witness) in Set([leader.id, administrator.id, owner.userID]).sorted().enumerated() {
            let confirmedAt = issuedAt + Int64(index + 1) * 2 * Self.hour
            clock.set(epochSeconds: confirmedAt)
            _ = try await services.records.confirmMinutes(try await actor(tenantID, witness), correctionID: correctionID)
            try await past.backdateConfirmation(tenantID: tenantID, correctionID: correctionID, userID: witness, at: confirmedAt)
        }
        summary.corrections += 1
    }

    // MARK: - A report

    /// The report of the month before yesterday's of the department (or the deepest unit with a
    /// planner), asked for yesterday and generated by the report runner, ready to download for
    /// whoever asked for it.
    func report(_ tenantID: Int64, _ team: DemoStore.Team?, _ summary: inout Summary) async throws {
        guard let team else { return }
        let requester = try await actor(tenantID, team.plannerID)
        if try await services.reportJobs.recent(tenantID: tenantID, requestedBy: requester.userID).contains(where: { $0.state == .done }) {
            return
        }
        let requestedAt = today - Self.day - 6 * Self.hour
        clock.set(epochSeconds: requestedAt)
        let asked = VietnamTime.date(epochSeconds: requestedAt)
        let lastMonth = asked.adding(days: -asked.day)
        let month = String(lastMonth.iso.prefix(7))
        let controller = ReportController(services: services)
        let (id, request) = try await controller.queue(requester, code: team.code, fields: ["format": "pdf", "period": "month", "month": month])
        await ReportRunner.run(id: id, actor: requester, request: request, services: services)
        try await past.backdateReport(tenantID: tenantID, id: id, at: requestedAt)
        if try await services.reportJobs.job(tenantID: tenantID, id: id)?.state == .done {
            summary.reports += 1
        } else {
            summary.notes.append("the report did not finish (its page says why)")
        }
    }
}
