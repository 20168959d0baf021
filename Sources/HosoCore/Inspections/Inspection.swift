/// Inspections of schools' records (kiểm tra hồ sơ): planned by the department or an office
/// (periodic or surprise) or by a school itself (self-inspection), conducted by named inspectors
/// against a checklist drawn from the obligations in scope, ending in findings, follow-up actions
/// and signed minutes.
public enum InspectionKind: String, Sendable, CaseIterable, Codable {
    case periodic
    case surprise
    case selfInspection = "self"

    public var messageKey: String { "inspection_kind." + rawValue }
}

public enum InspectionState: String, Sendable, CaseIterable, Codable {
    case planned
    case inProgress = "in_progress"
    case concluded
    case closed
    case cancelled

    public var messageKey: String { "inspection_state." + rawValue }
}

/// What an inspector decided about one line of the checklist.
public enum Verdict: String, Sendable, CaseIterable, Codable {
    case pending
    case compliant
    case nonCompliant = "non_compliant"
    case notApplicable = "not_applicable"

    public var messageKey: String { "verdict." + rawValue }
}

/// How serious a finding is: a remark, a shortcoming to put right, or a violation of the rules.
public enum FindingSeverity: String, Sendable, CaseIterable, Codable {
    case observation
    case shortcoming
    case violation

    public var messageKey: String { "severity." + rawValue }
}

public enum FollowUpState: String, Sendable, CaseIterable, Codable {
    case open
    case done
}

/// Something that moves an inspection along.
public enum InspectionEvent: String, Sendable, CaseIterable {
    case start, cancel, conclude, close
}

/// What is asked for when an inspection is planned, before anything is stored.
public struct InspectionPlan: Sendable, Equatable {
    public var kind: InspectionKind
    public var title: String
    public var issuerUnitID: Int64
    public var symbol: String
    public var scopeUnitIDs: [Int64]
    public var recordTypes: [String]
    public var periodFrom: LocalDate
    public var periodTo: LocalDate
    public var place: String
    public var inspectorUserIDs: [Int64]
    public var leaderUserID: Int64

    public init(kind: InspectionKind, title: String, issuerUnitID: Int64, symbol: String, scopeUnitIDs: [Int64], recordTypes: [String],
                periodFrom: LocalDate, periodTo: LocalDate, place: String, inspectorUserIDs: [Int64], leaderUserID: Int64) {
        self.kind = kind
        self.title = title
        self.issuerUnitID = issuerUnitID
        self.symbol = symbol
        self.scopeUnitIDs = scopeUnitIDs
        self.recordTypes = recordTypes
        self.periodFrom = periodFrom
        self.periodTo = periodTo
        self.place = place
        self.inspectorUserIDs = inspectorUserIDs
        self.leaderUserID = leaderUserID
    }
}

/// The rules of inspections, independent of storage: who may plan, who may inspect, which moves
/// are allowed, and what a finding and a follow-up need.
public enum InspectionRules {
    public static let maxTitle = 300
    public static let maxText = 4_000
    public static let maxPeriodDays = 400
    /// A checklist longer than this is refused: an inspection that big is several inspections.
    public static let maxChecklist = 20_000

    /// Checks the plan's own content (not who asks): title, period, symbol, scope and team.
    public static func validate(_ plan: InspectionPlan, knownRecordTypes: Set<String>) throws {
        let title = Text.trimmed(plan.title)
        guard !title.isEmpty else { throw HosoError("inspection.title_required") }
        guard title.count <= maxTitle else { throw HosoError("inspection.title_too_long", ["max": String(maxTitle)]) }
        guard !Text.trimmed(plan.place).isEmpty, plan.place.count <= 100 else { throw HosoError("inspection.place_required") }
        let symbol = Text.trimmed(plan.symbol)
        guard !symbol.isEmpty, symbol.count <= 20, !symbol.contains("/"), !symbol.contains(where: \.isWhitespace) else {
            throw HosoError("inspection.bad_symbol")
        }
        guard plan.periodFrom <= plan.periodTo else {
            throw HosoError("inspection.bad_period", ["from": plan.periodFrom.vietnamese, "to": plan.periodTo.vietnamese])
        }
        guard plan.periodTo.dayNumber - plan.periodFrom.dayNumber <= maxPeriodDays else {
            throw HosoError("inspection.period_too_long", ["days": String(maxPeriodDays)])
        }
        guard !plan.scopeUnitIDs.isEmpty else { throw HosoError("inspection.scope_required") }
        for type in plan.recordTypes where !knownRecordTypes.contains(type) {
            throw HosoError("inspection.unknown_type", ["type": String(type.prefix(40))])
        }
        guard !plan.inspectorUserIDs.isEmpty else { throw HosoError("inspection.inspectors_required") }
        guard plan.inspectorUserIDs.contains(plan.leaderUserID) else { throw HosoError("inspection.leader_not_member") }
        if plan.kind == .selfInspection, plan.scopeUnitIDs != [plan.issuerUnitID] {
            throw HosoError("inspection.self_scope")
        }
    }

    /// Whether the actor may plan this inspection: the department's or an office's officer for
    /// units under their unit; a principal for their own school's self-inspection.
    public static func mayPlan(_ actor: Actor, kind: InspectionKind, issuer: UnitPosition, scope: [UnitPosition], policy: Policy) -> Bool {
        guard scope.allSatisfy({ $0.tenantID == actor.tenantID && $0.ancestry.contains(issuer.unitID) }) else { return false }
        switch kind {
        case .periodic, .surprise:
            return policy.allows(actor, .planInspection, on: issuer)
        case .selfInspection:
            return policy.roles(actor, covering: issuer.ancestry).contains(.principal)
        }
    }

    /// The roles that may be named to inspect: inspector roles (the department's inspectors, an
    /// office's dedicated audit account) for periodic and surprise inspections; the school's
    /// leadership for a self-inspection.
    public static func inspectingRoles(_ kind: InspectionKind) -> Set<Role> {
        switch kind {
        case .periodic, .surprise: return [.provincialInspector, .districtInspector]
        case .selfInspection: return [.principal, .vicePrincipal]
        }
    }

    /// Whether someone holding `grants` may be named to inspect every unit of `scope`.
    public static func mayInspect(grants: [Grant], kind: InspectionKind, scope: [UnitPosition]) -> Bool {
        let roles = inspectingRoles(kind)
        return !scope.isEmpty && scope.allSatisfy { unit in
            grants.contains { roles.contains($0.role) && unit.ancestry.contains($0.unitID) }
        }
    }

    /// The next state, or a refusal naming the current one.
    public static func apply(_ event: InspectionEvent, to state: InspectionState) throws -> InspectionState {
        switch (event, state) {
        case (.start, .planned): return .inProgress
        case (.cancel, .planned): return .cancelled
        case (.conclude, .inProgress): return .concluded
        case (.close, .concluded): return .closed
        default:
            throw HosoError("inspection.not_allowed_now", ["event": event.rawValue, "state": state.rawValue])
        }
    }

    /// A conclusion needs every line decided and the conclusions written.
    public static func checkConclusion(pending: Int, conclusions: String) throws {
        guard pending == 0 else { throw HosoError("inspection.items_pending", ["count": String(pending)]) }
        let text = Text.trimmed(conclusions)
        guard !text.isEmpty else { throw HosoError("inspection.conclusions_required") }
        guard text.count <= maxText * 2 else { throw HosoError("inspection.text_too_long", ["max": String(maxText * 2)]) }
    }

    /// A closure needs every follow-up action done.
    public static func checkClosure(openFollowUps: Int) throws {
        guard openFollowUps == 0 else { throw HosoError("inspection.follow_ups_open", ["count": String(openFollowUps)]) }
    }

    /// A finding is always about a line of the checklist and says something.
    public static func checkFinding(itemID: Int64?, severity: String?, text: String) throws -> (Int64, FindingSeverity, String) {
        guard let itemID else { throw HosoError("inspection.finding_without_item") }
        guard let severity = severity.flatMap(FindingSeverity.init(rawValue:)) else {
            throw HosoError("inspection.unknown_severity", ["severity": String((severity ?? "").prefix(20))])
        }
        let text = Text.trimmed(text)
        guard !text.isEmpty else { throw HosoError("inspection.finding_text_required") }
        guard text.count <= maxText else { throw HosoError("inspection.text_too_long", ["max": String(maxText)]) }
        return (itemID, severity, text)
    }

    /// A follow-up action has an owner, a due date not before today, and says what to do.
    public static func checkFollowUp(ownerUserID: Int64?, dueOn: LocalDate?, action: String, today: LocalDate) throws -> (Int64, LocalDate, String) {
        let action = Text.trimmed(action)
        guard !action.isEmpty else { throw HosoError("inspection.follow_up_action_required") }
        guard action.count <= maxText else { throw HosoError("inspection.text_too_long", ["max": String(maxText)]) }
        guard let ownerUserID else { throw HosoError("inspection.follow_up_without_owner") }
        guard let dueOn else { throw HosoError("inspection.follow_up_without_due") }
        guard dueOn >= today else { throw HosoError("inspection.follow_up_due_past", ["date": dueOn.vietnamese]) }
        return (ownerUserID, dueOn, action)
    }

    /// The minutes' number and symbol: "05/BB-SGDĐT" (NĐ 30: number, then the kind's
    /// abbreviation and the issuer's).
    public static func minutesNumber(sequence: Int, symbol: String) -> String {
        (sequence < 10 ? "0" : "") + String(sequence) + "/BB-" + symbol
    }
}

extension LocalDate {
    /// "ngày 02 tháng 12 năm 2026", as a document's place-and-date line writes it.
    public var vietnameseLong: String {
        "ngày \(day < 10 ? "0" : "")\(day) tháng \(month < 10 ? "0" : "")\(month) năm \(year)"
    }
}
