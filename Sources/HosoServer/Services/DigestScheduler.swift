import Foundation
import HosoCore
import HosoStore
import Logging
import ServiceLifecycle

/// Makes the reminders once a day per tenant, from 07:00 in Vietnam (`ReminderRules`): each
/// person's weekly digest (what is due in the next seven days, what is overdue, what was returned)
/// on the weekday they chose, a short note the day before a deadline, and for each approver (group
/// head, vice principal, principal) what waits for their decision and since when, with a principal's
/// overdue items by person; for officers and inspectors their unit's figures, the change since last
/// week and the inspection follow-ups due. Everything goes into the
/// outbox in one transaction with the day's record, under the tenant's reminder lock: one process
/// makes them, a crash leaves neither, and a day is never made twice.
struct DigestScheduler: Service {
    let services: AppServices
    let mail: MailConfiguration
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        while !Task.isCancelled {
            await makeDue()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// Makes today's reminders of every tenant whose day has come and not been made; returns how
    /// many messages were queued. `anyHour`: before 07:00 too (`hoso reminders`).
    @discardableResult
    func makeDue(anyHour: Bool = false) async -> Int {
        let now = services.clock.now()
        let hour = Int((now + Int64(VietnamTime.offsetSeconds)) % 86_400) / 3600
        guard anyHour || hour >= ReminderRules.sendingHour else { return 0 }
        var queued = 0
        for tenant in (try? await services.tenants.tenants()) ?? [] where tenant.mergedInto == nil {
            do {
                queued += try await make(tenantID: tenant.id, now: now)
            } catch {
                services.logger.warning("reminders not made", metadata: ["tenant": "\(tenant.code)", "error": "\(String(reflecting: error))"])
            }
        }
        return queued
    }

    func make(tenantID: Int64, now: Int64) async throws -> Int {
        let today = VietnamTime.date(epochSeconds: now)
        let store = DigestStore(database: services.database, logger: services.logger)
        // Once the day is made (by this process or another), nothing is read again until tomorrow.
        if try await store.ran(tenantID: tenantID, kind: "daily", period: today.iso) { return 0 }
        // The directory first: addresses for people who never signed in, and whose password to remind.
        let directory = await directoryAccounts(tenantID: tenantID, today: today, now: now)
        let reminded = directory.filter { $0.notice != nil }
        if !directory.isEmpty {
            try await store.takeAddresses(tenantID: tenantID, directory.map {
                DigestStore.DirectoryPerson(login: $0.account.login, dn: $0.account.dn, displayName: $0.account.displayName, email: $0.account.email)
            }, reminded: Set(reminded.map(\.account.login)))
        }
        let passwordPeople = reminded.isEmpty ? [] : try await store.people(tenantID: tenantID, logins: reminded.map(\.account.login))
        let notices = Dictionary(reminded.compactMap { line in line.notice.map { (line.account.login, $0) } }, uniquingKeysWith: { first, _ in first })
        let recipients = try await store.teacherRecipients(tenantID: tenantID, now: now, days: ReminderRules.horizonDays,
                                                         pastDays: ReminderRules.overdueDays)
        let approvers = try await store.approverRecipients(tenantID: tenantID)
        let principals = try await store.principalsOverdue(tenantID: tenantID, since: now - Int64(ReminderRules.overdueDays) * 86_400)
        // Officers and inspectors: their units' figures now, read before the day's transaction.
        let week = ReminderRules.week(of: today)
        var watched: [(DigestStore.Watcher, MailAddress, ComplianceQuery.View)] = []
        var unaddressed = 0
        let watchers = try await store.watchers(tenantID: tenantID)
            .filter { ReminderRules.weeklyDue(today: today, chosenWeekday: $0.weekday, weekly: $0.weekly) }
        if !watchers.isEmpty {
            let query = ComplianceQuery(services: services)
            let selection = try await query.selection(query: [:], tenantID: tenantID)
            for watcher in watchers {
                guard let address = watcher.email.flatMap({ MailAddress($0, name: watcher.displayName) }) else {
                    unaddressed += 1
                    continue
                }
                guard let unit = try await services.units.units(tenantID: tenantID, ids: [watcher.unitID]).first else { continue }
                watched.append((watcher, address, try await query.view(tenantID: tenantID, unit: unit, selection, weeks: false)))
            }
        }
        let (officers, unreachable) = (watched, unaddressed)
        let followUps = officers.isEmpty ? [:]
            : try await store.followUpsDue(tenantID: tenantID, until: today.adding(days: ReminderRules.followUpDays).iso)
        let shown = Array(Set(officers.flatMap { [$0.2.unit.id] + $0.2.children.map(\.id) }))
        let lastWeek = try await store.figures(tenantID: tenantID, unitIDs: shown, week: today.monday.adding(days: -7).iso)
        let composer = DigestComposer(localizer: services.localizer, mail: mail)
        let host = mail.messageHost
        let done = try await store.once(tenantID: tenantID, kind: "daily", period: today.iso) { database in
            var messages: [OutgoingMessage] = []
            var skipped = 0
            for person in recipients {
                let weekly = ReminderRules.weeklyDue(today: today, chosenWeekday: person.weekday, weekly: person.weekly)
                let tomorrow = person.dayBefore ? person.items.filter { $0.kind == .due && ReminderRules.dueTomorrow($0.dueAt, today: today) } : []
                guard weekly || !tomorrow.isEmpty else { continue }
                // A missing or malformed address: skipped, and listed on the outbox page.
                guard let address = person.email.flatMap({ MailAddress($0, name: person.displayName) }) else {
                    skipped += 1
                    continue
                }
                let token = UnsubscribeToken.make(tenantID: tenantID, userID: person.userID, now: now, key: mail.linkKey)
                if weekly {
                    messages.append(composer.weekly(person, address: address, token: token,
                                                    dedupe: "weekly.\(person.userID).\(ReminderRules.week(of: today))"))
                }
                if !tomorrow.isEmpty {
                    messages.append(composer.dayBefore(person, items: tomorrow, address: address, token: token,
                                                       dedupe: "note.\(person.userID).\(today.adding(days: 1).iso)"))
                }
            }
            // What waits for each approver's decision, and for a principal the school's overdue items
            // by person, on their weekly day.
            let overdueByPrincipal = Dictionary(principals.map { ($0.principal.userID, $0.people) }, uniquingKeysWith: { $0 + $1 })
            let waiting = Set(approvers.map(\.userID))
            let heads = approvers + principals.map(\.principal).filter { !waiting.contains($0.userID) }
            for person in heads where ReminderRules.weeklyDue(today: today, chosenWeekday: person.weekday, weekly: person.weekly) {
                guard let address = person.email.flatMap({ MailAddress($0, name: person.displayName) }) else {
                    skipped += 1
                    continue
                }
                let token = UnsubscribeToken.make(tenantID: tenantID, userID: person.userID, now: now, key: mail.linkKey)
                messages.append(composer.approvals(person, overdue: overdueByPrincipal[person.userID] ?? [], address: address, token: token,
                                                   dedupe: "approvals.\(person.userID).\(ReminderRules.week(of: today))"))
            }
            // A reminder to change a password, on the person's weekly day.
            for person in passwordPeople where ReminderRules.weeklyDue(today: today, chosenWeekday: person.weekday, weekly: person.weekly) {
                guard let notice = notices[person.login] else { continue }
                guard let address = person.email.flatMap({ MailAddress($0, name: person.displayName) }) else {
                    skipped += 1
                    continue
                }
                let token = UnsubscribeToken.make(tenantID: tenantID, userID: person.userID, now: now, key: mail.linkKey)
                messages.append(composer.password(person, notice: notice, address: address, token: token,
                                                  dedupe: "password.\(person.userID).\(week)"))
            }
            // Each officer's unit, with the change since last week's digest; this week's figures kept for the next.
            skipped += unreachable
            var kept: [Int64: (completeness: Double?, timeliness: Double?)] = [:]
            for (watcher, address, view) in officers {
                let token = UnsubscribeToken.make(tenantID: tenantID, userID: watcher.userID, now: now, key: mail.linkKey)
                messages.append(composer.officer(watcher, address: address, view: view, previous: lastWeek,
                                                 followUps: followUps[.init(userID: watcher.userID, unitID: watcher.unitID)] ?? [],
                                                 now: now, token: token, dedupe: "officer.\(watcher.userID).\(watcher.unitID).\(week)"))
                kept[view.unit.id] = (view.total.completeness, view.total.timeliness)
                for child in view.children { kept[child.id] = (view.counts(of: child).completeness, view.counts(of: child).timeliness) }
            }
            try await DigestStore(database: database, logger: services.logger)
                .keepFigures(tenantID: tenantID, week: week, kept.map { ($0.key, $0.value.completeness, $0.value.timeliness) })
            let made = try await OutboxStore(database: database, logger: services.logger).enqueue(tenantID: tenantID, messages, host: host)
            return (made, skipped)
        }
        return done?.made ?? 0
    }

    /// The tenant's accounts as its directory gives them now (through the service account), each
    /// with the password reminder it is due. None when the tenant has no directory or it cannot
    /// answer: the day's digests go out without them (logged), and next week's reminder comes.
    func directoryAccounts(tenantID: Int64, today: LocalDate, now: Int64) async -> [(account: PasswordAccount, notice: PasswordNotice?)] {
        do {
            guard let tenant = try await services.tenants.tenant(id: tenantID),
                  let settings = services.configuration.directorySettings(for: tenant) else { return [] }
            let codes = Set(try await services.units.tree(tenantID: tenantID, asOf: today).map { $0.unit.code.uppercased() })
            let accounts = try await services.directory.passwordAccounts(
                settings: settings, bindPassword: services.configuration.bindPassword(for: settings), rules: tenant.groupRules, unitCodes: codes)
            return accounts.map { ($0, PasswordAge.mailNotice($0.facts, settings: settings.passwordAge, now: now)) }
        } catch {
            services.logger.warning("directory not read for reminders", metadata: ["tenant": "\(tenantID)", "error": "\(error)"])
            return []
        }
    }
}

/// `hoso reminders`: makes today's reminders of every tenant now, whatever the hour (a demo that
/// starts at night, an operator after an outage), once per day as the server's job does: a later
/// run, or the server's own at 07:00, queues nothing more that day. The running server's sender
/// delivers them. Returns how many messages were queued.
public func makeRemindersNow(configuration: AppConfiguration, logger: Logger) async throws -> Int {
    guard let mail = configuration.mail else {
        throw ConfigurationError(problems: ["HOSO_SMTP_URL is not set: reminders are neither made nor sent"])
    }
    let services = try await makeServices(configuration: configuration, logger: logger)
    return await withTaskGroup(of: Int?.self) { group in
        group.addTask { await services.database.run(); return nil }
        defer { group.cancelAll() }
        return await DigestScheduler(services: services, mail: mail, interval: .seconds(60)).makeDue(anyHour: true)
    }
}
