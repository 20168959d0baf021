import HosoCore
import Testing

/// Each step of an inspection decided without a database, on snapshots as the store loads them
/// under the inspection's lock, at chosen instants. Tree as in `PolicyTests`: 1 department;
/// 2, 3 offices; 4 school under 2; 5 school under 3; 6 under 1. People: 20 the office's officer,
/// 21 the office's inspector (the leader), 22 another inspector, 23 the principal of school 4,
/// 24 a teacher of school 4, 25 the principal of school 5.
@Suite struct InspectionDecisionsTests {
    typealias P = PolicyTests
    typealias D = InspectionDecisions

    static func person(_ id: Int64, _ grants: [(Role, Int64)]) -> Actor {
        Actor(
            userID: id, tenantID: P.tenant, login: "u\(id)", displayName: "U\(id)",
            grants: grants.map { Grant(role: $0.0, unitID: $0.1, unitCode: "U\($0.1)") })
    }

    let officer = InspectionDecisionsTests.person(20, [(.districtOfficer, 2)])
    let leader = InspectionDecisionsTests.person(21, [(.districtInspector, 2)])
    let inspector = InspectionDecisionsTests.person(22, [(.districtInspector, 2)])
    let principal = InspectionDecisionsTests.person(23, [(.principal, 4)])
    let teacher = InspectionDecisionsTests.person(24, [(.teacher, 4)])
    let otherPrincipal = InspectionDecisionsTests.person(25, [(.principal, 5)])
    /// A member of the team who has since lost the inspector role.
    let formerInspector = InspectionDecisionsTests.person(22, [(.teacher, 4)])

    func inspection(
        _ state: InspectionState, kind: InspectionKind = .periodic, minutes: Bool = false
    ) -> InspectionSnapshot {
        InspectionSnapshot(
            id: 1, kind: kind, state: state, issuer: P.office2, scope: [P.school4],
            team: [.init(userID: 21, leader: true), .init(userID: 22, leader: false)], hasMinutes: minutes)
    }

    let line = InspectionItemRef(unit: P.school4)
    /// 2026-10-15 10:00 in Asia/Ho_Chi_Minh.
    let clock = FixedClock(epochSeconds: 1_792_033_200)

    func code(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as HosoError { return error.code } catch { return "other" }
    }

    @Test func theClockIsWhereWeThinkItIs() {
        #expect(clock.today().iso == "2026-10-15")
    }

    @Test func onlyANamedInspectorStartsAPlannedInspection() throws {
        #expect(try D.start(leader, inspection(.planned)) == .inProgress)
        #expect(try D.start(inspector, inspection(.planned)) == .inProgress)
        #expect(code { _ = try D.start(officer, inspection(.planned)) } == "inspection.not_inspector")
        #expect(code { _ = try D.start(formerInspector, inspection(.planned)) } == "inspection.not_inspector")
        #expect(code { _ = try D.start(leader, inspection(.inProgress)) } == "inspection.not_allowed_now")
        #expect(code { try D.checklist(count: 0) } == "inspection.empty_checklist")
        #expect(code { try D.checklist(count: InspectionRules.maxChecklist + 1) } == "inspection.checklist_too_long")
        #expect(code { try D.checklist(count: 12) } == nil)
    }

    @Test func thePlannersCancelAPlanThatHasNotStarted() throws {
        #expect(try D.cancel(officer, inspection(.planned)) == .cancelled)
        #expect(code { _ = try D.cancel(leader, inspection(.planned)) } == "scope.forbidden")
        #expect(code { _ = try D.cancel(officer, inspection(.inProgress)) } == "inspection.not_allowed_now")
    }

    @Test func linesAreMarkedByInspectorsWhileInProgress() throws {
        let marked = try D.mark(
            inspector, inspection(.inProgress), item: line, verdict: "non_compliant", note: "  Thiếu  ")
        #expect(marked.verdict == .nonCompliant && marked.note == "Thiếu")
        #expect(try D.mark(inspector, inspection(.inProgress), item: line, verdict: "compliant", note: " ").note == nil)
        #expect(
            code { _ = try D.mark(principal, inspection(.inProgress), item: line, verdict: "compliant", note: nil) }
                == "inspection.not_inspector")
        #expect(
            code { _ = try D.mark(inspector, inspection(.inProgress), item: line, verdict: "pending", note: nil) }
                == "inspection.unknown_verdict")
        #expect(
            code {
                _ = try D.mark(
                    inspector, inspection(.inProgress), item: line, verdict: "compliant",
                    note: String(repeating: "x", count: InspectionRules.maxText + 1))
            } == "inspection.text_too_long")
        #expect(
            code { _ = try D.mark(inspector, inspection(.concluded), item: line, verdict: "compliant", note: nil) }
                == "inspection.not_in_progress")
        #expect(
            code { _ = try D.mark(inspector, inspection(.inProgress), item: nil, verdict: "compliant", note: nil) }
                == "inspection.item_not_found")
        #expect(code { try D.attach(inspector, inspection(.inProgress), item: line) } == nil)
        #expect(code { try D.attach(teacher, inspection(.inProgress), item: line) } == "inspection.not_inspector")
    }

    @Test func findingsNeedALineASeverityAndText() throws {
        let found = try D.addFinding(
            inspector, inspection(.inProgress), itemID: 7, item: line, severity: "violation", text: " Thiếu ")
        #expect(found.severity == .violation && found.text == "Thiếu")
        #expect(
            code {
                _ = try D.addFinding(
                    inspector, inspection(.inProgress), itemID: nil, item: nil, severity: "violation", text: "x")
            }
                == "inspection.finding_without_item")
        #expect(
            code {
                _ = try D.addFinding(
                    inspector, inspection(.inProgress), itemID: 7, item: line, severity: "grave", text: "x")
            }
                == "inspection.unknown_severity")
        #expect(
            code {
                _ = try D.addFinding(
                    inspector, inspection(.inProgress), itemID: 7, item: nil, severity: "violation", text: "x")
            }
                == "inspection.item_not_found")
        #expect(
            code {
                _ = try D.addFinding(
                    officer, inspection(.inProgress), itemID: 7, item: line, severity: "violation", text: "x")
            }
                == "inspection.not_inspector")
    }

    @Test func followUpsAreDueFromTodayAndOwnedWhereTheFindingIs() throws {
        let today = clock.today()
        let school = [Grant(role: .principal, unitID: 4, unitCode: "U4")]
        func add(
            _ actor: Actor, _ state: InspectionState = .inProgress,
            finding: InspectionItemRef? = InspectionItemRef(unit: P.school4),
            owner: Int64? = 23, grants: [Grant]? = nil, due: LocalDate? = nil, action: String = "Bổ sung"
        ) throws {
            _ = try D.addFollowUp(
                actor, inspection(state), finding: finding, ownerUserID: owner, ownerGrants: grants ?? school,
                dueOn: due ?? today.adding(days: 20), action: action, today: today)
        }
        #expect(code { try add(inspector) } == nil)
        // Due today is still in time; yesterday is refused.
        #expect(code { try add(inspector, due: today) } == nil)
        #expect(code { try add(inspector, due: today.adding(days: -1)) } == "inspection.follow_up_due_past")
        #expect(code { try add(inspector, .concluded) } == nil)
        #expect(code { try add(inspector, .closed) } == "inspection.not_in_progress")
        #expect(code { try add(inspector, owner: nil) } == "inspection.follow_up_without_owner")
        #expect(code { try add(inspector, finding: nil) } == "inspection.finding_not_found")
        #expect(
            code { try add(inspector, grants: [Grant(role: .principal, unitID: 5, unitCode: "U5")]) }
                == "inspection.owner_out_of_scope")
        // Someone at the office above the school may own it too.
        #expect(code { try add(inspector, grants: [Grant(role: .districtOfficer, unitID: 2, unitCode: "U2")]) } == nil)
        #expect(code { try add(principal) } == "inspection.not_inspector")
    }

    @Test func aFollowUpIsNotFoundByWhoeverCannotSeeIt() throws {
        let open = FollowUpRef(ownerUserID: 23, state: .open, unit: P.school4)
        let concluded = inspection(.concluded)
        #expect(try D.completeFollowUp(principal, concluded, followUp: open, note: " Đã bổ sung ") == "Đã bổ sung")
        #expect(code { _ = try D.completeFollowUp(inspector, concluded, followUp: open, note: "ok") } == nil)
        // A principal of another school, a teacher without compliance rights: not found (404).
        #expect(
            code { _ = try D.completeFollowUp(otherPrincipal, concluded, followUp: open, note: "ok") }
                == "inspection.follow_up_not_found")
        #expect(
            code { _ = try D.completeFollowUp(teacher, concluded, followUp: open, note: "ok") }
                == "inspection.follow_up_not_found")
        // Seen but not theirs to act on: the office's officer, a former inspector of the team.
        #expect(
            code { _ = try D.completeFollowUp(officer, concluded, followUp: open, note: "ok") }
                == "inspection.follow_up_not_yours")
        #expect(
            code { _ = try D.completeFollowUp(formerInspector, concluded, followUp: open, note: "ok") }
                == "inspection.follow_up_not_yours")
        #expect(
            code { _ = try D.completeFollowUp(principal, concluded, followUp: open, note: "  ") }
                == "inspection.follow_up_note_required")
        let done = FollowUpRef(ownerUserID: 23, state: .done, unit: P.school4)
        #expect(
            code { _ = try D.completeFollowUp(principal, concluded, followUp: done, note: "ok") }
                == "inspection.follow_up_done_already")
        #expect(
            code { _ = try D.completeFollowUp(principal, inspection(.closed), followUp: open, note: "ok") }
                == "inspection.not_in_progress")
        #expect(D.offersCompletion(principal, concluded, followUp: open))
        #expect(!D.offersCompletion(officer, concluded, followUp: open))
        #expect(!D.offersCompletion(principal, concluded, followUp: done))
    }

    @Test func theLeaderConcludesOnceEveryLineIsDecided() throws {
        let conclusion = try D.conclude(
            leader, inspection(.inProgress), pendingItems: 0, conclusions: " Đạt. ", recommendations: "  ")
        #expect(conclusion == .init(state: .concluded, conclusions: "Đạt.", recommendations: nil))
        #expect(
            code {
                _ = try D.conclude(
                    inspector, inspection(.inProgress), pendingItems: 0, conclusions: "Đạt.", recommendations: nil)
            }
                == "inspection.leader_only")
        #expect(
            code {
                _ = try D.conclude(
                    officer, inspection(.inProgress), pendingItems: 0, conclusions: "Đạt.", recommendations: nil)
            }
                == "inspection.not_inspector")
        #expect(
            code {
                _ = try D.conclude(
                    leader, inspection(.planned), pendingItems: 0, conclusions: "Đạt.", recommendations: nil)
            }
                == "inspection.not_allowed_now")
        #expect(
            code {
                _ = try D.conclude(
                    leader, inspection(.inProgress), pendingItems: 3, conclusions: "Đạt.", recommendations: nil)
            }
                == "inspection.items_pending")
        #expect(
            code {
                _ = try D.conclude(
                    leader, inspection(.inProgress), pendingItems: 3, conclusions: " ", recommendations: nil)
            }
                == "inspection.conclusions_required")
        #expect(
            code {
                _ = try D.conclude(
                    leader, inspection(.inProgress), pendingItems: 0, conclusions: "Đạt.",
                    recommendations: String(repeating: "x", count: InspectionRules.maxText * 2 + 1))
            }
                == "inspection.text_too_long")
    }

    @Test func theLeaderOrThePlannersCloseOnceFollowUpsAreDone() throws {
        #expect(try D.close(leader, inspection(.concluded), openFollowUps: 0) == .closed)
        #expect(try D.close(officer, inspection(.concluded), openFollowUps: 0) == .closed)
        #expect(
            code { _ = try D.close(inspector, inspection(.concluded), openFollowUps: 0) } == "inspection.leader_only")
        #expect(
            code { _ = try D.close(leader, inspection(.concluded), openFollowUps: 1) } == "inspection.follow_ups_open")
        #expect(
            code { _ = try D.close(leader, inspection(.inProgress), openFollowUps: 0) } == "inspection.not_allowed_now")
    }

    @Test func minutesAndViewsAsEvidence() {
        #expect(code { try D.minutes(principal, inspection(.concluded, minutes: true)) } == nil)
        #expect(code { try D.minutes(principal, inspection(.inProgress)) } == "inspection.no_minutes")
        #expect(code { try D.minutes(otherPrincipal, inspection(.concluded, minutes: true)) } == "inspection.not_found")
        #expect(D.viewIsEvidence(inspector, inspection(.inProgress), item: line))
        #expect(!D.viewIsEvidence(inspector, inspection(.concluded), item: line))
        #expect(!D.viewIsEvidence(principal, inspection(.inProgress), item: line))
        #expect(!D.viewIsEvidence(inspector, inspection(.inProgress), item: nil))
    }

    /// A button is offered exactly when its step is accepted: every role × state.
    @Test func theOffersAreTheDecisions() {
        for actor in [officer, leader, inspector, principal, teacher, otherPrincipal, formerInspector] {
            for state in InspectionState.allCases {
                let snapshot = inspection(state)
                let offers = D.offers(actor, snapshot)
                #expect(offers.start == ((try? D.start(actor, snapshot)) != nil))
                #expect(offers.cancel == ((try? D.cancel(actor, snapshot)) != nil))
                #expect(
                    offers.mark == ((try? D.mark(actor, snapshot, item: line, verdict: "compliant", note: nil)) != nil))
                #expect(
                    offers.conclude
                        == ((try? D.conclude(actor, snapshot, pendingItems: 0, conclusions: "x", recommendations: nil))
                            != nil))
                #expect(offers.close == ((try? D.close(actor, snapshot, openFollowUps: 0)) != nil))
            }
        }
        let planned = D.offers(leader, inspection(.planned))
        #expect(
            planned.start && !planned.cancel && !planned.mark && !planned.followUp && !planned.conclude
                && !planned.close)
        let conducting = D.offers(inspector, inspection(.inProgress))
        #expect(!conducting.start && conducting.mark && conducting.followUp && !conducting.conclude)
        #expect(D.offers(leader, inspection(.inProgress)).conclude)
        #expect(D.offers(officer, inspection(.planned)).cancel && D.offers(officer, inspection(.concluded)).close)
    }

    @Test func theSchoolDoesNotSeeASurpriseBeforeItStarts() {
        let surprise = inspection(.planned, kind: .surprise)
        #expect(InspectionVisibility.sight(principal, surprise) == .none)
        #expect(InspectionVisibility.sight(officer, surprise) == .all)
        #expect(InspectionVisibility.sight(inspector, surprise) == .all)
        #expect(InspectionVisibility.sight(principal, inspection(.inProgress, kind: .surprise)) == .someUnits)
        #expect(InspectionVisibility.sight(principal, inspection(.planned)) == .someUnits)
        #expect(InspectionVisibility.sight(otherPrincipal, inspection(.inProgress)) == .none)
        #expect(InspectionVisibility.sight(teacher, inspection(.inProgress)) == .none)
        let stranger = Actor(userID: 21, tenantID: 99, login: "x", displayName: "X", grants: leader.grants)
        #expect(InspectionVisibility.sight(stranger, surprise) == .none)
        #expect(InspectionVisibility.sees(principal, .someUnits, unit: P.school4))
        #expect(!InspectionVisibility.sees(principal, .someUnits, unit: P.school5))
    }

    /// `counts` (what the SQL mirrors) says what `sight` says for rows found through a watched unit.
    @Test func countsAgreesWithSight() {
        for actor in [officer, leader, inspector, principal, otherPrincipal] {
            let watched = InspectionVisibility.watchedUnits(actor)
            for kind in InspectionKind.allCases {
                for state in InspectionState.allCases {
                    let snapshot = inspection(state, kind: kind)
                    let sight = InspectionVisibility.sight(actor, snapshot)
                    guard sight != .none || !InspectionVisibility.isHiddenSurprise(kind: kind, state: state) else {
                        #expect(
                            !InspectionVisibility.counts(
                                kind: kind, state: state, isMember: snapshot.member(actor.userID) != nil,
                                issuerAncestry: P.office2.ancestry, watchedUnits: watched))
                        continue
                    }
                    if sight != .none {
                        #expect(
                            InspectionVisibility.counts(
                                kind: kind, state: state, isMember: snapshot.member(actor.userID) != nil,
                                issuerAncestry: P.office2.ancestry, watchedUnits: watched))
                    }
                }
            }
        }
        #expect(InspectionVisibility.watchedUnits(teacher).isEmpty)
        #expect(InspectionVisibility.watchedUnits(principal) == [4])
    }
}
