import Foundation
import HosoCore
@testable import HosoServer
import Testing

/// The rule-set data against the seeds: which books require a paper copy and which offer a choice
/// of form, per tenant and year, as the table below takes them from the seed passages cited in
/// the YAML comments.
@Suite struct FormRulesDataTests {
    /// (tenant, year) → book → rule. Seed 003 (Hải Phòng, the `demo` tenant): the student register,
    /// the teacher's grade book, the class assessment book, the transcript; seed 004 (a Hải Dương
    /// primary school, now Hải Phòng): the student register and the primary class summary. TT 15/2026
    /// keeps no teacher's assessment book in 2026-2027.
    static let paperCopies: [String: [String: PaperCopyRule]] = [
        "demo 2025-2026": [
            "student_register": .required, "teacher_assessment_book": .required, "class_assessment_book": .required,
            "student_transcript": .required, "class_assessment_summary": .required,
        ],
        "demo 2026-2027": [
            "student_register": .required, "class_assessment_book": .required, "student_transcript": .required,
            "class_assessment_summary": .required,
        ],
        "demo2 2025-2026": [:],
    ]

    /// Seed 001 Điều 17.1 (Đắk Nông, the `demo2` tenant): the school chooses for the transcript.
    /// TT 28/2020 Điều 21.4 and seed 002 §1: the primary teacher's own books are voluntary (shared
    /// base 2025-2026, so every tenant on it). TT 15/2026 (2026-2027) keeps records mainly
    /// electronic: no choice there.
    static let choices: [String: [String: FormChoice]] = [
        "demo 2025-2026": ["teacher_professional_book": .teacher, "pioneer_book": .teacher],
        "demo 2026-2027": [:],
        "demo2 2025-2026": [
            "student_transcript": .school, "teacher_professional_book": .teacher, "pioneer_book": .teacher,
        ],
    ]

    @Test(arguments: ["demo 2025-2026", "demo 2026-2027", "demo2 2025-2026"])
    func theRuleSetsSayWhatTheSeedsSay(_ key: String) throws {
        // setup
        let parts = key.split(separator: " ").map(String.init)
        let repo = try TestEnvironment.repoDirectory
        // act
        let ruleSet = try RulesFile.resolve(tenantsDirectory: "\(repo)/tenants", tenant: parts[0], schoolYear: parts[1])
        // verify
        var paper: [String: PaperCopyRule] = [:]
        var choice: [String: FormChoice] = [:]
        for type in ruleSet.types {
            if type.paperCopy != .none { paper[type.code] = type.paperCopy }
            if type.choice != .none { choice[type.code] = type.choice }
        }
        #expect(paper == Self.paperCopies[key], "\(key)")
        #expect(choice == Self.choices[key], "\(key)")
    }
}
