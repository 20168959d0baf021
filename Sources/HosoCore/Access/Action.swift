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
    /// File the scan of a printed, hand-signed and stamped copy (the school office's archive).
    case filePaperCopies = "file_paper_copies"
    /// Record the school's choice of electronic or paper for a book, and teachers' on their behalf.
    case chooseRecordForms = "choose_record_forms"
    /// See whose passwords are stale, never changed, about to expire or locked (logins and ages only).
    case reviewPasswords = "review_passwords"

    /// What an inspector may do at all, whatever a role table says: look, export, and record their
    /// own inspection (which writes findings, never a school's records). Listed as a whitelist so
    /// that a new action is refused to inspectors until someone decides otherwise.
    /// Looking, not changing: all a grant over a closed unit still allows, and all anyone may do
    /// at a closed unit (its page, figures and records stay readable; nothing is written there).
    public var isRead: Bool {
        switch self {
        case .viewUnit, .viewPeople, .viewRecords, .viewCompliance, .viewAudit, .exportReports, .reviewPasswords:
            return true
        default: return false
        }
    }

    public var isOpenToInspectors: Bool {
        switch self {
        case .viewUnit, .viewPeople, .viewRecords, .viewCompliance, .viewAudit, .exportReports, .conductInspection:
            return true
        default:
            return false
        }
    }
}
