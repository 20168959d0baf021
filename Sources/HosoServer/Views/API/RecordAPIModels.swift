import HosoCore
import HosoStore

/// The JSON shapes of the record routes (`/api/v1/me/obligations`, `/approvals`, `/obligations/…`,
/// `/versions/…`, `/units/…/windows`), as `openapi.yaml` describes them.
extension API {
    struct Obligation: Encodable {
        let id: Int64
        let unit: String
        let schoolYear: String
        let recordType: String
        let recordTypeName: String
        let owner: String
        let ownerUserId: Int64?
        let periodKind: String
        let periodNumber: Int
        let periodFirst: String
        let periodLast: String
        let dueAt: String
        let state: String
        let step: Int?
        let awaitingRole: String?
        let status: String
        let firstSubmittedAt: String?
        let revision: Int
        let exemptReason: String?

        init(_ row: ObligationRow, _ language: Language) {
            id = row.id
            unit = row.unitCode
            schoolYear = row.schoolYear
            recordType = row.recordType
            recordTypeName = language == .en ? row.typeNameEn : row.typeNameVi
            owner = row.ownerName(in: language)
            ownerUserId = row.ownerUserID
            periodKind = row.periodKind
            periodNumber = row.periodNumber
            periodFirst = row.periodFirst
            periodLast = row.periodLast
            dueAt = VietnamTime.iso(epochSeconds: row.dueAt)
            state = row.state.stored.name
            step = row.state.stored.step.map { $0 + 1 }
            awaitingRole = row.awaitingRole?.rawValue
            status = row.status.rawValue
            firstSubmittedAt = row.firstSubmittedAt.map { VietnamTime.iso(epochSeconds: $0) }
            revision = row.revision
            exemptReason = row.exemptReason
        }
    }

    struct Owed: Encodable {
        let late: [Obligation]
        let returned: [Obligation]
        let thisWeek: [Obligation]
        let nextWeek: [Obligation]
    }

    struct Queue: Encodable { let items: [Obligation] }

    struct Step: Encodable {
        let role: String
        let signatureRequired: Bool
    }

    struct Version: Encodable {
        let id: Int64
        let version: Int
        let sha256: String
        let size: Int64
        let mediaType: String
        let format: String
        let filename: String
        let uploadedBy: String
        let uploadedAt: String
        let superseded: Bool
        let url: String
        /// Every document of the version, the first one first (set where the documents were read).
        var documents: [Document]?

        struct Document: Encodable {
            let position: Int
            let sha256: String
            let size: Int64
            let mediaType: String
            let filename: String
            let url: String
        }

        init(_ row: VersionRow, documents: [DocumentRow]) {
            self.init(row)
            self.documents = documents.map {
                Document(position: $0.position, sha256: $0.sha256, size: $0.size, mediaType: $0.mediaType, filename: $0.filename,
                         url: SiteURL.apiVersionDocument(row.id, position: $0.position).path)
            }
        }

        init(_ row: VersionRow) {
            id = row.id
            version = row.version
            sha256 = row.sha256
            size = row.size
            mediaType = row.mediaType
            format = row.format
            filename = row.filename
            uploadedBy = row.uploadedBy
            uploadedAt = VietnamTime.iso(epochSeconds: row.uploadedAt)
            superseded = row.supersededAt != nil
            url = SiteURL.apiVersionContent(row.id).path
        }
    }

    struct Event: Encodable {
        let kind: String
        let step: Int?
        let actor: String
        let role: String?
        let comment: String?
        let at: String

        init(_ row: EventRow) {
            kind = row.kind
            step = row.step.map { $0 + 1 }
            actor = row.actorName
            role = row.actorRole
            comment = row.comment
            at = VietnamTime.iso(epochSeconds: row.at)
        }
    }

    struct Correction: Encodable {
        let id: Int64
        let reason: String
        let requestedBy: String
        let state: String
        /// The witnesses' logins and who confirmed; the issued minutes' PDF (set where read).
        var witnesses: [Witness]?
        var minutes: String?

        struct Witness: Encodable {
            let login: String
            let capacities: [String]
            let confirmed: Bool
        }

        init(_ row: CorrectionRow, witnesses: [WitnessRow], minutes: [CorrectionMinutesRow]) {
            self.init(row)
            self.witnesses = witnesses.filter { $0.correctionID == row.id }.map {
                Witness(login: $0.login, capacities: $0.capacities, confirmed: $0.confirmedAt != nil)
            }
            self.minutes = minutes.contains { $0.correctionID == row.id } ? SiteURL.apiCorrectionMinutes(row.id).path : nil
        }

        init(_ row: CorrectionRow) {
            id = row.id
            reason = row.reason
            requestedBy = row.requestedBy
            state = row.state
        }
    }

    struct AuditEntry: Encodable {
        let seq: Int64
        let at: String
        let actor: String?
        let action: String
    }

    struct Record: Encodable {
        let obligation: Obligation
        let chain: [Step]
        let submitter: String
        let formats: [String]
        let maxBytes: Int64
        let versions: [Version]
        let events: [Event]
        let corrections: [Correction]
        let audit: [AuditEntry]
    }

    struct Window: Encodable {
        let id: Int64
        let recordType: String
        let periodKind: String?
        let periodNumber: Int?
        let open: Bool
        let orderedBy: String
        let setBy: String
        let at: String

        init(_ row: WindowRow) {
            id = row.id
            recordType = row.recordType
            periodKind = row.periodKind
            periodNumber = row.periodNumber
            open = row.isOpen
            orderedBy = row.orderedBy
            setBy = row.setBy
            at = VietnamTime.iso(epochSeconds: row.at)
        }
    }

    struct Windows: Encodable {
        let schoolYear: String
        let windows: [Window]
    }
}
