import Foundation
import HosoCore
import HosoStore

/// Writes reminders in the person's language, as plain text and simple HTML (every value escaped),
/// each with a link into the portal and one that turns the reminders off without signing in.
struct DigestComposer: Sendable {
    let localizer: Localizer
    let mail: MailConfiguration

    func weekly(_ person: DigestRecipient, address: MailAddress, token: String, dedupe: String) -> OutgoingMessage {
        let language = Language(rawValue: person.language) ?? .vi
        func t(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }
        let due = person.items.filter { $0.kind == .due }, overdue = person.items.filter { $0.kind == .overdue }
        let returned = person.items.filter { $0.kind == .returned }
        let subject = t("mail.weekly.subject", ["due": String(due.count), "overdue": String(overdue.count), "returned": String(returned.count)])
        let sections = [("mail.weekly.due", due), ("mail.weekly.overdue", overdue), ("mail.weekly.returned", returned)]
            .filter { !$0.1.isEmpty }.map { Section(title: t($0.0), lines: lines($0.1, language)) }
        return message(person, address: address, language: language, kind: "digest.weekly", dedupe: dedupe, subject: subject,
                       intro: t("mail.weekly.intro", ["name": person.displayName]), sections: sections, token: token)
    }

    func dayBefore(_ person: DigestRecipient, items: [DigestItem], address: MailAddress, token: String, dedupe: String) -> OutgoingMessage {
        let language = Language(rawValue: person.language) ?? .vi
        func t(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }
        return message(person, address: address, language: language, kind: "digest.day_before", dedupe: dedupe,
                       subject: t("mail.note.subject", ["count": String(items.count)]),
                       intro: t("mail.note.intro", ["name": person.displayName]),
                       sections: [Section(title: t("mail.weekly.due"), lines: lines(items, language))], token: token)
    }

    /// An approver's weekly digest: what waits for their decision and since when; for a principal
    /// also the school's overdue items by person (either part may be empty, not both).
    func approvals(_ person: DigestRecipient, overdue: [DigestStore.OverdueByPerson], address: MailAddress, token: String,
                   dedupe: String) -> OutgoingMessage {
        let language = Language(rawValue: person.language) ?? .vi
        func t(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }
        var sections: [Section] = []
        if !person.items.isEmpty { sections.append(Section(title: t("mail.approvals.waiting"), lines: lines(person.items, language))) }
        if !overdue.isEmpty {
            sections.append(Section(title: t("mail.approvals.overdue"), lines: overdue.map { line in
                Line(text: t("mail.approvals.person", [
                    "name": line.displayName, "login": line.login, "unit": line.unitCode, "count": String(line.count),
                    "since": VietnamTime.display(epochSeconds: line.oldestDue),
                ]), link: mail.publicURL + SiteURL.unitItems(line.unitCode).path + "?owner=\(line.userID)&column=missing")
            }))
        }
        let subject = overdue.isEmpty
            ? t("mail.approvals.subject", ["count": String(person.items.count)])
            : t("mail.approvals.subject_school", ["count": String(person.items.count),
                                                  "overdue": String(overdue.reduce(0) { $0 + $1.count })])
        return message(person, address: address, language: language, kind: "digest.approvals", dedupe: dedupe, subject: subject,
                       intro: t(person.items.isEmpty ? "mail.approvals.intro_school" : "mail.approvals.intro", ["name": person.displayName]),
                       sections: sections, token: token, portalPath: person.items.isEmpty ? overdue.first.map { SiteURL.unitDashboard($0.unitCode).path } ?? "/approvals" : "/approvals")
    }

    /// A weekly reminder to change a password: the same sentence as after a sign-in, and how.
    func password(_ person: DigestRecipient, notice: PasswordNotice, address: MailAddress, token: String, dedupe: String) -> OutgoingMessage {
        let language = Language(rawValue: person.language) ?? .vi
        func t(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }
        let lines = [PasswordNoticeText.message(notice, language, localizer), t("mail.password.how")].map { Line(text: $0, link: nil) }
        return message(person, address: address, language: language, kind: "password.notice", dedupe: dedupe,
                       subject: t("mail.password.subject", ["login": person.login]),
                       intro: t("mail.password.intro", ["name": person.displayName, "login": person.login]),
                       sections: [Section(title: "", lines: lines)], token: token, portalPath: "/")
    }

    /// An officer's or inspector's weekly digest: their unit's completeness and timeliness this
    /// school year with the change since last week's digest, and its weakest child units.
    func officer(_ watcher: DigestStore.Watcher, address: MailAddress, view: ComplianceQuery.View,
                 previous: [Int64: (completeness: Double?, timeliness: Double?)], followUps: [DigestStore.FollowUpDue], now: Int64,
                 token: String, dedupe: String) -> OutgoingMessage {
        let language = Language(rawValue: watcher.language) ?? .vi
        func t(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }
        func change(_ now: Double?, _ before: Double?) -> String {
            guard let now, let before else { return "" }
            let points = Int((now * 100).rounded(.down)) - Int((before * 100).rounded(.down))
            return " (" + t("mail.officer.change", ["points": points > 0 ? "+\(points)" : "\(points)"]) + ")"
        }
        let unit = view.unit
        let name = language == .en && !unit.nameEn.isEmpty ? unit.nameEn : unit.nameVi
        let own = previous[unit.id]
        let completeness = DashboardPage.percent(view.total.completeness) + change(view.total.completeness, own?.completeness)
        let timeliness = DashboardPage.percent(view.total.timeliness) + change(view.total.timeliness, own?.timeliness)
        let subject = t("mail.officer.subject", ["unit": name, "completeness": DashboardPage.percent(view.total.completeness),
                                                  "timeliness": DashboardPage.percent(view.total.timeliness)])
        let intro = t("mail.officer.intro", ["name": watcher.displayName, "unit": name, "year": view.filter.schoolYear])
        let lines = [t("dashboard.completeness") + ": " + completeness, t("dashboard.timeliness") + ": " + timeliness]
        var sections = [Section(title: "", lines: lines.map { Line(text: $0, link: nil) })]
        let worst = DashboardQuery.sorted(view, .worst, language: language).filter { view.counts(of: $0).expected > 0 }.prefix(5)
        if !worst.isEmpty {
            sections.append(Section(title: t("mail.officer.worst"), lines: worst.map { child in
                let counts = view.counts(of: child)
                let childName = language == .en && !child.nameEn.isEmpty ? child.nameEn : child.nameVi
                return Line(text: "\(childName) (\(child.code)): " + DashboardPage.percent(counts.completeness)
                                + change(counts.completeness, previous[child.id]?.completeness),
                            link: mail.publicURL + SiteURL.unitDashboard(child.code).path)
            }))
        }
        if !followUps.isEmpty {
            let today = VietnamTime.date(epochSeconds: now).iso
            sections.append(Section(title: t("mail.officer.follow_ups"), lines: followUps.map { item in
                Line(text: t(item.dueOn < today ? "mail.officer.follow_up_overdue" : "mail.officer.follow_up", [
                    "action": item.action, "unit": item.unitCode, "owner": item.ownerName, "due": LocalDate(iso: item.dueOn)?.vietnamese ?? item.dueOn, "inspection": item.inspectionSymbol,
                ]), link: mail.publicURL + SiteURL.inspectionFollowUps(item.inspectionID).path)
            }))
        }
        let (text, html) = render(intro: intro, sections, language: language,
                                  portal: mail.publicURL + SiteURL.unitDashboard(unit.code).path, token: token)
        return OutgoingMessage(kind: "digest.officer", dedupe: dedupe, recipientUserID: watcher.userID, address: address,
                               language: language.rawValue, subject: subject, text: text, html: html)
    }

    /// A line of a section, linked into the portal when `link` is set.
    struct Line {
        let text: String
        let link: String?
    }

    /// A titled list (an empty title: the lines stand on their own).
    struct Section {
        let title: String
        let lines: [Line]
    }

    /// A person's items as lines, each linked to its record.
    func lines(_ items: [DigestItem], _ language: Language) -> [Line] {
        items.map { item in
            let name = language == .en ? item.typeNameEn : item.typeNameVi
            return Line(text: "\(name) (\(item.unitCode)) — \(VietnamTime.display(epochSeconds: item.dueAt))",
                        link: mail.publicURL + "/records/\(item.itemID)")
        }
    }

    func message(_ person: DigestRecipient, address: MailAddress, language: Language, kind: String, dedupe: String, subject: String,
                 intro: String, sections: [Section], token: String, portalPath: String = "/owe") -> OutgoingMessage {
        let (text, html) = render(intro: intro, sections, language: language, portal: mail.publicURL + portalPath, token: token)
        return OutgoingMessage(kind: kind, dedupe: dedupe, recipientUserID: person.userID, address: address,
                               language: language.rawValue, subject: subject, text: text, html: html)
    }

    /// The plain text and the HTML of a message: the intro, each section (at most 30 lines, then
    /// how many more), a link into the portal and the one that turns the reminders off.
    func render(intro: String, _ sections: [Section], language: Language, portal: String, token: String) -> (text: String, html: String) {
        func t(_ key: String) -> String { localizer.text(key, language) }
        let stop = mail.publicURL + "/unsubscribe?t=" + token
        var text = intro + "\n"
        var html = "<p>" + Self.escape(intro) + "</p>\n"
        for section in sections {
            text += "\n" + (section.title.isEmpty ? "" : section.title + "\n")
            if !section.title.isEmpty { html += "<h3>" + Self.escape(section.title) + "</h3>\n" }
            html += "<ul>\n"
            for line in section.lines.prefix(30) {
                text += "- " + line.text + "\n" + (line.link.map { "  " + $0 + "\n" } ?? "")
                html += "<li>" + (line.link.map { "<a href=\"" + Self.escape($0) + "\">" + Self.escape(line.text) + "</a>" }
                                  ?? Self.escape(line.text)) + "</li>\n"
            }
            if section.lines.count > 30 {
                let more = localizer.text("mail.more", language, ["count": String(section.lines.count - 30)])
                text += "  " + more + "\n"
                html += "<li>" + Self.escape(more) + "</li>\n"
            }
            html += "</ul>\n"
        }
        text += "\n" + t("mail.open") + ": " + portal + "\n\n" + t("mail.stop") + ": " + stop + "\n"
        html += "<p><a href=\"" + Self.escape(portal) + "\">" + Self.escape(t("mail.open")) + "</a></p>\n"
            + "<p style=\"font-size:small\"><a href=\"" + Self.escape(stop) + "\">" + Self.escape(t("mail.stop")) + "</a></p>\n"
        return (text, html)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
