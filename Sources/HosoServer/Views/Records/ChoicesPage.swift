import HosoCore
import HosoStore

/// The page of a school's choices of form for a year: the school's books with a school choice
/// (and the form to change it), the books a teacher may keep on paper (and the forms to declare
/// it), and every choice made, newest first.
struct ChoicesPage: Sendable {
    struct Unit: Sendable {
        let code: String
        let name: String
        let url: String
    }

    struct SchoolBook: Sendable {
        let code: String
        let name: String
        let form: String
        let paper: Bool
        let reason: String?
    }

    struct TeacherBook: Sendable {
        let code: String
        let name: String
        /// The actor's own form for it, when they are a teacher here.
        let ownForm: String?
    }

    struct Teacher: Sendable {
        let id: Int64
        let name: String
    }

    struct Choice: Sendable {
        let type: String
        let teacher: String?
        let form: String
        let reason: String
        let by: String
        let at: String
        let inForce: Bool
    }

    let unit: Unit
    let year: String
    let action: String
    let schoolBooks: [SchoolBook]
    let hasSchoolBooks: Bool
    let mayChooseForSchool: Bool
    let teacherBooks: [TeacherBook]
    let hasTeacherBooks: Bool
    let mayDeclareOwn: Bool
    let mayDeclareForOthers: Bool
    let teachers: [Teacher]
    let choices: [Choice]
    let empty: Bool

    static func build(
        unit: StoredUnit, year: String, types: [RecordType], choices: [FormChoiceRow], actor: Actor,
        isTeacher: Bool, mayChooseForOthers: Bool, teachers: [(id: Int64, name: String)],
        language: Language, localizer: Localizer
    ) -> ChoicesPage {
        func name(_ type: RecordType) -> String { language == .en ? type.nameEn : type.nameVi }
        func formName(_ form: RecordForm) -> String { localizer.text("choices.forms." + form.rawValue, language) }
        let inForce = choices.filter(\.inForce)
        let schoolTypes = types.filter { $0.choice == .school }
        let teacherTypes = types.filter { $0.choice == .teacher }
        let schoolBooks = schoolTypes.map { type -> SchoolBook in
            let current = inForce.first { $0.recordType == type.code && $0.teacherUserID == nil }
            let form = current?.form ?? .electronic
            return SchoolBook(
                code: type.code, name: name(type), form: formName(form), paper: form == .paper, reason: current?.reason)
        }
        let teacherBooks = teacherTypes.map { type -> TeacherBook in
            let own = inForce.first { $0.recordType == type.code && $0.teacherUserID == actor.userID }
            return TeacherBook(
                code: type.code, name: name(type), ownForm: isTeacher ? formName(own?.form ?? .electronic) : nil)
        }
        let names = Dictionary(types.map { ($0.code, name($0)) }) { first, _ in first }
        return ChoicesPage(
            unit: Unit(
                code: unit.code, name: language == .en ? unit.nameEn : unit.nameVi, url: SiteURL.unit(unit.code).path),
            year: year, action: SiteURL.unitChoices(unit.code).path,
            schoolBooks: schoolBooks, hasSchoolBooks: !schoolBooks.isEmpty,
            mayChooseForSchool: mayChooseForOthers && !schoolBooks.isEmpty,
            teacherBooks: teacherBooks, hasTeacherBooks: !teacherBooks.isEmpty,
            mayDeclareOwn: isTeacher && !teacherBooks.isEmpty,
            mayDeclareForOthers: mayChooseForOthers && !teacherBooks.isEmpty && !teachers.isEmpty,
            teachers: teachers.map { Teacher(id: $0.id, name: $0.name) },
            choices: choices.map {
                Choice(
                    type: names[$0.recordType] ?? $0.recordType, teacher: $0.teacherName, form: formName($0.form),
                    reason: $0.reason,
                    by: $0.chosenBy, at: VietnamTime.display(epochSeconds: $0.chosenAt), inForce: $0.inForce)
            },
            empty: choices.isEmpty)
    }
}
