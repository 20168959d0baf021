/// What a record manifest says about one version of a record: the facts every signature of the
/// approval chain covers. It is written once per version (when first needed) and never changes;
/// signatures are appended after it. Times are seconds since the epoch, dates ISO `YYYY-MM-DD`.
public struct RecordManifest: Sendable, Hashable {
    public struct Party: Sendable, Hashable {
        public let code: String
        public let name: String
        public init(code: String, name: String) {
            self.code = code
            self.name = name
        }
    }

    public struct Period: Sendable, Hashable {
        public let schoolYear: String
        public let kind: String
        public let number: Int
        public let first: String
        public let last: String
        public init(schoolYear: String, kind: String, number: Int, first: String, last: String) {
            self.schoolYear = schoolYear
            self.kind = kind
            self.number = number
            self.first = first
            self.last = last
        }
    }

    public struct Document: Sendable, Hashable {
        /// Lower-case hexadecimal SHA-256 of the document's bytes.
        public let sha256: String
        public let size: Int64
        public let mediaType: String
        /// NFC-normalised by the upload.
        public let filename: String
        public init(sha256: String, size: Int64, mediaType: String, filename: String) {
            self.sha256 = sha256
            self.size = size
            self.mediaType = mediaType
            self.filename = filename
        }
    }

    public struct Submission: Sendable, Hashable {
        public let login: String
        public let name: String
        public let role: String
        public let at: Int64
        public init(login: String, name: String, role: String, at: Int64) {
            self.login = login
            self.name = name
            self.role = role
            self.at = at
        }
    }

    public struct Step: Sendable, Hashable {
        public let role: String
        public let signatureRequired: Bool
        /// Everyone who must sign at this step (the class's subject teachers), by login; empty:
        /// any one holder of the role.
        public let signers: [String]
        public init(role: String, signatureRequired: Bool, signers: [String] = []) {
            self.role = role
            self.signatureRequired = signatureRequired
            self.signers = signers
        }
    }

    public let tenant: Party
    public let unit: Party
    public let recordType: Party
    public let period: Period
    /// The obligation (expected item) and the version number within it.
    public let obligationID: Int64
    public let version: Int
    public let document: Document
    /// The version's further documents, after `document` (seed 002: one file per lesson). Empty
    /// for a version of one document, as every manifest made before was.
    public let moreDocuments: [Document]
    public let submitted: Submission
    /// The approval chain of the rule-set the version was submitted under.
    public let chain: [Step]
    /// Whether the school's organisation seal closes the chain.
    public let sealRequired: Bool
    public let issuedAt: Int64
    /// The uploader signs the version (a `submission` signature) before the first approval.
    public let submissionSignatureRequired: Bool

    public init(tenant: Party, unit: Party, recordType: Party, period: Period, obligationID: Int64, version: Int, document: Document,
                submitted: Submission, chain: [Step], sealRequired: Bool, issuedAt: Int64, moreDocuments: [Document] = [],
                submissionSignatureRequired: Bool = false) {
        self.tenant = tenant
        self.unit = unit
        self.recordType = recordType
        self.period = period
        self.obligationID = obligationID
        self.version = version
        self.document = document
        self.moreDocuments = moreDocuments
        self.submitted = submitted
        self.chain = chain
        self.sealRequired = sealRequired
        self.issuedAt = issuedAt
        self.submissionSignatureRequired = submissionSignatureRequired
    }

    /// Every document of the version, the first one first.
    public var documents: [Document] { [document] + moreDocuments }

    /// The seal is the step after the chain's last (steps are numbered from 1).
    public var sealStep: Int { chain.count + 1 }
}

extension ApprovalChain {
    /// A book whose chain asks for any signature is sealed by the school before it is locked.
    public var sealRequired: Bool { steps.contains { $0.signatureRequired } }
}
