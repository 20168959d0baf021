import HosoCore
import Foundation
import Hummingbird

/// Every path of the site in one place: the route table (`Route`, each pattern written once) and
/// the links and redirects that point at it (`SiteURL`, which fills a route's parameters).
enum SiteURL: Hashable, Sendable {
    // Pages
    case home
    case signIn
    case signOut
    case language(String)
    case dashboard
    case owe
    case myItems
    case myItemsCSV
    case approvals
    case notificationSettings
    case outbox
    case outboxTest
    case unsubscribe
    case inspections
    case search
    case health
    case staticFile(String)
    case unit(String)
    case unitPeople(String)
    case unitDashboard(String)
    case unitDashboardCSV(String)
    case unitDashboardXLSX(String)
    case unitItems(String)
    case unitItemsCSV(String)
    case unitItemsXLSX(String)
    case unitReminders(String)
    case unitRemindersCSV(String)
    case unitPasswords(String)
    case unitPasswordsCSV(String)
    case unitReports(String)
    case unitInspections(String)
    case unitWindows(String)
    case unitBookExport(String, type: String)
    case record(Int64)
    case recordSignatures(Int64)
    case recordExport(Int64)
    case recordUpload(Int64)
    case recordAction(Int64, action: String)
    case correctionDecision(Int64)
    case versionDownload(Int64)
    case report(Int64)
    case reportDownload(Int64)
    case inspection(Int64)
    case inspectionItem(Int64, item: Int64)
    case inspectionFindings(Int64)
    case inspectionFollowUps(Int64)
    case inspectionEvent(Int64, event: String)
    case inspectionMinutesPDF(Int64)
    case followUpDone(Int64)
    case recordPaperCopies(Int64)
    case paperCopyDownload(Int64)
    case unitChoices(String)
    case versionDocument(Int64, position: Int)
    case correctionMinutes(Int64)
    case correctionMinutesPDF(Int64)
    case correctionMinutesManifest(Int64)
    case correctionConfirm(Int64)

    // JSON API
    case apiOpenAPI
    case apiTenants
    case apiSession
    case apiMe
    case apiMyObligations
    case apiMyItems
    case apiApprovals
    case apiUnit(String)
    case apiUnitPeople(String)
    case apiUnitCompliance(String)
    case apiUnitItems(String)
    case apiUnitReminders(String)
    case apiUnitPasswords(String)
    case apiUnitReports(String)
    case apiUnitInspections(String)
    case apiUnitInspectionCoverage(String)
    case apiUnitWindows(String)
    case apiObligation(Int64)
    case apiObligationManifest(Int64)
    case apiObligationSignatures(Int64)
    case apiObligationSubmissionSignature(Int64)
    case apiObligationVerification(Int64)
    case apiObligationExport(Int64)
    case apiObligationVersions(Int64)
    case apiObligationApprove(Int64)
    case apiObligationReturn(Int64)
    case apiObligationLock(Int64)
    case apiObligationExemption(Int64)
    case apiObligationCorrections(Int64)
    case apiCorrectionDecision(Int64)
    case apiVersionContent(Int64)
    case apiReport(Int64)
    case apiReportContent(Int64)
    case apiInspection(Int64)
    case apiInspectionItems(Int64)
    case apiInspectionItem(Int64, item: Int64)
    case apiInspectionItemAttachments(Int64, item: Int64)
    case apiInspectionFindings(Int64)
    case apiInspectionFollowUps(Int64)
    case apiInspectionEvent(Int64, event: String)
    case apiInspectionMinutes(Int64)
    case apiInspectionMinutesManifest(Int64)
    case apiFollowUpDone(Int64)
    case apiObligationPaperCopies(Int64)
    case apiVersionDocument(Int64, position: Int)
    case apiCorrectionMinutes(Int64)
    case apiCorrectionConfirmation(Int64)
    case apiSearch

    /// The route patterns (Hummingbird syntax): the only place a path is spelled.
    enum Route: String, CaseIterable, Sendable {
        case home = "/"
        case signIn = "/signin"
        case signOut = "/signout"
        case language = "/lang/:code"
        case dashboard = "/dashboard"
        case owe = "/owe"
        case myItems = "/owe/items"
        case myItemsCSV = "/owe/items.csv"
        case approvals = "/approvals"
        case notificationSettings = "/settings/notifications"
        case outbox = "/outbox"
        case outboxTest = "/outbox/test"
        case unsubscribe = "/unsubscribe"
        case inspections = "/inspections"
        case search = "/search"
        case health = "/healthz"
        case staticFile = "/static/:name"
        case unit = "/units/:code"
        case unitPeople = "/units/:code/people"
        case unitDashboard = "/units/:code/dashboard"
        case unitDashboardCSV = "/units/:code/dashboard.csv"
        case unitDashboardXLSX = "/units/:code/dashboard.xlsx"
        case unitItems = "/units/:code/items"
        case unitItemsCSV = "/units/:code/items.csv"
        case unitItemsXLSX = "/units/:code/items.xlsx"
        case unitReminders = "/units/:code/reminders"
        case unitRemindersCSV = "/units/:code/reminders.csv"
        case unitPasswords = "/units/:code/passwords"
        case unitPasswordsCSV = "/units/:code/passwords.csv"
        case unitReports = "/units/:code/reports"
        case unitInspections = "/units/:code/inspections"
        case unitWindows = "/units/:code/windows"
        case unitBookExport = "/units/:code/books/:type/export.zip"
        case record = "/records/:id"
        case recordSignatures = "/records/:id/signatures"
        case recordExport = "/records/:id/export.zip"
        case recordUpload = "/records/:id/upload"
        case recordAction = "/records/:id/:action"
        case correctionDecision = "/corrections/:id/decision"
        case versionDownload = "/versions/:id/download"
        case report = "/reports/:id"
        case reportDownload = "/reports/:id/download"
        case inspection = "/inspections/:id"
        case inspectionItem = "/inspections/:id/items/:item"
        case inspectionFindings = "/inspections/:id/findings"
        case inspectionFollowUps = "/inspections/:id/follow-ups"
        case inspectionEvent = "/inspections/:id/:event"
        case inspectionMinutesPDF = "/inspections/:id/minutes.pdf"
        case followUpDone = "/follow-ups/:id/done"
        case recordPaperCopies = "/records/:id/paper-copies"
        case paperCopyDownload = "/paper-copies/:id/download"
        case unitChoices = "/units/:code/choices"
        case versionDocument = "/versions/:id/documents/:position"
        case correctionMinutes = "/corrections/:id/minutes"
        case correctionMinutesPDF = "/corrections/:id/minutes.pdf"
        case correctionMinutesManifest = "/corrections/:id/minutes.xml"
        case correctionConfirm = "/corrections/:id/confirm"

        case apiOpenAPI = "/api/v1/openapi.yaml"
        case apiTenants = "/api/v1/tenants"
        case apiSession = "/api/v1/session"
        case apiMe = "/api/v1/me"
        case apiMyObligations = "/api/v1/me/obligations"
        case apiMyItems = "/api/v1/me/items"
        case apiApprovals = "/api/v1/approvals"
        case apiTree = "/api/v1/tree"
        case apiUnit = "/api/v1/units/:code"
        case apiUnitPeople = "/api/v1/units/:code/people"
        case apiUnitCompliance = "/api/v1/units/:code/compliance"
        case apiUnitItems = "/api/v1/units/:code/items"
        case apiUnitReminders = "/api/v1/units/:code/reminders"
        case apiUnitPasswords = "/api/v1/units/:code/passwords"
        case apiUnitReports = "/api/v1/units/:code/reports"
        case apiUnitInspections = "/api/v1/units/:code/inspections"
        case apiUnitInspectionCoverage = "/api/v1/units/:code/inspection-coverage"
        case apiUnitWindows = "/api/v1/units/:code/windows"
        case apiObligation = "/api/v1/obligations/:id"
        case apiObligationManifest = "/api/v1/obligations/:id/manifest"
        case apiObligationSignatures = "/api/v1/obligations/:id/signatures"
        case apiObligationSubmissionSignature = "/api/v1/obligations/:id/submission-signature"
        case apiObligationVerification = "/api/v1/obligations/:id/verification"
        case apiObligationExport = "/api/v1/obligations/:id/export.zip"
        case apiObligationVersions = "/api/v1/obligations/:id/versions"
        case apiObligationApprove = "/api/v1/obligations/:id/approve"
        case apiObligationReturn = "/api/v1/obligations/:id/return"
        case apiObligationLock = "/api/v1/obligations/:id/lock"
        case apiObligationExemption = "/api/v1/obligations/:id/exemption"
        case apiObligationCorrections = "/api/v1/obligations/:id/corrections"
        case apiCorrectionDecision = "/api/v1/corrections/:id/decision"
        case apiVersionContent = "/api/v1/versions/:id/content"
        case apiReport = "/api/v1/reports/:id"
        case apiReportContent = "/api/v1/reports/:id/content"
        case apiInspection = "/api/v1/inspections/:id"
        case apiInspectionItems = "/api/v1/inspections/:id/items"
        case apiInspectionItem = "/api/v1/inspections/:id/items/:item"
        case apiInspectionItemAttachments = "/api/v1/inspections/:id/items/:item/attachments"
        case apiInspectionFindings = "/api/v1/inspections/:id/findings"
        case apiInspectionFollowUps = "/api/v1/inspections/:id/follow-ups"
        case apiInspectionEvent = "/api/v1/inspections/:id/:event"
        case apiInspectionMinutes = "/api/v1/inspections/:id/minutes"
        case apiInspectionMinutesManifest = "/api/v1/inspections/:id/minutes/manifest"
        case apiFollowUpDone = "/api/v1/follow-ups/:id/done"
        case apiObligationPaperCopies = "/api/v1/obligations/:id/paper-copies"
        case apiVersionDocument = "/api/v1/versions/:id/documents/:position"
        case apiCorrectionMinutes = "/api/v1/corrections/:id/minutes"
        case apiCorrectionConfirmation = "/api/v1/corrections/:id/confirmation"
        case apiSearch = "/api/v1/search"

        var pattern: RouterPath { RouterPath(rawValue) }
    }

    /// The route and the values of its parameters, in the pattern's order.
    var parts: (route: Route, values: [String]) {
        switch self {
        case .home: (.home, [])
        case .signIn: (.signIn, [])
        case .signOut: (.signOut, [])
        case .language(let code): (.language, [code])
        case .dashboard: (.dashboard, [])
        case .owe: (.owe, [])
        case .myItems: (.myItems, [])
        case .myItemsCSV: (.myItemsCSV, [])
        case .approvals: (.approvals, [])
        case .notificationSettings: (.notificationSettings, [])
        case .outbox: (.outbox, [])
        case .outboxTest: (.outboxTest, [])
        case .unsubscribe: (.unsubscribe, [])
        case .inspections: (.inspections, [])
        case .search: (.search, [])
        case .health: (.health, [])
        case .staticFile(let name): (.staticFile, [name])
        case .unit(let code): (.unit, [code])
        case .unitPeople(let code): (.unitPeople, [code])
        case .unitDashboard(let code): (.unitDashboard, [code])
        case .unitDashboardCSV(let code): (.unitDashboardCSV, [code])
        case .unitDashboardXLSX(let code): (.unitDashboardXLSX, [code])
        case .unitItems(let code): (.unitItems, [code])
        case .unitItemsCSV(let code): (.unitItemsCSV, [code])
        case .unitItemsXLSX(let code): (.unitItemsXLSX, [code])
        case .unitReminders(let code): (.unitReminders, [code])
        case .unitRemindersCSV(let code): (.unitRemindersCSV, [code])
        case .unitPasswords(let code): (.unitPasswords, [code])
        case .unitPasswordsCSV(let code): (.unitPasswordsCSV, [code])
        case .unitReports(let code): (.unitReports, [code])
        case .unitInspections(let code): (.unitInspections, [code])
        case .unitWindows(let code): (.unitWindows, [code])
        case .unitBookExport(let code, let type): (.unitBookExport, [code, type])
        case .record(let id): (.record, [String(id)])
        case .recordSignatures(let id): (.recordSignatures, [String(id)])
        case .recordExport(let id): (.recordExport, [String(id)])
        case .recordUpload(let id): (.recordUpload, [String(id)])
        case .recordAction(let id, let action): (.recordAction, [String(id), action])
        case .correctionDecision(let id): (.correctionDecision, [String(id)])
        case .versionDownload(let id): (.versionDownload, [String(id)])
        case .report(let id): (.report, [String(id)])
        case .reportDownload(let id): (.reportDownload, [String(id)])
        case .inspection(let id): (.inspection, [String(id)])
        case .inspectionItem(let id, let item): (.inspectionItem, [String(id), String(item)])
        case .inspectionFindings(let id): (.inspectionFindings, [String(id)])
        case .inspectionFollowUps(let id): (.inspectionFollowUps, [String(id)])
        case .inspectionEvent(let id, let event): (.inspectionEvent, [String(id), event])
        case .inspectionMinutesPDF(let id): (.inspectionMinutesPDF, [String(id)])
        case .followUpDone(let id): (.followUpDone, [String(id)])
        case .recordPaperCopies(let id): (.recordPaperCopies, [String(id)])
        case .paperCopyDownload(let id): (.paperCopyDownload, [String(id)])
        case .unitChoices(let code): (.unitChoices, [code])
        case .apiOpenAPI: (.apiOpenAPI, [])
        case .apiTenants: (.apiTenants, [])
        case .apiSession: (.apiSession, [])
        case .apiMe: (.apiMe, [])
        case .apiMyObligations: (.apiMyObligations, [])
        case .apiMyItems: (.apiMyItems, [])
        case .apiApprovals: (.apiApprovals, [])
        case .apiUnit(let code): (.apiUnit, [code])
        case .apiUnitPeople(let code): (.apiUnitPeople, [code])
        case .apiUnitCompliance(let code): (.apiUnitCompliance, [code])
        case .apiUnitItems(let code): (.apiUnitItems, [code])
        case .apiUnitReminders(let code): (.apiUnitReminders, [code])
        case .apiUnitPasswords(let code): (.apiUnitPasswords, [code])
        case .apiUnitReports(let code): (.apiUnitReports, [code])
        case .apiUnitInspections(let code): (.apiUnitInspections, [code])
        case .apiUnitInspectionCoverage(let code): (.apiUnitInspectionCoverage, [code])
        case .apiUnitWindows(let code): (.apiUnitWindows, [code])
        case .apiObligation(let id): (.apiObligation, [String(id)])
        case .apiObligationManifest(let id): (.apiObligationManifest, [String(id)])
        case .apiObligationSignatures(let id): (.apiObligationSignatures, [String(id)])
        case .apiObligationSubmissionSignature(let id): (.apiObligationSubmissionSignature, [String(id)])
        case .apiObligationVerification(let id): (.apiObligationVerification, [String(id)])
        case .apiObligationExport(let id): (.apiObligationExport, [String(id)])
        case .apiObligationVersions(let id): (.apiObligationVersions, [String(id)])
        case .apiObligationApprove(let id): (.apiObligationApprove, [String(id)])
        case .apiObligationReturn(let id): (.apiObligationReturn, [String(id)])
        case .apiObligationLock(let id): (.apiObligationLock, [String(id)])
        case .apiObligationExemption(let id): (.apiObligationExemption, [String(id)])
        case .apiObligationCorrections(let id): (.apiObligationCorrections, [String(id)])
        case .apiCorrectionDecision(let id): (.apiCorrectionDecision, [String(id)])
        case .apiVersionContent(let id): (.apiVersionContent, [String(id)])
        case .apiReport(let id): (.apiReport, [String(id)])
        case .apiReportContent(let id): (.apiReportContent, [String(id)])
        case .apiInspection(let id): (.apiInspection, [String(id)])
        case .apiInspectionItems(let id): (.apiInspectionItems, [String(id)])
        case .apiInspectionItem(let id, let item): (.apiInspectionItem, [String(id), String(item)])
        case .apiInspectionItemAttachments(let id, let item):
            (.apiInspectionItemAttachments, [String(id), String(item)])
        case .apiInspectionFindings(let id): (.apiInspectionFindings, [String(id)])
        case .apiInspectionFollowUps(let id): (.apiInspectionFollowUps, [String(id)])
        case .apiInspectionEvent(let id, let event): (.apiInspectionEvent, [String(id), event])
        case .apiInspectionMinutes(let id): (.apiInspectionMinutes, [String(id)])
        case .apiInspectionMinutesManifest(let id): (.apiInspectionMinutesManifest, [String(id)])
        case .apiFollowUpDone(let id): (.apiFollowUpDone, [String(id)])
        case .apiObligationPaperCopies(let id): (.apiObligationPaperCopies, [String(id)])
        case .versionDocument(let id, let position): (.versionDocument, [String(id), String(position)])
        case .correctionMinutes(let id): (.correctionMinutes, [String(id)])
        case .correctionMinutesPDF(let id): (.correctionMinutesPDF, [String(id)])
        case .correctionMinutesManifest(let id): (.correctionMinutesManifest, [String(id)])
        case .correctionConfirm(let id): (.correctionConfirm, [String(id)])
        case .apiVersionDocument(let id, let position): (.apiVersionDocument, [String(id), String(position)])
        case .apiCorrectionMinutes(let id): (.apiCorrectionMinutes, [String(id)])
        case .apiCorrectionConfirmation(let id): (.apiCorrectionConfirmation, [String(id)])
        case .apiSearch: (.apiSearch, [])
        }
    }

    /// The path for links and redirects: each `:parameter` of the route gets the next value,
    /// percent-encoded as one path segment.
    var path: String {
        let (route, values) = parts
        var remaining = values[...]
        return route.rawValue.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix(":"), let value = remaining.popFirst() else { return String(segment) }
            return Self.segment(value)
        }.joined(separator: "/")
    }

    /// The path with a query string made of `items` (values encoded; none: no `?`).
    func path(query items: [(String, String)]) -> String {
        items.isEmpty ? path : path + "?" + Self.query(items)
    }

    /// `key=value&…`, each value encoded as a path segment.
    static func query(_ items: [(String, String)]) -> String {
        items.map { "\($0.0)=\(segment($0.1))" }.joined(separator: "&")
    }

    /// Route patterns (Hummingbird syntax).
    enum Pattern {
        static let unit = Route.unit.rawValue
        static let unitPeople = Route.unitPeople.rawValue
        static let language = Route.language.rawValue
    }

    /// A download's file name in plain ASCII (Vietnamese letters without their marks, đ as d).
    static func asciiFilename(_ name: String) -> String {
        let folded = name.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive], locale: nil)
        return String(
            folded.unicodeScalars.map { scalar -> Character in
                let allowed = CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar)
                return scalar.isASCII && allowed ? Character(scalar) : "-"
            })
    }

    static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~")))
            ?? value
    }

    /// The page a landing names.
    static func landing(_ landing: Landing) -> String {
        switch landing {
        case .dashboard(let code): SiteURL.unitDashboard(code).path
        case .approvals: SiteURL.approvals.path
        case .owe: SiteURL.owe.path
        case .home: SiteURL.home.path
        }
    }

    /// A `next=` target is followed only when it is a path on this site (no open redirect).
    static func safeNext(_ raw: String?) -> String {
        guard let raw, let decoded = raw.removingPercentEncoding, decoded.count < 512, decoded.hasPrefix("/"),
            !decoded.hasPrefix("//"), !decoded.contains("\\"),
            // Browsers drop tabs and newlines from URLs: "/\t/evil" would become "//evil".
            !decoded.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
            let components = URLComponents(string: decoded), components.scheme == nil, components.host == nil
        else { return "/" }
        return decoded
    }
}

extension RouterMethods {
    /// Registers a handler for a route of the table.
    @discardableResult
    func get(
        _ route: SiteURL.Route,
        use handler: @escaping @Sendable (Request, Context) async throws -> some ResponseGenerator
    )
        -> Self
    {
        get(route.pattern, use: handler)
    }

    @discardableResult
    func post(
        _ route: SiteURL.Route,
        use handler: @escaping @Sendable (Request, Context) async throws -> some ResponseGenerator
    )
        -> Self
    {
        post(route.pattern, use: handler)
    }

    @discardableResult
    func delete(
        _ route: SiteURL.Route,
        use handler: @escaping @Sendable (Request, Context) async throws -> some ResponseGenerator
    )
        -> Self
    {
        delete(route.pattern, use: handler)
    }

    @discardableResult
    func put(
        _ route: SiteURL.Route,
        use handler: @escaping @Sendable (Request, Context) async throws -> some ResponseGenerator
    )
        -> Self
    {
        put(route.pattern, use: handler)
    }
}
