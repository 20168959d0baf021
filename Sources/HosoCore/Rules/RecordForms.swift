/// Whether a book needs a printed copy, checked, hand-signed and stamped, filed as a scan
/// (seed 003 §4: print the unsigned copy, reconcile it, hand-sign in blue ink and stamp it, before
/// the digital signature and the lock; seed 004 §2: books that must be printed and signed).
public enum PaperCopyRule: String, Sendable, Codable, CaseIterable, Hashable {
    /// The chain cannot be completed nor the record locked before a scan is filed.
    case required
    /// A scan may be filed; nothing waits for it.
    case optional
    case none
}

/// Who may choose to keep a book on paper instead of in Hoso for a school year.
public enum FormChoice: String, Sendable, Codable, CaseIterable, Hashable {
    /// Nobody: the book is expected electronically (or is `storage: paper` for everyone).
    case none
    /// Each school (seed 001, Điều 17.1: "Học bạ … cho phép các cơ sở giáo dục lựa chọn hình thức
    /// sử dụng điện tử hoặc giấy").
    case school
    /// Each teacher for their own books (seed 002 §1: "khuyến khích không bắt buộc, tùy theo
    /// nguyện vọng của cán bộ quản lý và giáo viên"; TT 28/2020 Điều 21.4).
    case teacher
}

/// The form a school or a teacher chose for a book.
public enum RecordForm: String, Sendable, Codable, CaseIterable, Hashable {
    case electronic, paper
}
