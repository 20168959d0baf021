/// A role a person holds over one unit of the tree (and so over its whole subtree).
public enum Role: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case tenantAdministrator = "tenant_administrator"
    case provincialOfficer = "provincial_officer"
    case provincialInspector = "provincial_inspector"
    case districtOfficer = "district_officer"
    case districtInspector = "district_inspector"
    case principal
    case vicePrincipal = "vice_principal"
    case subjectGroupHead = "subject_group_head"
    case officeGroupHead = "office_group_head"
    case schoolAdministrator = "school_administrator"
    case clerk
    case teacher

    /// Inspector roles (including the district office's dedicated audit account) only read.
    public var isInspector: Bool { self == .provincialInspector || self == .districtInspector }

    public var messageKey: String { "role." + rawValue }

    /// What this role may do within its subtree. Deny by default: an action absent here is refused.
    public var permittedActions: Set<Action> {
        let look: Set<Action> = [.viewUnit, .viewRecords, .viewCompliance, .exportReports]
        switch self {
        case .tenantAdministrator:
            return look.union([.viewPeople, .administerTenant, .viewAudit, .reviewPasswords])
        case .provincialOfficer, .districtOfficer:
            return look.union([.viewPeople, .planInspection, .publishReports, .reviewPasswords])
        case .provincialInspector, .districtInspector:
            return look.union([.viewPeople, .conductInspection, .viewAudit])
        case .principal:
            return look.union([.viewPeople, .reviewRecords, .signRecords, .exemptObligations, .consentCorrection,
                               .manageEntryWindows, .conductInspection, .submitRecords,
                               .filePaperCopies, .chooseRecordForms])
        case .vicePrincipal:
            return look.union([.viewPeople, .reviewRecords, .signRecords, .submitRecords])
        case .subjectGroupHead, .officeGroupHead:
            return look.union([.reviewRecords, .signRecords, .submitRecords])
        case .schoolAdministrator:
            return look.union([.viewPeople, .manageEntryWindows, .managePeople, .filePaperCopies, .reviewPasswords])
        case .clerk:
            return look.union([.submitRecords, .filePaperCopies])
        case .teacher:
            return [.viewUnit, .viewRecords, .submitRecords]
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        let order = Role.allCases
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}
