/// Choices of electronic or paper for a school year: a school's for a `choice: school` book
/// (seed 001, Điều 17.1, the transcript), a teacher's for a `choice: teacher` book (seed 002 §1:
/// e-records are "khuyến khích không bắt buộc, tùy theo nguyện vọng của cán bộ quản lý và giáo
/// viên"; TT 28/2020 Điều 21.4). Paper exempts the items concerned, with the reason, in one action;
/// electronic lifts those exemptions again.
///
/// Who records them. The school's choice is the principal's (`Action.chooseRecordForms`): the
/// charter and seed 001 (Điều 13.1) put the management of records with the school's leadership.
/// A teacher's choice is the teacher's own wish (seed 002), so the teacher declares it for
/// themselves; the principal may record it on a teacher's behalf (a teacher without an account
/// yet, a written request), since the principal answers for the school's records.
///
/// A choice changed after items were acted on applies only to items not yet acted on: an item
/// with a version has history (versions, approvals, signatures) that a choice must not hide, and
/// refusing the change outright would trap a school that switches form mid-year, which seed 001
/// allows. Submitted items keep their workflow and are counted as they are.
public enum FormChoiceDecisions {
    public static let maxReasonLength = 1000

    /// The principal records the school's choice for `type`; returns the reason as kept.
    public static func chooseForSchool(
        _ actor: Actor, unit: UnitPosition, type: RecordType, form: RecordForm,
        reason: String
    ) throws -> String {
        try Policy().authorize(actor, .chooseRecordForms, on: unit)
        guard type.choice == .school else { throw HosoError("choice.not_offered", ["code": type.code]) }
        return try checkedReason(reason)
    }

    /// A teacher declares their own choice for `type`, or the principal records it for a teacher
    /// of the school (`teacherAtSchool`); returns the reason as kept.
    public static func declareForTeacher(
        _ actor: Actor, unit: UnitPosition, type: RecordType, teacherUserID: Int64,
        teacherAtSchool: Bool, form: RecordForm, reason: String
    ) throws -> String {
        let policy = Policy()
        let roles = policy.roles(actor, covering: unit.ancestry)
        guard unit.tenantID == actor.tenantID, !roles.isEmpty else { throw HosoError("scope.not_found") }
        if teacherUserID == actor.userID && roles.contains(.teacher) {
            // Their own wish: nothing more to ask.
        } else {
            try policy.authorize(actor, .chooseRecordForms, on: unit)
            guard teacherAtSchool else { throw HosoError("choice.unknown_teacher") }
        }
        guard type.choice == .teacher else { throw HosoError("choice.not_offered", ["code": type.code]) }
        return try checkedReason(reason)
    }

    static func checkedReason(_ reason: String) throws -> String {
        let trimmed = Text.trimmed(reason)
        guard !trimmed.isEmpty else { throw HosoError("choice.reason_required") }
        guard trimmed.count <= maxReasonLength else { throw HosoError("choice.reason_too_long") }
        return trimmed
    }

    /// An item a choice applies to: not yet acted on (open, no version) and still expected. Its
    /// SQL twin is `FormChoiceStore.notActedOn`.
    public static func applies(state: RecordWorkflow.State, hasVersion: Bool, withdrawn: Bool) -> Bool {
        state == .open && !hasVersion && !withdrawn
    }

    /// Whether the page offers the school's choice form for `type` to `actor`.
    public static func offersSchoolChoice(_ actor: Actor, unit: UnitPosition, type: RecordType) -> Bool {
        (try? chooseForSchool(actor, unit: unit, type: type, form: .paper, reason: "—")) != nil
    }
}
