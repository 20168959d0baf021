/// The printed copy of a record: printed from Hoso before the digital signature, reconciled,
/// hand-signed in blue ink and stamped in red, then filed here as a scan (seed 003 §4–5; seed 004
/// §2 "bắt buộc in ra giấy ký xác nhận"). A type's `paperCopy` rule says whether it is required.
///
/// Who files it: the school office, which stamps and archives the school's records (seed 001,
/// Điều 13.3: "Đóng dấu, lưu trữ hồ sơ …: Văn phòng của cơ sở giáo dục") — the clerk; the staff
/// member in charge of the database, who prints and reconciles the copy (seed 003 §4: "Hiệu trưởng
/// phân công cán bộ phụ trách CSDL tiến hành in, sao … và thực hiện rà soát") — the school
/// administrator; and the principal who assigns them and signs. `Action.filePaperCopies` is
/// granted to exactly those three roles.
public enum PaperCopyDecisions {
    /// A scan is a PDF of a few pages per sheet: larger than most documents, bounded all the same.
    public static let maxScanBytes: Int64 = 100 * 1024 * 1024

    /// A scan may be filed now: the record is visible (404 otherwise), the actor's role files paper
    /// copies (403), the type has a paper copy at all, and there is a version to print (a copy of
    /// nothing cannot be reconciled). A newer scan supersedes an earlier one; both are kept.
    public static func file(_ record: RecordSnapshot, size: Int64? = nil) throws {
        _ = try RecordDecisions.view(record)
        try RecordDecisions.policy.authorize(
            record.actor, .filePaperCopies, on: record.unit, notFound: RecordDecisions.notFound)
        guard record.type.paperCopy != .none else { throw HosoError("paper_copy.not_expected") }
        if record.withdrawn { throw HosoError("record.withdrawn") }
        if record.exempt { throw HosoError("record.exempt") }
        guard record.hasVersion else { throw HosoError("paper_copy.no_version") }
        switch record.state {
        case .awaitingStep, .approved, .locked: break
        // Returned or reopened: the version on file is being replaced; print the next one.
        case .open, .returned, .correcting: throw HosoError("paper_copy.no_version")
        }
        if let size {
            guard size > 0 else { throw HosoError("paper_copy.empty") }
            guard size <= maxScanBytes else {
                throw HosoError("upload.too_large", ["limit": String(maxScanBytes / 1024 / 1024)])
            }
        }
    }

    /// Refuses completing the chain (`next` is `.approved`) or locking while a required paper copy
    /// of the current version is not filed: seed 003 signs digitally and locks only "sau khi đã kết
    /// thúc giai đoạn rà soát, in sao, ký và đóng dấu tay".
    public static func checkBeforeCompletion(_ record: RecordSnapshot, next: RecordWorkflow.State) throws {
        guard record.type.paperCopy == .required, next == .approved || next == .locked,
            record.hasVersion, !record.paperCopyFiled
        else { return }
        throw HosoError("paper_copy.required")
    }

    /// The type of a scan as the upload checks it: a PDF, within `maxScanBytes`.
    public static func scanType(of type: RecordType) -> RecordType {
        var scan = RecordType(
            code: type.code, nameVi: type.nameVi, nameEn: type.nameEn, basis: type.basis, levels: type.levels,
            owner: type.owner,
            cadence: type.cadence, due: type.due, shift: type.shift, formats: [.pdf], maxBytes: maxScanBytes,
            submitter: type.submitter, chain: type.chain, retention: type.retention, storage: type.storage,
            entryWindow: type.entryWindow)
        scan.paperCopy = type.paperCopy
        scan.choice = type.choice
        return scan
    }

    /// Whether the page offers the scan's upload form.
    public static func offered(_ record: RecordSnapshot) -> Bool { (try? file(record)) != nil }
}
