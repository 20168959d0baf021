import Foundation
import HosoCore
import HosoStore

/// The typed models of the record pages (`owe`, `approvals`, `record`, `windows`): each holds
/// exactly what its template reads, already localised; the templates escape every value.

/// One obligation as a line of a list (`item-list.mustache`, the owe and approval lists) or the
/// head of a record page.
struct ObligationItem: Sendable {
    let id: Int64
    let url: String
    let type: String
    let unit: String
    let unitCode: String
    let owner: String
    let period: String
    let periodDates: String
    let due: String
    let status: String
    let statusCode: String
    let awaiting: String?
    /// 1-based step awaited.
    let step: Int?
    let exemptReason: String?
    /// "k of n subject teachers signed", while the class's subject teachers sign.
    var signers: String? = nil

    init(_ row: ObligationRow, _ language: Language, _ localizer: Localizer) {
        id = row.id
        url = SiteURL.record(row.id).path
        type = language == .en ? row.typeNameEn : row.typeNameVi
        unit = language == .en && !row.unitNameEn.isEmpty ? row.unitNameEn : row.unitNameVi
        unitCode = row.unitCode
        owner = row.ownerName(in: language)
        period = localizer.text("period." + row.periodKind, language, ["n": String(row.periodNumber)])
        periodDates =
            (LocalDate(iso: row.periodFirst)?.vietnamese ?? row.periodFirst) + " – "
            + (LocalDate(iso: row.periodLast)?.vietnamese ?? row.periodLast)
        due = VietnamTime.display(epochSeconds: row.dueAt)
        status = localizer.text(row.status.messageKey, language)
        statusCode = row.status.rawValue
        awaiting = row.awaitingRole.map { localizer.text($0.messageKey, language) }
        if case .awaitingStep(let current) = row.state { step = current + 1 } else { step = nil }
        exemptReason = row.exemptReason
    }
}

struct OwePage: Sendable {
    struct Section: Sendable {
        let title: String
        let rows: [ObligationItem]
        let empty: Bool
    }

    let sections: [Section]
    /// The link to earlier school years' overdue items, while they are not shown.
    let earlier: Link?
    /// All of the person's items, filtered and paged (`/owe/items`).
    let allItems: String

    struct Link: Sendable {
        let text: String
        let url: String
    }
}

struct ApprovalsPage: Sendable {
    let rows: [ObligationItem]
    let empty: Bool
}

struct RecordPage: Sendable {
    struct Step: Sendable {
        let number: Int
        let role: String
        let signature: Bool
        let current: Bool
        let by: String?
        let at: String?
        /// "k of n subject teachers signed", at a step every subject teacher of the class signs.
        var progress: String? = nil
    }

    struct Version: Sendable {
        let version: Int
        let filename: String
        let size: String
        let by: String
        let at: String
        let url: String
        let sha256: String
        let superseded: String?
        /// Every document of the version, when it holds more than one (the first is the row's own).
        var documents: [Document] = []
        var hasDocuments = false
    }

    struct Document: Sendable {
        let position: Int
        let filename: String
        let size: String
        let url: String
        let sha256: String
    }

    struct Witness: Sendable {
        let name: String
        let login: String
        let capacities: String
        let confirmed: String?
    }

    /// A correction's minutes as issued, and what the actor may do with them.
    struct IssuedMinutes: Sendable {
        let number: String
        let url: String
        let manifestURL: String
        let sha256: String
        let signed: Bool
        let issuedBy: String
        let issuedAt: String
    }

    struct Event: Sendable {
        let kind: String
        let by: String
        let at: String
        let role: String?
        let step: Int?
        let comment: String?
    }

    struct Minutes: Sendable {
        let leader: String
        let administrator: String
        let requester: String
        let text: String
    }

    struct Correction: Sendable {
        let id: Int64
        let reason: String
        let by: String
        let at: String
        let state: String
        let decidable: Bool
        let minutes: Minutes?
        var witnesses: [Witness] = []
        var hasWitnesses = false
        var issued: IssuedMinutes? = nil
        var canIssue = false
        var canConfirm = false
    }

    struct AuditLine: Sendable {
        let seq: Int64
        let at: String
        let who: String
        let action: String
    }

    struct Signature: Sendable {
        let signer: String
        let kind: String
        let role: String
        let at: String
        let serial: String
        let commonName: String
    }

    /// The approve and return forms, at the step the actor may decide.
    struct Decide: Sendable {
        let step: Int
        /// The step needs a signature: the "sign with my key" box starts ticked.
        let signature: Bool
        /// The actor may also send it back (a subject teacher or the clerk at their step may not).
        var canReturn = true
    }

    let record: ObligationItem
    let steps: [Step]
    let submitterRole: String
    let formats: String
    let maxMB: Int64
    let basis: String
    /// The type's retention period (TT 08/2025 as the tenant filled it), in the page's language.
    let retention: String
    let versions: [Version]
    let hasVersions: Bool
    let events: [Event]
    let corrections: [Correction]
    let hasCorrections: Bool
    let audit: [AuditLine]
    let canSubmit: Bool
    let canDecide: Decide?
    let canLock: Bool
    let canExempt: Bool
    let canUnexempt: Bool
    let canRequestCorrection: Bool
    let hasVersion: Bool
    let signatures: [Signature]
    let hasSignatures: Bool
    let signatureState: String
    let revision: Int
    /// The printed copy's scans (nil: the type has none).
    var paper: PaperSection? = nil
    /// The uploader may sign their version now (seed 004: signed after it is put on the system).
    var canSignSubmission = false
}

struct WindowsPage: Sendable {
    struct Unit: Sendable {
        let code: String
        let name: String
        let url: String
    }

    struct RecordTypeChoice: Sendable {
        let code: String
        let name: String
        /// The type needs an open window before anything is submitted.
        let window: Bool
    }

    struct Window: Sendable {
        let type: String
        let open: Bool
        let orderedBy: String
        let by: String
        let at: String
        let period: String?
        let note: String?
    }

    let unit: Unit
    let year: String
    let types: [RecordTypeChoice]
    let windows: [Window]
    let empty: Bool
}

enum ByteSize {
    static func text(_ bytes: Int64) -> String {
        bytes < 1024
            ? "\(bytes) B"
            : bytes < 1_048_576 ? "\(bytes / 1024) KB" : String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}

extension ObligationRow {
    /// The owner as a page in `language` names them (a group's or a unit's name in that language).
    func ownerName(in language: Language) -> String { language == .en ? ownerNameEn : ownerName }
}
