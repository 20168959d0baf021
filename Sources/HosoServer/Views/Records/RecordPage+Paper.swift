import HosoCore
import HosoStore

/// The record page's paper copy: the type's rule, the scans filed (who, when, a download link),
/// and the upload form when `PaperCopyDecisions.file` would accept one.
struct PaperSection: Sendable {
    struct Copy: Sendable {
        let version: Int
        let filename: String
        let size: String
        let by: String
        let role: String
        let at: String
        let url: String
        let sha256: String
        let superseded: Bool
        let current: Bool
    }

    let required: Bool
    let rule: String
    /// A scan of the current version is filed.
    let filed: Bool
    let copies: [Copy]
    let hasCopies: Bool
    let canFile: Bool
    let action: String

    /// Nil when the type has no paper copy at all.
    static func build(
        _ snapshot: RecordSnapshot, obligationID: Int64, copies: [PaperCopyRow], offered: Bool,
        localizer: Localizer, language: Language
    ) -> PaperSection? {
        guard snapshot.type.paperCopy != .none else { return nil }
        return PaperSection(
            required: snapshot.type.paperCopy == .required,
            rule: localizer.text("paper_copy.rule." + snapshot.type.paperCopy.rawValue, language),
            filed: snapshot.paperCopyFiled,
            copies: copies.map {
                Copy(
                    version: $0.version, filename: $0.filename, size: ByteSize.text($0.size), by: $0.filedBy,
                    role: Role(rawValue: $0.filedRole).map { localizer.text($0.messageKey, language) } ?? $0.filedRole,
                    at: VietnamTime.display(epochSeconds: $0.filedAt), url: SiteURL.paperCopyDownload($0.id).path,
                    sha256: $0.sha256, superseded: $0.superseded, current: $0.current)
            },
            hasCopies: !copies.isEmpty, canFile: offered, action: SiteURL.recordPaperCopies(obligationID).path)
    }
}
