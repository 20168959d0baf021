/// The geometry and type of an official document (NĐ 30/2020/NĐ-CP, Phụ lục I): page and margins,
/// fonts, sizes, spacing and the fixed words of the header. It is data, read from
/// `reports/layout.yaml`, so that a province can adjust it without touching Swift.
/// Lengths are in millimetres (`_mm`) or points (`_pt`), font sizes in points.
public struct PDFLayout: Sendable, Codable, Equatable {
    public struct Page: Sendable, Codable, Equatable {
        public var widthMM: Double
        public var heightMM: Double
        public var topMM: Double
        public var bottomMM: Double
        public var leftMM: Double
        public var rightMM: Double
        enum CodingKeys: String, CodingKey {
            case widthMM = "width_mm", heightMM = "height_mm", topMM = "top_mm", bottomMM = "bottom_mm", leftMM = "left_mm", rightMM = "right_mm"
        }
    }

    public struct Fonts: Sendable, Codable, Equatable {
        public var regular: String
        public var bold: String
        public var italic: String
        public var boldItalic: String
        enum CodingKeys: String, CodingKey { case regular, bold, italic, boldItalic = "bold_italic" }
    }

    public struct Header: Sendable, Codable, Equatable {
        /// Width of the issuing body's column (left); the national name takes the rest.
        public var leftWidthMM: Double
        public var issuerSize: Double
        public var nationalName: String
        public var nationalNameSize: Double
        public var motto: String
        public var mottoSize: Double
        public var numberSize: Double
        public var placeDateSize: Double
        /// The rule under the issuing body's name, as a share of that column's width.
        public var issuerRuleRatio: Double
        enum CodingKeys: String, CodingKey {
            case leftWidthMM = "left_width_mm", issuerSize = "issuer_size", nationalName = "national_name",
                 nationalNameSize = "national_name_size", motto, mottoSize = "motto_size", numberSize = "number_size",
                 placeDateSize = "place_date_size", issuerRuleRatio = "issuer_rule_ratio"
        }
    }

    public struct Title: Sendable, Codable, Equatable {
        public var size: Double
        public var subtitleSize: Double
        public var spaceBeforePT: Double
        public var spaceAfterPT: Double
        enum CodingKeys: String, CodingKey {
            case size, subtitleSize = "subtitle_size", spaceBeforePT = "space_before_pt", spaceAfterPT = "space_after_pt"
        }
    }

    public struct Body: Sendable, Codable, Equatable {
        public var size: Double
        public var headingSize: Double
        /// Line height as a multiple of the font size.
        public var lineHeight: Double
        public var paragraphAfterPT: Double
        public var firstLineIndentMM: Double
        enum CodingKeys: String, CodingKey {
            case size, headingSize = "heading_size", lineHeight = "line_height", paragraphAfterPT = "paragraph_after_pt",
                 firstLineIndentMM = "first_line_indent_mm"
        }
    }

    public struct Table: Sendable, Codable, Equatable {
        public var size: Double
        public var paddingPT: Double
        public var ruleWidthPT: Double
        public var headerShade: Double
        enum CodingKeys: String, CodingKey {
            case size, paddingPT = "padding_pt", ruleWidthPT = "rule_width_pt", headerShade = "header_shade"
        }
    }

    public struct Signature: Sendable, Codable, Equatable {
        public var capacitySize: Double
        public var nameSize: Double
        public var hintSize: Double
        /// The blank left for the hand or the seal between the capacity and the name.
        public var spacePT: Double
        enum CodingKeys: String, CodingKey {
            case capacitySize = "capacity_size", nameSize = "name_size", hintSize = "hint_size", spacePT = "space_pt"
        }
    }

    public struct Recipients: Sendable, Codable, Equatable {
        public var labelSize: Double
        public var size: Double
        enum CodingKeys: String, CodingKey { case labelSize = "label_size", size }
    }

    public struct PageNumber: Sendable, Codable, Equatable {
        public var size: Double
        /// NĐ 30: numbered from the second page, centred in the top margin.
        public var fromPage: Int
        enum CodingKeys: String, CodingKey { case size, fromPage = "from_page" }
    }

    public var page: Page
    public var fonts: Fonts
    public var header: Header
    public var title: Title
    public var body: Body
    public var table: Table
    public var signature: Signature
    public var recipients: Recipients
    public var pageNumber: PageNumber

    enum CodingKeys: String, CodingKey {
        case page, fonts, header, title, body, table, signature, recipients, pageNumber = "page_number"
    }

    public init(page: Page, fonts: Fonts, header: Header, title: Title, body: Body, table: Table, signature: Signature,
                recipients: Recipients, pageNumber: PageNumber) {
        self.page = page
        self.fonts = fonts
        self.header = header
        self.title = title
        self.body = body
        self.table = table
        self.signature = signature
        self.recipients = recipients
        self.pageNumber = pageNumber
    }
}
