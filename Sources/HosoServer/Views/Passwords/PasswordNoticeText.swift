import HosoCore

/// A password warning in words: the same sentence on the home page and in `GET /api/v1/me`.
enum PasswordNoticeText {
    static func message(_ notice: PasswordNotice, _ language: Language, _ localizer: Localizer) -> String {
        localizer.text(notice.kind.messageKey, language, [
            "days": notice.days.map(String.init) ?? "", "grace": notice.grace.map(String.init) ?? "",
        ])
    }
}
