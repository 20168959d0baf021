/// The rule-set fields of paper copies and per-school / per-teacher choices (issue 14, parts 3–4).
extension RuleSetResolver {
    /// `paper_copy` and `choice` of a draft, checked: unknown values are refused, and a teacher's
    /// choice only fits a book a teacher owns (it exempts *their* items).
    static func checkForms(
        _ draft: RecordTypeDraft, owner: OwnerScope?, problem: (String, [String: String]) -> Void
    ) -> (paperCopy: PaperCopyRule, choice: FormChoice) {
        var paperCopy = PaperCopyRule.none
        if let raw = draft.paperCopy {
            if let value = PaperCopyRule(rawValue: raw) {
                paperCopy = value
            } else {
                problem("rules.bad_paper_copy", ["value": raw])
            }
        }
        var choice = FormChoice.none
        if let raw = draft.choice {
            if let value = FormChoice(rawValue: raw) {
                choice = value
            } else {
                problem("rules.bad_choice", ["value": raw])
            }
        }
        if choice == .teacher, let owner, ![.teacher, .homeroomTeacher, .pioneerLeader].contains(owner) {
            problem("rules.choice_owner", ["owner": owner.rawValue])
        }
        return (paperCopy, choice)
    }
}
