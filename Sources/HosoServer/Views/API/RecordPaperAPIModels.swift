import HosoCore
import HosoStore

/// The JSON of paper copies and correction minutes (issue 14), next to the other API types.

extension API {
    struct PaperCopy: Encodable {
        let id: Int64
        let version: Int
        let sha256: String
        let size: Int64
        let filename: String
        let filedBy: String
        let filedRole: String
        let filedAt: String
        let superseded: Bool
        let current: Bool
        let url: String

        init(_ row: PaperCopyRow) {
            id = row.id
            version = row.version
            sha256 = row.sha256
            size = row.size
            filename = row.filename
            filedBy = row.filedBy
            filedRole = row.filedRole
            filedAt = VietnamTime.iso(epochSeconds: row.filedAt)
            superseded = row.superseded
            current = row.current
            url = SiteURL.paperCopyDownload(row.id).path
        }
    }

    struct PaperCopies: Encodable {
        /// `required`, `optional` or `none`.
        let rule: String
        /// A scan of the current version is filed.
        let filed: Bool
        let copies: [PaperCopy]
    }
}

extension API {
    struct CorrectionMinutesIssued: Encodable {
        let correction: Int64
        let number: String
        let sha256: String
        let size: Int64
        let signed: Bool
        let url: String
        let manifest: String

        init(_ row: CorrectionMinutesRow) {
            correction = row.correctionID
            number = row.number
            sha256 = row.sha256
            size = row.size
            signed = row.signed
            url = SiteURL.apiCorrectionMinutes(row.correctionID).path
            manifest = SiteURL.correctionMinutesManifest(row.correctionID).path
        }
    }
}
