/// Something an actor may ask to do on a unit.
public enum Action: String, Sendable, CaseIterable, Hashable {
    case viewUnit = "view_unit"
    case viewPeople = "view_people"
    case viewRecords = "view_records"
    case viewCompliance = "view_compliance"
    case viewAudit = "view_audit"
    case exportReports = "export_reports"
    case submitRecords = "submit_records"
    case reviewRecords = "review_records"
    case signRecords = "sign_records"
    case exemptObligations = "exempt_obligations"
    case consentCorrection = "consent_correction"
    case manageEntryWindows = "manage_entry_windows"
    case managePeople = "manage_people"
    case planInspection = "plan_inspection"
    case conductInspection = "conduct_inspection"
    case publishReports = "publish_reports"
    case administerTenant = "administer_tenant"

    /// Actions that change a school's records; inspectors never get these, whatever a role table says.
    public var changesRecords: Bool {
        switch self {
        case .submitRecords, .reviewRecords, .signRecords, .exemptObligations, .consentCorrection,
             .manageEntryWindows, .managePeople, .administerTenant:
            return true
        default:
            return false
        }
    }
}
