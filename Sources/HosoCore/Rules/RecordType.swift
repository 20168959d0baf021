/// Who owns an expected item: the whole school, one of its groups or classes, or a person.
public enum OwnerScope: String, Sendable, Codable, CaseIterable, Hashable {
    case school
    case officeGroup = "office_group"
    case subjectGroup = "subject_group"
    case schoolClass = "class"
    case teacher
    case homeroomTeacher = "homeroom_teacher"
    /// The person holding the Pioneer leader duty (tổng phụ trách Đội) from the people import.
    case pioneerLeader = "pioneer_leader"
}

/// How often a book is due.
public enum Cadence: String, Sendable, Codable, CaseIterable, Hashable {
    case yearly
    case semester
    case monthly
    case weekly
    /// Kept per lesson (e.g. the class lesson log); expected as one item per teaching week.
    case perLesson = "per_lesson"
}

/// The document formats a rule-set may accept, each recognised by its content.
public enum FileFormat: String, Sendable, Codable, CaseIterable, Hashable {
    case pdf, docx, xlsx, odt, ods, png, jpeg
    /// Structured data (the digital transcript, học bạ số), checked against the tenant's XSD.
    case xml

    public var mediaType: String {
        switch self {
        case .pdf: "application/pdf"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .odt: "application/vnd.oasis.opendocument.text"
        case .ods: "application/vnd.oasis.opendocument.spreadsheet"
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .xml: "application/xml"
        }
    }
}

/// How long a book is kept (TT 08/2025), as rule-set data, never code. `unset` when a file says
/// nothing; the shipped rule-sets set every type, their values marked unverified until a tenant
/// fills them from the official appendix. No record is ever deleted, within its period or after.
public enum Retention: Sendable, Hashable {
    case unset
    case permanent
    case years(Int)

    public var code: String {
        switch self {
        case .unset: ""
        case .permanent: "permanent"
        case .years(let years): "years:\(years)"
        }
    }

    public init(code: String) {
        if code == "permanent" { self = .permanent }
        else if code.hasPrefix("years:"), let years = Int(code.dropFirst(6)) { self = .years(years) }
        else { self = .unset }
    }
}

/// Whether the tenant keeps the book electronically (expected in Hoso) or on paper (listed, not expected).
public enum Storage: String, Sendable, Codable, Hashable {
    case electronic, paper
}

/// One kind of record book of a rule-set, fully checked.
public struct RecordType: Sendable, Hashable {
    public let code: String
    public let nameVi: String
    public let nameEn: String
    public let basis: String
    public let levels: Set<SchoolLevel>
    public let owner: OwnerScope
    public let cadence: Cadence
    public let due: DeadlineRule
    public let shift: DeadlineRule.Shift
    public let formats: [FileFormat]
    public let maxBytes: Int64
    public let submitter: Role
    public let chain: ApprovalChain
    public let retention: Retention
    public let storage: Storage
    /// Submissions only while the school administrator has an entry window open.
    public let entryWindow: Bool
    /// A printed, hand-signed and stamped copy filed as a scan (`PaperCopyDecisions`).
    public var paperCopy: PaperCopyRule = .none
    /// Who may choose paper for this book for a year (`FormChoiceDecisions`).
    public var choice: FormChoice = .none
    /// When a change needs a correction with minutes (set by the resolver; after the lock unless
    /// the rule-set says `correction_minutes: before_lock`).
    public var correctionMinutes: CorrectionMinutesRule = .afterLock
    /// The uploader signs each version before its first approval (seed 004: "Các loại hồ sơ phải
    /// được ký số sau khi đã đưa lên hệ thống. sau đó gửi BGH phê duyệt").
    public let submissionSignatureRequired: Bool

    public init(code: String, nameVi: String, nameEn: String, basis: String, levels: Set<SchoolLevel>, owner: OwnerScope,
                cadence: Cadence, due: DeadlineRule, shift: DeadlineRule.Shift, formats: [FileFormat], maxBytes: Int64,
                submitter: Role, chain: ApprovalChain, retention: Retention, storage: Storage, entryWindow: Bool,
                submissionSignatureRequired: Bool = false) {
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.basis = basis
        self.levels = levels
        self.owner = owner
        self.cadence = cadence
        self.due = due
        self.shift = shift
        self.formats = formats
        self.maxBytes = maxBytes
        self.submitter = submitter
        self.chain = chain
        self.retention = retention
        self.storage = storage
        self.entryWindow = entryWindow
        self.submissionSignatureRequired = submissionSignatureRequired
    }

    public var workflow: RecordWorkflow { RecordWorkflow(chain: chain, submitter: submitter) }

    /// Whether a school teaching `levels` keeps this book (a multi-level school keeps the union).
    public func applies(to schoolLevels: [SchoolLevel]) -> Bool {
        schoolLevels.contains { levels.contains($0) }
    }
}

/// A resolved rule-set: one tenant's catalog for one school year, after its base and overrides.
public struct RuleSet: Sendable, Hashable {
    public let id: String
    public let schoolYear: String
    public let nameVi: String
    public let nameEn: String
    /// The files it was resolved from, base first.
    public let lineage: [String]
    public let types: [RecordType]

    public init(id: String, schoolYear: String, nameVi: String, nameEn: String, lineage: [String], types: [RecordType]) {
        self.id = id
        self.schoolYear = schoolYear
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.lineage = lineage
        self.types = types
    }

    public func type(_ code: String) -> RecordType? { types.first { $0.code == code } }
}
