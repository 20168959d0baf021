import Foundation
import HosoCore
import HosoMail

/// E-mail settings, from the environment only, checked at start-up:
/// - `HOSO_SMTP_URL`: `smtp://host:port` (STARTTLS) or `smtps://host:port`; unset: nothing is sent;
/// - `HOSO_SMTP_FROM`: the sender's address (`HOSO_SMTP_FROM_NAME` its name, "Hoso" by default);
/// - `HOSO_SMTP_USER`, `HOSO_SMTP_PASSWORD`: the account, when the server asks for one;
/// - `HOSO_SMTP_STARTTLS`: `required` (default) or `off` (a local sink only);
/// - `HOSO_SMTP_RATE_PER_MINUTE` (60): each tenant's budget; `HOSO_SMTP_LEASE_SECONDS` (120): how long a
///   claimed message stays with its sender before another may take it (the sender died);
/// - `HOSO_MAIL_LINK_KEY`: signs the unsubscribe links (at least 32 characters);
/// - `HOSO_PUBLIC_URL`: the portal's address as people reach it, for the links in messages.
public struct MailConfiguration: Sendable {
    public let smtp: SMTPSettings
    public let ratePerMinute: Int
    public let leaseSeconds: Int
    public let linkKey: String
    public let publicURL: String

    /// The host part of Message-IDs.
    public var messageHost: String {
        URL(string: publicURL)?.host ?? "hoso.local"
    }

    static func parse(_ env: [String: String], problems: inout [String],
                      integer: (String, Int, ClosedRange<Int>) -> Int) -> MailConfiguration? {
        guard let url = env["HOSO_SMTP_URL"], !url.isEmpty else { return nil }
        var ok = true
        if !(url.hasPrefix("smtp://") || url.hasPrefix("smtps://")) || URL(string: url)?.host == nil {
            problems.append("HOSO_SMTP_URL must be smtp://host:port or smtps://host:port")
            ok = false
        }
        let fromName = env["HOSO_SMTP_FROM_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "Hoso"
        let from = MailAddress(env["HOSO_SMTP_FROM"] ?? "", name: fromName)
        if from == nil {
            problems.append("HOSO_SMTP_FROM must be an e-mail address (the sender of Hoso's messages)")
            ok = false
        }
        let tls = env["HOSO_SMTP_STARTTLS"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "required"
        if !["required", "off"].contains(tls) {
            problems.append("HOSO_SMTP_STARTTLS must be required or off")
            ok = false
        }
        let key = env["HOSO_MAIL_LINK_KEY"] ?? ""
        if key.count < 32 {
            problems.append("HOSO_MAIL_LINK_KEY must be at least 32 characters (it signs the unsubscribe links)")
            ok = false
        }
        let publicURL = env["HOSO_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
        if URL(string: publicURL)?.host == nil {
            problems.append("HOSO_PUBLIC_URL must be an http(s) address")
            ok = false
        }
        let rate = integer("HOSO_SMTP_RATE_PER_MINUTE", 60, 1...100_000)
        let lease = integer("HOSO_SMTP_LEASE_SECONDS", 120, 2...3_600)
        guard ok, let from else { return nil }
        let user = env["HOSO_SMTP_USER"].flatMap { $0.isEmpty ? nil : $0 }
        return MailConfiguration(
            smtp: SMTPSettings(url: url, from: from, username: user, password: env["HOSO_SMTP_PASSWORD"], startTLS: tls == "required"),
            ratePerMinute: rate, leaseSeconds: lease, linkKey: key,
            publicURL: publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL)
    }
}
