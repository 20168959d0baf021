/// A record type as written in a rule-set file, every field optional so that a tenant's override
/// can name only what it changes. `RuleSetResolver` merges drafts and checks the result.
public struct RecordTypeDraft: Sendable, Hashable, Codable {
    public struct Due: Sendable, Hashable, Codable {
        public var rule: String
        public var weekday: String?
        public var days: Int?
        /// `MM-DD` for `fixed_date`.
        public var date: String?
        public var shift: String?
        /// `before_day` or `end_of_day` (the default) for a rule naming a day: see `DeadlineBoundary`.
        public var boundary: String?
        public init(rule: String, weekday: String? = nil, days: Int? = nil, date: String? = nil, shift: String? = nil,
                    boundary: String? = nil) {
            self.rule = rule
            self.weekday = weekday
            self.days = days
            self.date = date
            self.shift = shift
            self.boundary = boundary
        }
    }

    public struct Step: Sendable, Hashable, Codable {
        public var role: String
        /// `required` or `none`.
        public var signature: String?
        /// `true`: the school's seal, applied at this step by its role (the clerk).
        public var seal: Bool?
        /// `any` (one holder of the role) or `class_subject_teachers` (every subject teacher of the class).
        public var signers: String?
        public init(role: String, signature: String? = nil, seal: Bool? = nil, signers: String? = nil) {
            self.role = role
            self.signature = signature
            self.seal = seal
            self.signers = signers
        }
    }

    public var code: String
    public var nameVi: String?
    public var nameEn: String?
    public var basis: String?
    public var levels: [String]?
    public var owner: String?
    public var cadence: String?
    public var due: Due?
    public var formats: [String]?
    public var maxSizeMB: Int?
    public var submitter: String?
    public var chain: [Step]?
    /// `permanent`, `years:N`, or nil (not yet set).
    public var retention: String?
    public var storage: String?
    public var entryWindow: Bool?
    /// `required`, `optional` or `none` (nil: none).
    public var paperCopy: String?
    /// `school`, `teacher` or `none` (nil: none).
    public var choice: String?
    /// `before_lock`: a change after full approval (not yet locked) also needs a correction with
    /// minutes; `after_lock` or nil: only after the lock (`CorrectionMinutesRule`).
    public var correctionMinutes: String?
    /// `automatic`: the seal goes on with the last approval (a seal step in the chain is dropped);
    /// `step` or nil: as the chain says.
    public var seal: String?
    /// `required`: the uploader signs the version before its first approval (seed 004).
    public var submissionSignature: String?
    /// Where it was written, for messages (not merged).
    public var source: String?
    public var line: Int?

    public init(code: String) { self.code = code }

    /// This draft with every field `override` sets replaced.
    public func merged(with override: RecordTypeDraft) -> RecordTypeDraft {
        var result = self
        if let value = override.nameVi { result.nameVi = value }
        if let value = override.nameEn { result.nameEn = value }
        if let value = override.basis { result.basis = value }
        if let value = override.levels { result.levels = value }
        if let value = override.owner { result.owner = value }
        if let value = override.cadence { result.cadence = value }
        if let value = override.due { result.due = value }
        if let value = override.formats { result.formats = value }
        if let value = override.maxSizeMB { result.maxSizeMB = value }
        if let value = override.submitter { result.submitter = value }
        if let value = override.chain { result.chain = value }
        if let value = override.retention { result.retention = value }
        if let value = override.storage { result.storage = value }
        if let value = override.entryWindow { result.entryWindow = value }
        if let value = override.paperCopy { result.paperCopy = value }
        if let value = override.choice { result.choice = value }
        if let value = override.correctionMinutes { result.correctionMinutes = value }
        if let value = override.seal { result.seal = value }
        if let value = override.submissionSignature { result.submissionSignature = value }
        result.source = override.source ?? result.source
        result.line = override.line ?? result.line
        return result
    }
}

/// One rule-set file: a shared base (`tenants/shared/rulesets/<year>.yaml`) or a tenant's
/// overrides of one (`tenants/<id>/rules/<year>.yaml`, which `extends` the base).
public struct RuleSetSource: Sendable, Hashable {
    public var id: String
    public var extends: String?
    public var schoolYear: String
    public var nameVi: String
    public var nameEn: String
    public var recordTypes: [RecordTypeDraft]
    public var overrides: [RecordTypeDraft]
    public var remove: [String]
    public var path: String

    public init(id: String, extends: String? = nil, schoolYear: String, nameVi: String, nameEn: String,
                recordTypes: [RecordTypeDraft] = [], overrides: [RecordTypeDraft] = [], remove: [String] = [], path: String = "") {
        self.id = id
        self.extends = extends
        self.schoolYear = schoolYear
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.recordTypes = recordTypes
        self.overrides = overrides
        self.remove = remove
        self.path = path
    }
}
