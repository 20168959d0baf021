import Foundation
import HosoCore
import HosoStore

/// Writes reminders in the person's language, as plain text and simple HTML (every value escaped),
/// each with a link into the portal and one that turns the reminders off without signing in.
struct DigestComposer: Sendable {
    let localizer: Localizer
    let mail: MailConfiguration

    func weekly(_ person: DigestRecipient, address: MailAddress, tenantCode: String, token: String, now: Int64,
                dedupe: String) -> OutgoingMessage {
        let language = Language(rawValue: person.language) ?? .vi
        func t(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }
        let due = person.items.filter { $0.kind == .due }, overdue = person.items.filter { $0.kind == .overdue }
        let returned = person.items.filter { $0.kind == .returned }
        let subject = t("mail.weekly.subject", ["due": String(due.count), "overdue": String(overdue.count), "returned": String(returned.count)])
        let sections = [("mail.weekly.due", due), ("mail.weekly.overdue", overdue), ("mail.weekly.returned", returned)]
            .filter { !$0.1.isEmpty }.map { (t($0.0), $0.1) }
        return message(person, address: address, language: language, kind: "digest.weekly", dedupe: dedupe, subject: subject,
                       intro: t("mail.weekly.intro", ["name": person.displayName]), sections: sections, token: token, tenantCode: tenantCode)
    }

    func dayBefore(_ person: DigestRecipient, items: [DigestItem], address: MailAddress, tenantCode: String, token: String,
                   dedupe: String) -> OutgoingMessage {
        let language = Language(rawValue: person.language) ?? .vi
        func t(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }
        return message(person, address: address, language: language, kind: "digest.day_before", dedupe: dedupe,
                       subject: t("mail.note.subject", ["count": String(items.count)]),
                       intro: t("mail.note.intro", ["name": person.displayName]), sections: [(t("mail.weekly.due"), items)],
                       token: token, tenantCode: tenantCode)
    }

    func approvals(_ person: DigestRecipient, address: MailAddress, token: String, dedupe: String) -> OutgoingMessage {
        let language = Language(rawValue: person.language) ?? .vi
        func t(_ key: String, _ values: [String: String] = [:]) -> String { localizer.text(key, language, values) }
        return message(person, address: address, language: language, kind: "digest.approvals", dedupe: dedupe,
                       subject: t("mail.approvals.subject", ["count": String(person.items.count)]),
                       intro: t("mail.approvals.intro", ["name": person.displayName]), sections: [(t("mail.approvals.waiting"), person.items)],
                       token: token, tenantCode: "", portalPath: "/approvals")
    }

    /// An officer's or inspector's weekly digest: their unit's completeness and timeliness this
    /// school year with the change since last week's digest, and its weakest child units.
    func officer(_ watcher: DigestStore.Watcher, address: MailAddress, view: ComplianceQuery.View,
                 previous: [Int64: (completeness: Double?, timeliness: Double?)], token: String, dedupe: String) -> OutgoingMessage {
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
        let dashboard = mail.publicURL + SiteURL.unitDashboard(unit.code).path
        let stop = mail.publicURL + "/unsubscribe?t=" + token
        var lines = [t("dashboard.completeness") + ": " + completeness, t("dashboard.timeliness") + ": " + timeliness]
        let worst = DashboardQuery.sorted(view, .worst, language: language).filter { view.counts(of: $0).expected > 0 }.prefix(5)
        var text = intro + "\n\n" + lines.joined(separator: "\n") + "\n"
        var html = "<p>" + Self.escape(intro) + "</p>\n<ul>" + lines.map { "<li>" + Self.escape($0) + "</li>" }.joined() + "</ul>\n"
        if !worst.isEmpty {
            lines = worst.map { child in
                let counts = view.counts(of: child)
                let childName = language == .en && !child.nameEn.isEmpty ? child.nameEn : child.nameVi
                return "\(childName) (\(child.code)): " + DashboardPage.percent(counts.completeness)
                    + change(counts.completeness, previous[child.id]?.completeness)
            }
            text += "\n" + t("mail.officer.worst") + "\n" + lines.map { "- " + $0 }.joined(separator: "\n") + "\n"
            html += "<h3>" + Self.escape(t("mail.officer.worst")) + "</h3>\n<ul>"
                + zip(worst, lines).map { child, line in
                    "<li><a href=\"" + Self.escape(mail.publicURL + SiteURL.unitDashboard(child.code).path) + "\">" + Self.escape(line) + "</a></li>"
                }.joined() + "</ul>\n"
        }
        text += "\n" + t("mail.open") + ": " + dashboard + "\n\n" + t("mail.stop") + ": " + stop + "\n"
        html += "<p><a href=\"" + Self.escape(dashboard) + "\">" + Self.escape(t("mail.open")) + "</a></p>\n"
            + "<p style=\"font-size:small\"><a href=\"" + Self.escape(stop) + "\">" + Self.escape(t("mail.stop")) + "</a></p>\n"
        return OutgoingMessage(kind: "digest.officer", dedupe: dedupe, recipientUserID: watcher.userID, address: address,
                               language: language.rawValue, subject: subject, text: text, html: html)
    }

    func message(_ person: DigestRecipient, address: MailAddress, language: Language, kind: String, dedupe: String, subject: String,
                 intro: String, sections: [(String, [DigestItem])], token: String, tenantCode: String,
                 portalPath: String = "/owe") -> OutgoingMessage {
        func t(_ key: String) -> String { localizer.text(key, language) }
        let portal = mail.publicURL + portalPath
        let stop = mail.publicURL + "/unsubscribe?t=" + token
        var text = intro + "\n"
        var html = "<p>" + Self.escape(intro) + "</p>\n"
        for (title, items) in sections {
            text += "\n" + title + "\n"
            html += "<h3>" + Self.escape(title) + "</h3>\n<ul>\n"
            for item in items.prefix(30) {
                let name = language == .en ? item.typeNameEn : item.typeNameVi
                let line = "\(name) (\(item.unitCode)) — \(VietnamTime.display(epochSeconds: item.dueAt))"
                let link = mail.publicURL + "/records/\(item.itemID)"
                text += "- " + line + "\n  " + link + "\n"
                html += "<li><a href=\"" + Self.escape(link) + "\">" + Self.escape(line) + "</a></li>\n"
            }
            if items.count > 30 {
                let more = localizer.text("mail.more", language, ["count": String(items.count - 30)])
                text += "  " + more + "\n"
                html += "<li>" + Self.escape(more) + "</li>\n"
            }
            html += "</ul>\n"
        }
        text += "\n" + t("mail.open") + ": " + portal + "\n\n" + t("mail.stop") + ": " + stop + "\n"
        html += "<p><a href=\"" + Self.escape(portal) + "\">" + Self.escape(t("mail.open")) + "</a></p>\n"
            + "<p style=\"font-size:small\"><a href=\"" + Self.escape(stop) + "\">" + Self.escape(t("mail.stop")) + "</a></p>\n"
        return OutgoingMessage(kind: kind, dedupe: dedupe, recipientUserID: person.userID, address: address,
                               language: language.rawValue, subject: subject, text: text, html: html)
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
