import Foundation
import HosoCore
import Testing

@testable import HosoServer

/// Which record types require a digital signature, per rule-set as each tenant resolves it for
/// each school year, against the seeds (issue 14, part 1). Reads the rule-set files only.
@Suite struct SignatureRequirementsTests {
    static var tenantsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("tenants").path
    }

    /// Types that need a signature by a seed in every province (the shared base).
    static let base: [String: String] = [
        // Seed 003 §1 "Hồ sơ áp dụng: Sổ đăng bộ; ... Học bạ học sinh" (signed and sealed before the lock); seed 000
        // ("Sổ đăng bộ ... đóng dấu giáp lai, dấu xác nhận"). Kept in every base as before, now sealed by the clerk.
        "student_register": "seed 003 §1, seed 000 Sổ đăng bộ",
        // Seed 000: "Học bạ học sinh: ... giáo viên bộ môn, giáo viên chủ nhiệm và hiệu trưởng thực hiện ký duyệt".
        "student_transcript": "seed 000 Học bạ",
        // Seed 000: "Sổ theo dõi và đánh giá học sinh của lớp: Cuối mỗi năm học, Hiệu trưởng ký duyệt trên phần mềm".
        "class_assessment_book": "seed 000 Sổ theo dõi và đánh giá học sinh của lớp",
        // Seed 001 Điều 8.5: "Bảng tổng hợp kết quả đánh giá giáo dục ... lấy chữ ký xác nhận ... ký phê duyệt".
        "class_assessment_summary": "seed 001 Điều 8.5",
        // Paper (seed 001), listed with the principal's signature as before.
        "diploma_register": "TT 32 Điều 21.1.g (paper)",
        // Continuing-education centres (seed 001 Điều 8.5: "sổ theo dõi và đánh giá học viên ... và Học bạ học sinh, học
        // viên; lấy chữ ký xác nhận ... và ký phê duyệt"): signed and sealed like their general-school twins.
        "ce_learner_register": "seed 001 Điều 8.5 (twin of the register)",
        "ce_learner_transcript": "seed 001 Điều 8.5, 9.3", "ce_learner_assessment_book": "seed 001 Điều 8.5",
    ]

    /// What one province adds: Hải Phòng (demo; seed 003 and, since the 2025 merger, Hải Dương's seed 000).
    static let demo: [String: String] = [
        // Seed 003 §1: "Sổ theo dõi và đánh giá học sinh (Sổ ghi điểm) của giáo viên" (secondary, 2025-2026 only:
        // the 2026-2027 charter drops the teacher's assessment book).
        "teacher_assessment_book": "seed 003 §1",
        // Seed 000: "Sổ đăng bộ (Hồ sơ quản lý trẻ em đối với cấp Mầm non): ... đóng dấu" (preschool).
        "child_records": "seed 000 Hồ sơ quản lý trẻ em",
        // Seed 000 §2.3: "Các loại hồ sơ sổ sách điện tử phải được thực hiện ký số để đảm bảo tính pháp lý": every
        // other electronic book of the catalog, school, group, teacher and preschool books alike.
        "disability_education_file": "seed 000 §2.3", "school_education_plan": "seed 000 §2.3; §b Kế hoạch giáo dục",
        "class_lesson_log": "seed 000 §2.3", "correspondence_register": "seed 000 §2.3",
        "equipment_library_records": "seed 000 §2.3", "assets_finance_records": "seed 000 §2.3",
        "staff_evaluation_records": "seed 000 §2.3", "student_health_records": "seed 000 §2.3",
        "awards_discipline_records": "seed 000 §2.3", "universal_education_dossier": "seed 000 §2.3",
        "staff_register": "seed 000 §2.3", "subject_group_plan": "seed 000 §b tổ chuyên môn: trình ... ký duyệt",
        "group_meeting_book": "seed 000 §2.3", "group_activity_book": "seed 000 §2.3",
        "teacher_yearly_plan": "seed 000 §b giáo viên: trình tổ trưởng và lãnh đạo ký duyệt",
        "homeroom_book": "seed 000 §b Sổ chủ nhiệm: trình hiệu trưởng ký duyệt",
        "teacher_professional_book": "seed 000 §2.3",
        "pioneer_book": "seed 000 §2.3", "preschool_professional_records": "seed 000 §2.3",
        "semi_boarding_records": "seed 000 §2.3", "care_education_plan": "seed 000 §b kế hoạch hoạt động (Mầm non)",
        "child_tracking_book": "seed 000 §2.3", "preschool_teacher_professional_book": "seed 000 §2.3",
        "class_asset_book": "seed 000 §2.3", "internal_inspection_records": "seed 000 §2.3 (the demo's own type)",
        // The books issue 14 added (primary teaching plans, seed 004; the continuing-education centre's plans).
        "group_teaching_plan": "seed 000 §2.3; seed 004 Kế hoạch dạy học", "teacher_teaching_plan": "seed 000 §2.3",
        "ce_education_plan": "seed 000 §2.3", "ce_lesson_plan": "seed 000 §2.3",
            // NOT lesson_plan: seed 000 §b asks for it too, but the demo keeps its unsigned lesson-plan chain (the
            // record tests' flows); listed as an open point in the closing note.
    ]

    /// Books of one charter only (the 2026-2027 combined charter dropped them).
    static let onlyUntil2026: Set<String> = [
        "teacher_assessment_book", "subject_group_plan", "group_meeting_book", "teacher_yearly_plan",
        "teacher_professional_book",
    ]

    static func required(_ tenant: String, _ year: String) throws -> Set<String> {
        let ruleSet = try RulesFile.resolve(tenantsDirectory: tenantsDirectory, tenant: tenant, schoolYear: year)
        return Set(ruleSet.types.filter { $0.chain.steps.contains(where: \.signatureRequired) }.map(\.code))
    }

    @Test(arguments: [("demo", "2025-2026"), ("demo", "2026-2027"), ("demo2", "2025-2026"), ("bigdemo", "2026-2027")])
    func typesThatRequireSignaturesFollowTheSeeds(tenant: String, year: String) throws {
        var expected = Set(Self.base.keys)
        if tenant == "demo" { expected.formUnion(Self.demo.keys) }
        if year == "2026-2027" { expected.subtract(Self.onlyUntil2026) }
        #expect(try Self.required(tenant, year) == expected)
    }

    @Test func theSealIsTheClerksStepUnlessATenantSaysAutomatic() throws {
        for (tenant, year) in [("demo", "2025-2026"), ("demo", "2026-2027"), ("demo2", "2025-2026")] {
            let ruleSet = try RulesFile.resolve(
                tenantsDirectory: Self.tenantsDirectory, tenant: tenant, schoolYear: year)
            for type in ruleSet.types where type.chain.sealRequired {
                // Only the demo's student register says `seal: automatic` (SignatureTests exercise that path).
                if tenant == "demo" && type.code == "student_register" {
                    #expect(type.chain.sealAutomatic)
                } else {
                    #expect(
                        type.chain.sealStepIndex.map { type.chain.steps[$0].role } == .clerk,
                        "\(tenant) \(year) \(type.code)")
                }
            }
        }
    }

    @Test func transcriptsNameEverySubjectTeacherAndTheUploader() throws {
        // Hải Phòng (seed 000: subject teachers, homeroom teacher, principal) and Lâm Đồng (seed 001 Điều 8.5, 9.3).
        for tenant in ["demo", "demo2"] {
            let ruleSet = try RulesFile.resolve(
                tenantsDirectory: Self.tenantsDirectory, tenant: tenant, schoolYear: "2025-2026")
            let transcript = try #require(ruleSet.type("student_transcript"))
            #expect(transcript.chain.steps.map(\.signers) == [.classSubjectTeachers, .anyHolder, .anyHolder])
            #expect(transcript.chain.steps.map(\.role) == [.teacher, .principal, .clerk])
            #expect(transcript.submissionSignatureRequired == (tenant == "demo"))
        }
        let book = try #require(
            try RulesFile.resolve(tenantsDirectory: Self.tenantsDirectory, tenant: "demo2", schoolYear: "2025-2026")
                .type("class_assessment_book"))
        #expect(book.chain.steps.first?.signers == .classSubjectTeachers)
    }
}
