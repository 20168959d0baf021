/// The content of an official document (minutes, a report) independent of how it is drawn: the
/// header's words, the title, the body as blocks, the signatures and the recipients. The layout
/// (`PDFLayout`) decides where everything goes.
public struct OfficialDocument: Sendable, Equatable {
    /// The governing body above the issuer ("UBND THÀNH PHỐ HẢI PHÒNG"), if any.
    public var issuerParent: String?
    /// The issuing body ("SỞ GIÁO DỤC VÀ ĐÀO TẠO").
    public var issuer: String
    /// "Số: 12/BB-SGDĐT".
    public var number: String
    /// "Hải Phòng, ngày 02 tháng 12 năm 2026".
    public var placeAndDate: String
    /// The kind of document in capitals ("BIÊN BẢN") and what it is about.
    public var title: String
    public var subtitle: String?
    public var blocks: [Block]
    public var signatures: [Signature]
    /// "Nơi nhận:" and its lines.
    public var recipientsLabel: String
    public var recipients: [String]
    /// Shown in the PDF's properties.
    public var metadataTitle: String

    public enum Block: Sendable, Equatable {
        case heading(String)
        case paragraph(String)
        /// A paragraph without the first-line indent (lists of parties, dashes).
        case line(String)
        case table(Table)
    }

    public struct Table: Sendable, Equatable {
        public struct Column: Sendable, Equatable {
            public enum Alignment: Sendable, Equatable { case left, center, right }
            public var title: String
            /// Relative width; the columns share the text width in these proportions.
            public var weight: Double
            public var alignment: Alignment
            public init(_ title: String, weight: Double, alignment: Alignment = .left) {
                self.title = title
                self.weight = weight
                self.alignment = alignment
            }
        }
        public var columns: [Column]
        public var rows: [[String]]
        /// Rows drawn in bold (totals).
        public var boldRows: Set<Int>
        public init(columns: [Column], rows: [[String]], boldRows: Set<Int> = []) {
            self.columns = columns
            self.rows = rows
            self.boldRows = boldRows
        }
    }

    public struct Signature: Sendable, Equatable {
        /// "TRƯỞNG ĐOÀN KIỂM TRA", possibly on several lines.
        public var capacity: [String]
        /// "(Ký, ghi rõ họ tên)".
        public var hint: String?
        public var name: String
        /// Printed under the name: who signed electronically, when (the signing issue fills this in).
        public var note: String?
        public init(capacity: [String], hint: String?, name: String, note: String? = nil) {
            self.capacity = capacity
            self.hint = hint
            self.name = name
            self.note = note
        }
    }

    public init(issuerParent: String?, issuer: String, number: String, placeAndDate: String, title: String, subtitle: String?,
                blocks: [Block], signatures: [Signature], recipientsLabel: String, recipients: [String], metadataTitle: String) {
        self.issuerParent = issuerParent
        self.issuer = issuer
        self.number = number
        self.placeAndDate = placeAndDate
        self.title = title
        self.subtitle = subtitle
        self.blocks = blocks
        self.signatures = signatures
        self.recipientsLabel = recipientsLabel
        self.recipients = recipients
        self.metadataTitle = metadataTitle
    }
}
