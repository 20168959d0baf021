import Foundation
import HosoCore
import HosoMail
import HosoStore
import Logging
import ServiceLifecycle

/// Hands the outbox's messages to SMTP: every few seconds, for each tenant, claims what is due
/// within the tenant's sending rate (a lease: a sender that dies leaves its messages to the next
/// after `leaseSeconds`), sends each once, and settles it: sent, tried again later with a growing
/// wait on a temporary failure (4xx, server down), or failed with the server's answer (5xx). Several
/// server processes may run it: claims skip what another holds.
struct MailSender: Service {
    let services: AppServices
    let mail: MailConfiguration
    let transport: SMTPTransport
    let policy = RetryPolicy()
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        while !Task.isCancelled {
            await sendDue()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// One round over every tenant; returns how many messages were settled.
    @discardableResult
    func sendDue() async -> Int {
        var settled = 0
        let outbox = OutboxStore(database: services.database, logger: services.logger)
        for tenant in (try? await services.tenants.tenants()) ?? [] {
            do {
                let sent = try await outbox.sentInLastMinute(tenantID: tenant.id)
                let allowance = SendingRate(perMinute: mail.ratePerMinute).allowance(sentInLastMinute: sent)
                // No more than can be sent within the lease at the transfer's time limit, so no claim outlives it.
                let fits = max(1, mail.leaseSeconds / max(1, mail.smtp.timeoutSeconds + 10))
                for row in try await outbox.claim(tenantID: tenant.id, limit: min(allowance, fits), leaseSeconds: mail.leaseSeconds) {
                    let outcome = await send(row)
                    let wait: Int64? = if case .retry = outcome { policy.wait(afterAttempt: row.attempts) } else { nil }
                    try await outbox.settle(tenantID: tenant.id, id: row.id, attempt: row.attempts, outcome, retryAfter: wait)
                    if case .sent = outcome {} else {
                        services.logger.warning("message not sent", metadata: [
                            "tenant": "\(tenant.code)", "outbox": "\(row.id)", "outcome": "\(outcome)"])
                    }
                    settled += 1
                }
            } catch {
                services.logger.warning("outbox round failed", metadata: ["tenant": "\(tenant.code)", "error": "\(String(reflecting: error))"])
            }
        }
        return settled
    }

    func send(_ row: OutboxRow) async -> DeliveryOutcome {
        guard let to = MailAddress(row.address, name: row.displayName) else { return .failed(answer: "malformed address") }
        let message = MailMessage(
            from: mail.smtp.from, to: to, subject: row.subject, text: row.text, html: row.html, messageID: row.messageID,
            date: Self.date(services.clock.now()), headers: [("Auto-Submitted", "auto-generated")])
        return await transport.send(message, settings: mail.smtp)
    }

    /// RFC 5322's date, in Vietnam's time.
    static func date(_ epochSeconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
    }
}
