import Foundation
import HosoCore
import HosoMail
@testable import HosoServer
@testable import HosoStore
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Reminders by e-mail against a real SMTP server: the sink `scripts/smtp-sink.py` (Debian's
/// python3-aiosmtpd) that `make test` starts and that keeps every message it accepts. Digests are
/// made once, in the person's language, with links into the portal and an unsubscribe link; a 4xx is
/// tried again until the server takes the message, a 5xx is marked failed with the answer; CR/LF in
/// a name or a subject never reaches a header; a forged, expired or foreign unsubscribe link changes nothing.
@Suite struct MailTests {
    static let year = "2026-2027"
    /// Monday 7 December 2026, 08:00 in Vietnam: the reminders' hour has come.
    static let monday: Int64 = 1_796_605_200

    struct Sink {
        static let lock = NSLock()
        let directory: String
        var mail: String { directory + "/mail" }

        /// The sink's log lines for messages to `address`.
        func delivered(to address: String) throws -> [[String: Any]] {
            let text = (try? String(contentsOfFile: mail + "/log.jsonl", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            }.filter { ($0["to"] as? [String] ?? []).contains(address) }
        }

        func message(_ entry: [String: Any]) throws -> String {
            try String(contentsOfFile: mail + "/" + (entry["file"] as? String ?? ""), encoding: .utf8)
        }

        /// Sets the sink's behaviour for some addresses (the control file is shared: each test uses its
        /// own addresses, and the tests running at once update it one at a time).
        func control(_ update: ([String: Any]) -> [String: Any]) throws {
            Self.lock.lock()
            defer { Self.lock.unlock() }
            let path = directory + "/control.json"
            let current = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any] ?? [:]
            try JSONSerialization.data(withJSONObject: update(current)).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    static var sink: Sink { get throws { Sink(directory: try TestEnvironment.value("HOSO_TEST_SMTP_DIR")) } }

    static func mail(linkKey: String = String(repeating: "k", count: 40)) throws -> MailConfiguration {
        let port = try TestEnvironment.value("HOSO_TEST_SMTP_PORT")
        return MailConfiguration(
            smtp: SMTPSettings(url: "smtp://127.0.0.1:\(port)", from: try #require(MailAddress("hoso@portal.test", name: "Hoso")),
                               username: nil, password: nil, startTLS: false, timeoutSeconds: 10),
            ratePerMinute: 100, leaseSeconds: 60, linkKey: linkKey, publicURL: "http://portal.test")
    }

    /// The server's services with mail configured, the pool running while `body` does.
    func withServices<T: Sendable>(_ world: TestWorld, clock: any WallClock,
                                   _ body: @Sendable @escaping (AppServices, MailConfiguration) async throws -> T) async throws -> T {
        var configuration = world.configuration
        let mail = try Self.mail()
        configuration.mail = mail
        let services = try await makeServices(configuration: configuration, clock: clock, logger: TestEnvironment.logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await services.database.run(); return nil }
            defer { group.cancelAll() }
            return try await body(services, mail)
        }
    }

    func sender(_ services: AppServices, _ mail: MailConfiguration) -> MailSender {
        MailSender(services: services, mail: mail, transport: SMTPTransport(logger: TestEnvironment.logger), interval: .seconds(1))
    }

    /// Rounds of the sender until one settles nothing (each round claims what fits in the lease).
    @discardableResult
    func sendAll(_ services: AppServices, _ mail: MailConfiguration) async -> Int {
        var total = 0
        for _ in 0..<50 {
            let settled = await sender(services, mail).sendDue()
            total += settled
            if settled == 0 { break }
        }
        return total
    }

    /// A fresh address for a demo person (the sink is shared by every test of the run).
    func readdress(_ world: TestWorld, _ login: String) async throws -> String {
        let address = "\(login).\(UUID().uuidString.prefix(8).lowercased())@school.test"
        try await TestEnvironment.ownerExecute("UPDATE users SET email = '\(address)' WHERE login = '\(login)'", database: world.database.name)
        return address
    }

    @Test func weeklyDigestsAreMadeOnceInThePersonsLanguageAndDelivered() async throws {
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let db = world.database.name
        let teacher = try await readdress(world, "s1.teacher"), other = try await readdress(world, "s1.teacher2")
        // The principal's and the district officer's accounts and grants come from the directory at their first sign-in.
        try await world.withApp { client in
            for login in ["s1.principal", "d1.officer"] {
                var browser = Browser()
                try await browser.signIn(client, login)
            }
        }
        let principal = try await readdress(world, "s1.principal"), officer = try await readdress(world, "d1.officer")
        // One of the teacher's items waits for the principal's approval (its step of the chain).
        let waiting = try #require(try await TestEnvironment.ownerValue("""
            UPDATE obligations SET state = 'awaiting', awaiting_role = 'principal', first_submitted_at = due_at - interval '1 day',
                                   last_event_at = now()
            WHERE id = (SELECT o.id FROM obligations o JOIN users u ON u.id = o.owner_user_id
                        WHERE u.login = 's1.teacher2' AND o.state = 'open' ORDER BY o.id LIMIT 1)
            RETURNING id::text
            """, database: db))
        // The second teacher reads English; the first keeps the default (Vietnamese).
        try await TestEnvironment.ownerExecute("""
            INSERT INTO notification_settings (tenant_id, user_id, language) SELECT tenant_id, id, 'en' FROM users WHERE login = 's1.teacher2'
            """, database: db)
        let (queued, again, settled) = try await withServices(world, clock: FixedClock(epochSeconds: Self.monday)) { services, mail in
            let scheduler = DigestScheduler(services: services, mail: mail, interval: .seconds(60))
            let queued = await scheduler.makeDue()
            let again = await scheduler.makeDue()
            let settled = await sendAll(services, mail)
            return (queued, again, settled)
        }
        #expect(queued > 0 && again == 0, "made once a day: \(queued), then \(again)")
        #expect(settled >= queued)
        let sink = try Self.sink
        // (A note for what is due tomorrow may come too: the weekly digest is the one about 7 days.)
        let mine = try sink.delivered(to: teacher).filter { ($0["subject"] as? String ?? "").contains("7 ngày") }
        let theirs = try sink.delivered(to: other).filter { ($0["subject"] as? String ?? "").contains("7 days") }
        #expect(mine.count == 1 && theirs.count == 1, "one digest each: \(mine.count), \(theirs.count)")
        let vietnamese = try sink.message(try #require(mine.first)), english = try sink.message(try #require(theirs.first))
        #expect((mine.first?["subject"] as? String ?? "").contains("hồ sơ đến hạn"), "\(mine)")
        #expect((theirs.first?["subject"] as? String ?? "").contains("records due"), "\(theirs)")
        // The English digest holds no Vietnamese outside people's names (its record types and units are named in English).
        let names = try await TestEnvironment.ownerRows("SELECT display_name FROM users", database: db).compactMap { $0[0] }
            .sorted { $0.count > $1.count }
        var englishText = try Self.decodedBodies(english) + " " + (theirs.first?["subject"] as? String ?? "")
        for name in names { englishText = englishText.replacingOccurrences(of: name, with: " ") }
        let vietnameseWords = englishText.split(whereSeparator: { $0.isWhitespace || $0.isPunctuation })
            .filter { $0.contains(where: { EnglishPagesTests.vietnamese.contains($0) }) }
        #expect(vietnameseWords.isEmpty, "Vietnamese in the English digest: \(Set(vietnameseWords).sorted().prefix(20))")
        for text in [vietnamese, english] {
            let body = try Self.decodedBodies(text)
            #expect(body.contains("http://portal.test/owe") && body.contains("http://portal.test/unsubscribe?t="), "links")
            #expect(text.contains("Auto-Submitted: auto-generated"))
        }
        // Every record a digest names is the person's own.
        let named = try Self.decodedBodies(vietnamese).matches(of: /portal\.test\/records\/(\d+)/).map { String($0.1) }
        #expect(!named.isEmpty)
        let owners = try await TestEnvironment.ownerRows("""
            SELECT DISTINCT u.login FROM obligations o JOIN users u ON u.id = o.owner_user_id WHERE o.id IN (\(named.joined(separator: ",")))
            """, database: db)
        #expect(owners == [["s1.teacher"]])
        // The principal's digest names what waits for them, and only that.
        let approvals = try sink.delivered(to: principal).filter { ($0["subject"] as? String ?? "").contains("chờ bạn phê duyệt") }
        #expect(approvals.count == 1)
        let approvalBody = try Self.decodedBodies(try sink.message(try #require(approvals.first)))
        let asked = approvalBody.matches(of: /portal\.test\/records\/(\d+)/).map { String($0.1) }
        #expect(Set(asked) == [waiting] && approvalBody.contains("http://portal.test/approvals"), "\(asked)")
        // The district officer's digest: their office's figures and schools, never another office's.
        let officerMail = try sink.delivered(to: officer).filter(Self.isDigest)
        #expect(officerMail.count == 1, "\(officerMail)")
        let officerBody = try Self.decodedBodies(try sink.message(try #require(officerMail.first)))
        #expect(officerBody.contains("http://portal.test/units/D01/dashboard") && officerBody.contains("(S01)"), "\(officerBody)")
        for school in ["S02", "S05", "S06"] { #expect(!officerBody.contains("(\(school))"), "\(school) is another office's") }
        let kept = try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM digest_figures f JOIN units u ON u.id = f.unit_id WHERE u.code IN ('D01', 'S01')", database: db)
        #expect(kept == "2", "this week's figures kept for next week's change")
        let sent = try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM outbox WHERE state = 'sent' AND kind = 'digest.weekly' AND address = '\(teacher)'", database: db)
        #expect(sent == "1")
    }

    @Test func principalsHearOfOverdueByPersonAndOfficersOfFollowUpsInTheirScopeInTheTenantsLanguage() async throws {
        // setup: the tenant's defaults say English; two of a teacher's items at S01 are overdue;
        // follow-ups of inspections at S01 (one due this week, one in March) and at another office's S05.
        let world = try await TestWorld.make(importing: ["demo"], records: [Self.year])
        let db = world.database.name
        #expect(try await TestEnvironment.ownerValue("SELECT notifications->>'weekday' FROM tenants WHERE code = 'demo'", database: db) == "1",
                "the tenant file's defaults are imported")
        try await TestEnvironment.ownerExecute(
            "UPDATE tenants SET notifications = notifications || '{\"language\": \"en\"}' WHERE code = 'demo'", database: db)
        try await world.withApp { client in
            for login in ["s1.principal", "d1.officer"] {
                var browser = Browser()
                try await browser.signIn(client, login)
            }
        }
        let principal = try await readdress(world, "s1.principal"), officer = try await readdress(world, "d1.officer")
        let teacher = try await readdress(world, "s1.teacher")
        try await TestEnvironment.ownerExecute("""
            UPDATE obligations SET due_at = to_timestamp(\(Self.monday)) - interval '3 days', status = 'missing', state = 'open',
                                   first_submitted_at = NULL
            WHERE id IN (SELECT o.id FROM obligations o JOIN users u ON u.id = o.owner_user_id JOIN units s ON s.id = o.unit_id
                         WHERE u.login = 's1.teacher' AND s.code = 'S01' AND NOT o.withdrawn ORDER BY o.id LIMIT 2)
            """, database: db)
        func followUp(school: String, issuer: String, action: String, due: String) async throws -> String {
            try #require(try await TestEnvironment.ownerValue("""
                WITH i AS (INSERT INTO inspections (tenant_id, kind, state, title, issuer_unit_id, symbol, school_year, period_from,
                                                    period_to, place, planned_on, planned_by)
                           SELECT t.id, 'periodic', 'concluded', 'Kiểm tra hồ sơ', u.id, 'KT-\(school)', '\(Self.year)', '2026-09-01',
                                  '2026-12-31', 'Trường', '2026-11-01', p.id
                           FROM tenants t JOIN units u ON u.tenant_id = t.id AND u.code = '\(issuer)'
                           JOIN users p ON p.tenant_id = t.id AND p.login = 'd1.officer' WHERE t.code = 'demo'
                           RETURNING id, tenant_id, planned_by),
                     it AS (INSERT INTO inspection_items (tenant_id, inspection_id, obligation_id, unit_id)
                            SELECT i.tenant_id, i.id, o.id, o.unit_id FROM i, obligations o JOIN units s ON s.id = o.unit_id
                            WHERE s.code = '\(school)' AND s.tenant_id = i.tenant_id ORDER BY o.id LIMIT 1
                            RETURNING id, tenant_id, inspection_id),
                     fi AS (INSERT INTO inspection_findings (tenant_id, inspection_id, item_id, severity, text, created_by)
                            SELECT it.tenant_id, it.inspection_id, it.id, 'shortcoming', 'Thiếu chữ ký', i.planned_by FROM it, i
                            RETURNING id, tenant_id, inspection_id)
                INSERT INTO follow_ups (tenant_id, inspection_id, finding_id, action, owner_user_id, due_on, created_by)
                SELECT fi.tenant_id, fi.inspection_id, fi.id, '\(action)', i.planned_by, '\(due)', i.planned_by FROM fi, i
                RETURNING inspection_id::text
                """, database: db))
        }
        let near = try await followUp(school: "S01", issuer: "D01", action: "Bổ sung chữ ký sổ điểm", due: "2026-12-10")
        _ = try await followUp(school: "S01", issuer: "D01", action: "Lập lại kế hoạch giáo dục", due: "2027-03-01")
        _ = try await followUp(school: "S05", issuer: "SO", action: "Việc của trường khác", due: "2026-12-09")

        // act
        try await withServices(world, clock: FixedClock(epochSeconds: Self.monday)) { services, mail in
            await DigestScheduler(services: services, mail: mail, interval: .seconds(60)).makeDue()
            await sendAll(services, mail)
        }

        // verify: the principal's digest names the people with overdue items at their school, with their counts.
        let sink = try Self.sink
        let principalMail = try sink.delivered(to: principal).filter(Self.isDigest)
        #expect(principalMail.count == 1, "\(principalMail)")
        #expect((principalMail.first?["subject"] as? String ?? "").contains("overdue at the school"), "in the tenant's default language")
        let principalBody = try Self.decodedBodies(try sink.message(try #require(principalMail.first)))
        let owed = try await TestEnvironment.ownerRows("""
            SELECT u.login, count(*)::text FROM obligations o JOIN users u ON u.id = o.owner_user_id JOIN units s ON s.id = o.unit_id
            WHERE s.code = 'S01' AND o.status = 'missing' AND o.first_submitted_at IS NULL AND NOT o.withdrawn AND o.exempt_reason IS NULL
              AND o.due_at >= to_timestamp(\(Self.monday - Int64(ReminderRules.overdueDays) * 86_400))
            GROUP BY u.login
            """, database: db)
        #expect(owed.contains { $0[0] == "s1.teacher" }, "\(owed)")
        for row in owed {
            #expect(principalBody.contains("(\(row[0] ?? ""), S01): \(row[1] ?? "") overdue"), "\(row) in \(principalBody)")
        }
        #expect(principalBody.contains("http://portal.test/units/S01/items?owner="), "each person's overdue items linked")
        let elsewhere = principalBody.matches(of: /\([a-z0-9.]+, (S\d+)\)/).map { String($0.1) }
        #expect(!elsewhere.isEmpty && elsewhere.allSatisfy { $0 == "S01" }, "only the principal's school: \(elsewhere)")
        // The officer's digest names the follow-up due this week at their office's school, not the
        // one due in March, and never another office's.
        let officerMail = try sink.delivered(to: officer).filter(Self.isDigest)
        #expect(officerMail.count == 1, "\(officerMail)")
        let officerBody = try Self.decodedBodies(try sink.message(try #require(officerMail.first)))
        #expect(officerBody.contains("Inspection follow-ups due") && officerBody.contains("Bổ sung chữ ký sổ điểm — S01"), "\(officerBody)")
        #expect(officerBody.contains("http://portal.test/inspections/\(near)/follow-ups"))
        #expect(!officerBody.contains("Lập lại kế hoạch giáo dục") && !officerBody.contains("Việc của trường khác"), "\(officerBody)")
        // The teacher has not chosen either: English, as the tenant says.
        #expect(try sink.delivered(to: teacher).contains { ($0["subject"] as? String ?? "").contains("records due in 7 days") })
    }

    @Test func aStalePasswordIsRemindedByMailAtTheAddressTheDirectoryGives() async throws {
        // setup: two accounts of S01 in slapd (one expiring in five days, one expired and locked),
        // each with its own address in the directory and no row in the portal; a demo teacher whose
        // address the portal lost.
        let world = try await TestWorld.make(importing: ["demo"])
        let db = world.database.name
        let admin = try DirectoryAdmin()
        let accounts = try StalePasswordTests.makeAccounts(admin)
        defer { admin.delete(accounts.dns) }
        try await TestEnvironment.ownerExecute("UPDATE users SET email = NULL WHERE login = 's1.teacher'", database: db)
        // Today at 08:00 in Vietnam, or now when later: the reminders' hour has come, and the
        // directory's instants (set from the real clock) keep their meaning.
        let real = Int64(Date().timeIntervalSince1970)
        let morning = VietnamTime.epochSeconds(VietnamTime.date(epochSeconds: real), hour: 8, minute: 0, second: 0)

        // act
        try await withServices(world, clock: FixedClock(epochSeconds: max(real, morning))) { services, mail in
            await DigestScheduler(services: services, mail: mail, interval: .seconds(60)).makeDue()
            await sendAll(services, mail)
        }

        // verify: the expiring account is told, in Vietnamese, at its directory address; the locked one is not.
        let sink = try Self.sink
        let soon = try sink.delivered(to: accounts.soon + "@school.test")
        #expect(soon.count == 1, "\(soon)")
        #expect((soon.first?["subject"] as? String ?? "").contains("mật khẩu tài khoản \(accounts.soon)"))
        let text = try Self.decodedBodies(try sink.message(try #require(soon.first)))
        #expect(text.contains("sẽ hết hạn sau") && text.contains("http://portal.test/unsubscribe?t="), "\(text)")
        #expect(!text.contains("Demo@2026!"), "never a password")
        #expect(try sink.delivered(to: accounts.old + "@school.test").isEmpty, "a locked account is left to its administrators")
        let rows = try await TestEnvironment.ownerRows("""
            SELECT login, email, source FROM users WHERE login IN ('\(accounts.soon)', '\(accounts.old)', 's1.teacher') ORDER BY login
            """, database: db)
        #expect(rows.contains { $0 == [accounts.soon, accounts.soon + "@school.test", "directory"] }, "\(rows)")
        #expect(!rows.contains { $0[0] == accounts.old }, "no row made for someone not reminded")
        #expect(rows.contains { $0 == ["s1.teacher", "s1.teacher@demo.hoso.vn", "directory"] }, "the lost address taken from the directory")
    }

    @Test func theTenantFileSetsTheRemindersDefaults() throws {
        let yaml = try String(contentsOfFile: try TestEnvironment.repoDirectory + "/tenants/demo/tenant.yaml", encoding: .utf8)
        #expect(try TenantFile.parse(yaml).notifications == NotificationChoice(weekly: true, dayBefore: true, weekday: 1, language: "vi"))
        let sunday = try TenantFile.parse(yaml.replacingOccurrences(of: "  weekday: 1\n  language: vi\n", with: "  weekday: 7\n  language: en\n"))
        #expect(sunday.notifications == NotificationChoice(weekday: 7, language: "en"))
        func problems(_ line: String, _ replacement: String) -> [String] {
            do { _ = try TenantFile.parse(yaml.replacingOccurrences(of: line, with: replacement)); return [] }
            catch { return (error as? HosoErrors)?.errors.compactMap { $0.parameters["field"] } ?? ["?"] }
        }
        #expect(problems("  weekday: 1\n", "  weekday: 8\n") == ["notifications.weekday"])
        #expect(problems("  weekday: 1\n", "  weekday: Monday\n") == ["notifications.weekday"])
        #expect(problems("  language: vi\n", "  language: fr\n") == ["notifications.language"])
        #expect(problems("  weekly: true\n", "  weekly: often\n") == ["notifications.weekly"])
    }

    @Test func aTemporaryRefusalIsTriedAgainAndAPermanentOneIsMarkedFailed() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let db = world.database.name
        let tenantID = try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM tenants WHERE code = 'demo'", database: db)
            .flatMap { Int64($0) })
        let busy = "busy.\(UUID().uuidString.prefix(8).lowercased())@school.test"
        let gone = "gone.\(UUID().uuidString.prefix(8).lowercased())@school.test"
        let sink = try Self.sink
        try sink.control { current in
            var control = current
            var tempfail = control["tempfail"] as? [String: Int] ?? [:]
            tempfail[busy] = 2
            control["tempfail"] = tempfail
            control["reject"] = (control["reject"] as? [String] ?? []) + [gone]
            return control
        }
        try await withServices(world, clock: SystemClock()) { services, mail in
            let outbox = OutboxStore(database: services.database, logger: services.logger)
            let messages = try [busy, gone].map { address in
                OutgoingMessage(kind: "test", dedupe: nil, recipientUserID: nil, address: try #require(MailAddress(address)), language: "vi",
                                subject: "Thử", text: "Thư thử\n", html: "<p>Thư thử</p>")
            }
            #expect(try await outbox.enqueue(tenantID: tenantID, messages, host: mail.messageHost) == 2)
            for _ in 0..<3 {
                await sendAll(services, mail)
                // The waits between attempts are the policy's (30 s, then 60 s); the test does not wait them out.
                try await TestEnvironment.ownerExecute("UPDATE outbox SET next_attempt_at = now() WHERE state = 'queued'", database: db)
            }
        }
        let rows = try await TestEnvironment.ownerRows("SELECT address, state, attempts::text, last_answer FROM outbox ORDER BY id", database: db)
        #expect(rows.first { $0[0] == busy }?[1] == "sent" && rows.first { $0[0] == busy }?[2] == "3", "\(rows)")
        let failed = try #require(rows.first { $0[0] == gone })
        #expect(failed[1] == "failed" && failed[2] == "1" && (failed[3] ?? "").contains("550"), "\(failed)")
        #expect(try sink.delivered(to: busy).count == 1)
        #expect(try sink.delivered(to: gone).isEmpty)
    }

    @Test func noCarriageReturnOrLineFeedReachesAHeader() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let db = world.database.name
        let tenantID = try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM tenants WHERE code = 'demo'", database: db)
            .flatMap { Int64($0) })
        let address = "evil.\(UUID().uuidString.prefix(8).lowercased())@school.test"
        // A malformed address is refused before anything is queued.
        #expect(MailAddress("a@b.vn\r\nBcc: x@evil.test") == nil && MailAddress("no-at-sign") == nil && MailAddress("a b@c.vn") == nil)
        try await withServices(world, clock: SystemClock()) { services, mail in
            let message = OutgoingMessage(
                kind: "test", dedupe: nil, recipientUserID: nil,
                address: try #require(MailAddress(address, name: "Nguyễn\r\nBcc: spy@evil.test")), language: "vi",
                subject: "Sổ điểm\r\nBcc: spy@evil.test", text: "x\n", html: "<p>x</p>")
            try await OutboxStore(database: services.database, logger: services.logger).enqueue(tenantID: tenantID, [message], host: mail.messageHost)
            await sendAll(services, mail)
        }
        let delivered = try Self.sink.delivered(to: address)
        #expect(delivered.count == 1)
        let text = try Self.sink.message(try #require(delivered.first))
        let headers = text.components(separatedBy: "\r\n\r\n").first ?? ""
        #expect(!headers.lowercased().contains("bcc:"), "\(headers)")
        #expect((delivered.first?["subject"] as? String ?? "").hasPrefix("Sổ điểm"))
    }

    @Test func anUnsubscribeLinkThatIsForgedExpiredOrForeignChangesNothing() async throws {
        let world = try await TestWorld.make(importing: ["demo", "demo2"], records: [Self.year])
        let db = world.database.name
        let key = String(repeating: "k", count: 40)
        let user = try #require(try await TestEnvironment.ownerValue("SELECT u.id::text FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.code = 'demo' AND u.login = 's1.teacher'", database: db)
            .flatMap { Int64($0) })
        let demo = try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM tenants WHERE code = 'demo'", database: db).flatMap { Int64($0) })
        let demo2 = try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM tenants WHERE code = 'demo2'", database: db).flatMap { Int64($0) })
        let now = Int64(Date().timeIntervalSince1970)
        let genuine = UnsubscribeToken.make(tenantID: demo, userID: user, now: now, key: key)
        let forged = UnsubscribeToken.make(tenantID: demo, userID: user, now: now, key: String(repeating: "x", count: 40))
        let expired = UnsubscribeToken.make(tenantID: demo, userID: user, now: now - UnsubscribeToken.lifetime - 10, key: key)
        let foreign = UnsubscribeToken.make(tenantID: demo2, userID: user, now: now, key: key)
        let altered = genuine.replacingOccurrences(of: "\(demo).\(user).", with: "\(demo).\(user + 1).")
        var configured = world
        configured.configuration.mail = try Self.mail(linkKey: key)
        try await configured.withApp { client in
            for token in [forged, expired, foreign, altered, "", String(repeating: "9", count: 300)] {
                let page = try await client.execute(uri: "/unsubscribe?t=" + token, method: .get)
                #expect(page.status == .notFound, "GET \(token.prefix(30))")
                let refused = try await client.execute(uri: "/unsubscribe", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                       body: ByteBuffer(string: "t=" + token))
                #expect(refused.status == .notFound, "POST \(token.prefix(30))")
            }
            #expect(try await TestEnvironment.ownerValue("SELECT count(*)::text FROM notification_settings", database: db) == "0",
                    "nothing changed")
            let page = try await client.execute(uri: "/unsubscribe?t=" + genuine, method: .get)
            #expect(page.status == .ok)
            let done = try await client.execute(uri: "/unsubscribe", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "t=" + genuine))
            #expect(done.status == .ok)
        }
        let choice = try await TestEnvironment.ownerRows("SELECT weekly::text, day_before::text FROM notification_settings WHERE user_id = \(user)",
                                                         database: db)
        #expect(choice == [["false", "false"]])
    }

    @Test func aKillWhileSendingNeitherLosesNorDoublesAMessage() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let db = world.database.name
        let tenantID = try #require(try await TestEnvironment.ownerValue("SELECT id::text FROM tenants WHERE code = 'demo'", database: db)
            .flatMap { Int64($0) })
        let address = "held.\(UUID().uuidString.prefix(8).lowercased())@school.test"
        let sink = try Self.sink
        // The sink holds its answer to DATA for this address: the server is killed while it waits.
        try sink.control { current in
            var control = current
            var hold = control["hold"] as? [String: Double] ?? [:]
            hold[address] = 4
            control["hold"] = hold
            return control
        }
        let mail = try Self.mail()
        try await withDatabase(try world.database.appURL) { pool in
            try await OutboxStore(database: pool, logger: TestEnvironment.logger).enqueue(tenantID: tenantID, [OutgoingMessage(
                kind: "test", dedupe: nil, recipientUserID: nil, address: try #require(MailAddress(address)), language: "vi",
                subject: "Giữ lại", text: "x\n", html: "<p>x</p>")], host: mail.messageHost)
        }
        let port = try TestEnvironment.value("HOSO_TEST_SMTP_PORT")
        let server = try ServerProcess(world: world, settings: [
            "HOSO_SMTP_URL": "smtp://127.0.0.1:\(port)", "HOSO_SMTP_FROM": "hoso@portal.test", "HOSO_SMTP_STARTTLS": "off",
            "HOSO_SMTP_LEASE_SECONDS": "2", "HOSO_MAIL_LINK_KEY": String(repeating: "k", count: 40), "HOSO_PUBLIC_URL": "http://portal.test"])
        func state() async throws -> String? {
            try await TestEnvironment.ownerValue("SELECT state FROM outbox WHERE address = '\(address)'", database: db)
        }
        try server.start()
        var claimed = false
        for _ in 0..<80 where !claimed {
            claimed = try await state() == "sending"
            if !claimed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(claimed, "the sender took the message")
        try await Task.sleep(for: .milliseconds(500))
        server.kill()
        // The sink never answered: the message is not kept, and the outbox still holds it as being sent.
        try await Task.sleep(for: .seconds(4))
        #expect(try sink.delivered(to: address).isEmpty)
        let afterKill = try await state()
        #expect(afterKill == "sending" || afterKill == "queued", "not sent, not lost: \(afterKill ?? "gone")")
        try sink.control { current in
            var control = current
            var hold = control["hold"] as? [String: Double] ?? [:]
            hold[address] = nil
            control["hold"] = hold
            return control
        }
        // Restarted: once the dead sender's lease has run out, the message goes, once, with the same Message-ID.
        try server.start()
        defer { server.kill() }
        var sent = false
        for _ in 0..<100 where !sent {
            sent = try await state() == "sent"
            if !sent { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(sent)
        let delivered = try sink.delivered(to: address)
        let stored = try await TestEnvironment.ownerValue("SELECT message_id FROM outbox WHERE address = '\(address)'", database: db)
        #expect(delivered.count == 1 && delivered.first?["message_id"] as? String == stored, "\(delivered)")
    }

    /// A digest, not the weekly password reminder (the demo's directory accounts never changed
    /// their initial passwords, so each gets one too).
    static func isDigest(_ entry: [String: Any]) -> Bool {
        let subject = entry["subject"] as? String ?? ""
        return !subject.contains("mật khẩu") && !subject.contains("password")
    }

    /// The text and HTML parts of a message, decoded.
    static func decodedBodies(_ message: String) throws -> String {
        var result = ""
        for part in message.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").dropFirst() {
            let encoded = part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
            result += String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
        }
        return result
    }
}
