import Foundation
import HosoCore
import HosoStore
import Logging
import PostgresNIO

/// A realistic past for a tenant's own items up to today (`hoso demo story`, run by `make run`):
/// the synthetic province's timing (`SyntheticProvince.simulate`: most items a few days before
/// their deadline, some late, some never; approvals a few days apart; a few returned), applied to
/// the items the tenant's people really have, deterministic from a seed.
///
/// Written as the workflow writes it, backdated: a version (a placeholder PDF) uploaded by the item's
/// person, a `submit` event, an `approve` event for each step by someone who holds that step's role
/// at the school (its group's head for a group head's step), a `lock` by the principal, or a
/// `return` with a comment; the item's state, status and times; one audit entry per item
/// (`demo.story`, with the times it stands for). The obligations' trigger keeps the dashboards'
/// counts exact. A step nobody holds at the school waits there, as approvals do.
///
/// A step whose approval needs a signature (the rule-set's `signature: required`, a clerk's seal
/// step) is approved only with one, as `RecordDecisions.approve` asks: made by `signing` (the
/// key store's, as the app's approvals make them) with the approver's key, or the school's seal,
/// valid at the approval's time, and stored as an approval's signatures are
/// (`SignatureStore.signTold`). Without such a key (or without `signing`) the record waits at
/// that step, as it would in the app; a step every named signer signs (a transcript's subject
/// teachers) waits too.
///
/// Only items nobody has touched (revision 0, no version) are written, one school per transaction:
/// a second run, or a run cut short and started again, writes nothing twice, and items that have
/// come due since the last run get their past now.
public struct DemoStory: Sendable {
    let database: Database
    let blobs: BlobStore
    let clock: any WallClock
    let logger: Logger
    /// The signing step for a tenant's approvals (`SigningService.hosoSigning`); `nil`: no key store.
    let signing: (@Sendable (Int64) -> SigningStep)?

    public init(database: Database, blobs: BlobStore, clock: any WallClock, logger: Logger,
                signing: (@Sendable (_ tenantID: Int64) -> SigningStep)? = nil) {
        self.database = database
        self.blobs = blobs
        self.clock = clock
        self.logger = logger
        self.signing = signing
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var schools = 0
        public var items = 0
        public var submitted = 0
        public var late = 0
        public var decisions = 0
        public var returned = 0
        public var waiting = 0
        /// Signatures and seals made on approvals.
        public var signatures = 0
        /// Approvals that wait because a signature was due and no key could make it then.
        public var waitingForKey = 0
        public var description: String {
            "\(items) untouched items due by next week in \(schools) schools: \(submitted) submitted (\(late) late), \(decisions) decisions, "
                + "\(returned) returned, \(waiting) waiting for approval, \(signatures) signatures and seals"
                + (waitingForKey > 0 ? " (\(waitingForKey) approvals wait for a signing key)" : "")
        }
    }

    struct Item {
        let id: Int64
        let unitID: Int64
        let ruleSetID: Int64
        let recordType: String
        let period: String
        let ownerUserID: Int64?
        let dueAt: Int64
    }

    public func tell(tenant code: String, seed: UInt64, progress: (String) -> Void) async throws -> Summary {
        let logger = self.logger
        guard let tenantID = try await database.withTransaction({ connection in
            try await connection.fetchAll("SELECT id FROM tenants WHERE code = \(code)", Int64.self, logger: logger).first
        }) else { throw HosoError("tenant.merge_unknown_tenant", ["tenant": code]) }
        let now = clock.now()
        let placeholders = try await SyntheticProvince(app: database, owner: database, blobs: blobs, clock: clock, logger: logger)
            .storePlaceholders(tenantID: tenantID)
        let schools = try await database.withTenant(tenantID) { connection in
            try await connection.fetchAll("""
                SELECT DISTINCT o.unit_id FROM obligations o
                WHERE o.tenant_id = \(tenantID) AND o.state = 'open' AND o.revision = 0 AND o.current_version_id IS NULL
                  AND NOT o.withdrawn AND o.exempt_reason IS NULL AND o.due_at <= to_timestamp(\(now + 7 * 86_400))
                ORDER BY 1
                """, Int64.self, logger: logger)
        }
        var summary = Summary()
        let keys = try await database.withTenant(tenantID) { connection in
            try await Keys.read(tenantID: tenantID, connection: connection, logger: logger)
        }
        let signing = self.signing.map { $0(tenantID) }
        var chains: [String: Chain] = [:]
        let rules = RuleSetStore(database: database, logger: logger)
        for (index, school) in schools.enumerated() {
            progress("story \(code): school \(index + 1)/\(schools.count)")
            let items = try await database.withTenant(tenantID) { connection in
                try await connection.fetchAll("""
                    SELECT o.id, o.unit_id, o.rule_set_id, o.record_type, o.period_kind || ':' || o.period_number, o.owner_user_id,
                           extract(epoch FROM o.due_at)::bigint
                    FROM obligations o
                    WHERE o.tenant_id = \(tenantID) AND o.unit_id = \(school) AND o.state = 'open' AND o.revision = 0
                      AND o.current_version_id IS NULL AND NOT o.withdrawn AND o.exempt_reason IS NULL
                      AND o.due_at <= to_timestamp(\(now + 7 * 86_400))
                    ORDER BY o.id
                    """, (Int64, Int64, Int64, String, String, Int64?, Int64).self, logger: logger).map {
                    Item(id: $0.0, unitID: $0.1, ruleSetID: $0.2, recordType: $0.3, period: $0.4, ownerUserID: $0.5, dueAt: $0.6)
                }
            }
            for item in items where chains["\(item.ruleSetID):\(item.recordType)"] == nil {
                let type = try await rules.recordType(tenantID: tenantID, ruleSetID: item.ruleSetID, code: item.recordType)
                chains["\(item.ruleSetID):\(item.recordType)"] = Chain(type)
            }
            let known = chains
            let told = try await database.withTenant(tenantID) { connection in
                try await Self.tell(items, school: school, tenantID: tenantID, chains: known, placeholders: placeholders, seed: seed,
                                    now: now, keys: keys, signing: signing, connection: connection, logger: logger)
            }
            summary.schools += 1
            summary.items += told.items
            summary.submitted += told.submitted
            summary.late += told.late
            summary.decisions += told.decisions
            summary.returned += told.returned
            summary.waiting += told.waiting
            summary.signatures += told.signatures
            summary.waitingForKey += told.waitingForKey
        }
        return summary
    }

    /// A record type's approval steps, who submits it, and which steps need a signature.
    struct Chain: Sendable {
        let steps: [Role]
        let submitter: Role
        /// Per step: its approval needs a signature (a seal step's is the school's seal).
        var signed: [Bool]
        var seal: [Bool]
        /// Per step: every named signer signs it (not told: the step waits).
        var shared: [Bool]
        /// The last approval seals too (`seal: automatic`).
        var sealAutomatic = false

        init(steps: [Role], submitter: Role) {
            self.steps = steps
            self.submitter = submitter
            signed = steps.map { _ in false }
            seal = signed
            shared = signed
        }

        init(_ type: RecordType) {
            steps = type.chain.steps.map(\.role)
            submitter = type.submitter
            signed = type.chain.steps.map(\.signatureRequired)
            seal = type.chain.steps.map(\.seal)
            shared = type.chain.steps.map { $0.signers != .anyHolder }
            sealAutomatic = type.chain.sealAutomatic
        }
    }

    /// The tenant's signing keys the key store holds (a person's, a school's seal), with when each is valid.
    struct Keys: Sendable {
        var people: [Int64: [ClosedRange<Int64>]] = [:]
        var units: [Int64: [ClosedRange<Int64>]] = [:]

        static func read(tenantID: Int64, connection: PostgresConnection, logger: Logger) async throws -> Keys {
            var keys = Keys()
            for (user, unit, from, until) in try await connection.fetchAll("""
                SELECT owner_user_id, owner_unit_id, extract(epoch FROM not_before)::bigint, extract(epoch FROM not_after)::bigint
                FROM signing_keys WHERE tenant_id = \(tenantID) AND state = 'active' AND key_ref IS NOT NULL AND not_before <= not_after
                """, (Int64?, Int64?, Int64, Int64).self, logger: logger) {
                if let user { keys.people[user, default: []].append(from...until) }
                if let unit { keys.units[unit, default: []].append(from...until) }
            }
            return keys
        }

        func person(_ id: Int64, at time: Int64) -> Bool { people[id]?.contains { $0.contains(time) } ?? false }
        func unit(_ id: Int64, at time: Int64) -> Bool { units[id]?.contains { $0.contains(time) } ?? false }
    }

    /// Who may act at a school: the holders of each role there or above it (the first by id), and
    /// each group member's group head.
    struct Actors {
        var byRole: [String: (id: Int64, login: String)] = [:]
        var headOf: [Int64: (id: Int64, login: String)] = [:]
        var logins: [Int64: String] = [:]

        func actor(for role: Role, owner: Int64?) -> (id: Int64, login: String)? {
            switch role {
            case .subjectGroupHead, .officeGroupHead: return owner.flatMap { headOf[$0] }
            default: return byRole[role.rawValue]
            }
        }
    }

    static func actors(school: Int64, tenantID: Int64, connection: PostgresConnection, logger: Logger) async throws -> Actors {
        var actors = Actors()
        for (role, user, login) in try await connection.fetchAll("""
            SELECT DISTINCT ON (g.role) g.role, g.user_id, u.login
            FROM user_grants g JOIN units gu ON gu.id = g.unit_id JOIN units s ON s.id = \(school) AND s.path <@ gu.path
            JOIN users u ON u.id = g.user_id
            WHERE g.tenant_id = \(tenantID)
            ORDER BY g.role, gu.path DESC, g.user_id
            """, (String, Int64, String).self, logger: logger) {
            actors.byRole[role] = (user, login)
        }
        for (member, head, login) in try await connection.fetchAll("""
            SELECT DISTINCT ON (m.user_id) m.user_id, h.user_id, u.login
            FROM group_members m JOIN school_groups sg ON sg.id = m.group_id AND sg.unit_id = \(school)
            JOIN group_members h ON h.group_id = m.group_id AND h.is_head AND h.user_id <> m.user_id
            JOIN users u ON u.id = h.user_id
            WHERE m.tenant_id = \(tenantID)
            ORDER BY m.user_id, h.user_id
            """, (Int64, Int64, String).self, logger: logger) {
            actors.headOf[member] = (head, login)
        }
        for (id, login) in try await connection.fetchAll("""
            SELECT DISTINCT u.id, u.login FROM users u JOIN obligations o ON o.owner_user_id = u.id WHERE o.unit_id = \(school)
            """, (Int64, String).self, logger: logger) {
            actors.logins[id] = login
        }
        return actors
    }

    static func tell(_ items: [Item], school: Int64, tenantID: Int64, chains: [String: Chain],
                     placeholders: [(sha256: String, size: Int64)], seed: UInt64, now: Int64, keys: Keys, signing: SigningStep?,
                     connection: PostgresConnection, logger: Logger) async throws -> Summary {
        var summary = Summary()
        let actors = try await actors(school: school, tenantID: tenantID, connection: connection, logger: logger)
        for item in items {
            let type = chains["\(item.ruleSetID):\(item.recordType)"] ?? Chain(steps: [.principal], submitter: .teacher)
            let chain = type.steps
            summary.items += 1
            // Seeded per item: the same seed tells the same past, whatever ran before.
            var random = SyntheticProvince.Random(seed: seed ^ UInt64(bitPattern: item.id) &* 0x9E37_79B9)
            let simulated = SyntheticProvince.simulate(dueAt: item.dueAt, chain: chain, now: now, random: &random)
            // A school's own books are uploaded by whoever holds the submitting role there; nobody, nothing.
            guard let submittedAt = simulated.submittedAt,
                  let uploader = item.ownerUserID.flatMap({ id in actors.logins[id].map { (id: id, login: $0) } })
                      ?? actors.byRole[Role.schoolAdministrator.rawValue]
            else { continue }
            summary.submitted += 1
            if submittedAt > item.dueAt { summary.late += 1 }

            // The steps it got through, each by someone who holds the step's role (a step nobody holds waits).
            let wanted: Int
            switch simulated.state {
            case "approved", "locked": wanted = chain.count
            case "awaiting": wanted = simulated.step ?? 0
            default: wanted = 0
            }
            var deciders: [(id: Int64, login: String, role: Role)] = []
            for role in chain.prefix(wanted) {
                guard let actor = actors.actor(for: role, owner: item.ownerUserID) else { break }
                deciders.append((actor.id, actor.login, role))
            }
            let returned = simulated.state == "returned"
            let principal = actors.byRole[Role.principal.rawValue]
            let lastAt = max(simulated.lastEventAt ?? submittedAt, submittedAt)
            // A step that needs a signature goes through only with a key valid at its time; the
            // record waits at the first that has none (fewer steps spread later: still valid).
            func signable(_ index: Int, _ approver: Int64, at time: Int64) -> Bool {
                guard type.signed[index] else { return true }
                guard signing != nil, !type.shared[index] else { return false }
                if type.seal[index] { return keys.unit(item.unitID, at: time) }
                let sealsToo = index == chain.count - 1 && type.sealAutomatic
                return keys.person(approver, at: time) && (!sealsToo || keys.unit(item.unitID, at: time))
            }
            var locked: Bool, steps: Int
            repeat {
                locked = simulated.state == "locked" && deciders.count == chain.count && principal != nil
                steps = deciders.count + (returned ? 1 : 0) + (locked ? 1 : 0)
                let (count, span) = (Int64(steps), lastAt - submittedAt)
                guard let blocked = deciders.indices.first(where: { index in
                    !signable(index, deciders[index].id, at: count == 0 ? submittedAt : submittedAt + span * Int64(index + 1) / count)
                }) else { break }
                deciders.removeLast(deciders.count - blocked)
                summary.waitingForKey += 1
            } while true
            func at(_ index: Int) -> Int64 { steps == 0 ? submittedAt : submittedAt + (lastAt - submittedAt) * Int64(index) / Int64(steps) }

            let blob = placeholders[random.below(placeholders.count)]
            let version = try await connection.fetchAll("""
                INSERT INTO record_versions (tenant_id, obligation_id, version, sha256, size, media_type, format, filename, uploaded_by, uploaded_at)
                VALUES (\(tenantID), \(item.id), 1, \(blob.sha256), \(blob.size), 'application/pdf', 'pdf',
                        \("\(item.recordType)-\(item.period.replacingOccurrences(of: ":", with: "-")).pdf"), \(uploader.id),
                        to_timestamp(\(submittedAt)))
                RETURNING id
                """, Int64.self, logger: logger)[0]
            var events: [(kind: String, step: Int?, actor: Int64, login: String, role: String, comment: String?, at: Int64)] = [
                ("submit", nil, uploader.id, uploader.login, type.submitter.rawValue, nil, submittedAt),
            ]
            for (index, decider) in deciders.enumerated() {
                events.append(("approve", index, decider.id, decider.login, decider.role.rawValue, nil, at(index + 1)))
            }
            let state: String, status: String, step: Int?, awaiting: String?
            if returned, let first = chain.first, let actor = actors.actor(for: first, owner: item.ownerUserID) {
                events.append(("return", 0, actor.id, actor.login, first.rawValue, "Đề nghị bổ sung và nộp lại.", at(steps)))
                (state, status, step, awaiting) = ("returned", "returned", 0, nil)
                summary.returned += 1
            } else if deciders.count == chain.count {
                if locked, let principal {
                    events.append(("lock", nil, principal.id, principal.login, Role.principal.rawValue, nil, at(steps)))
                }
                (state, status, step, awaiting) = locked ? ("locked", "locked", nil, nil) : ("approved", "approved", nil, nil)
            } else {
                (state, status, step, awaiting) = ("awaiting", submittedAt > item.dueAt ? "late" : "submitted", deciders.count,
                                                   chain[deciders.count].rawValue)
                summary.waiting += 1
            }
            summary.decisions += events.count - 1
            // The item is claimed first: a signature reads the record as it now stands (its version).
            let changed = try await connection.fetchAll("""
                UPDATE obligations SET state = \(state), step = \(step), awaiting_role = \(awaiting), status = \(status),
                       first_submitted_at = to_timestamp(\(submittedAt)), last_event_at = to_timestamp(\(events.last?.at ?? submittedAt)),
                       current_version_id = \(version), revision = \(events.count)
                WHERE id = \(item.id) AND revision = 0 AND current_version_id IS NULL AND state = 'open'
                RETURNING id
                """, Int64.self, logger: logger)
            // Someone acted on it meanwhile: the whole school's story is taken back, and told again next run.
            guard !changed.isEmpty else { throw HosoError("demo.item_taken", ["item": String(item.id)]) }
            var complete = false
            for event in events {
                var signed = false
                if event.kind == "approve", let index = event.step, type.signed[index], let signing {
                    // As `RecordStore.decide` does: signed in the approval's transaction, then its event (signed).
                    let made = try await SignatureStore.signTold(
                        connection, tenantID: tenantID, obligationID: item.id, stepIndex: index,
                        approver: (event.actor, event.login), at: event.at, signing: signing, logger: logger)
                    summary.signatures += made.added.count
                    complete = made.complete
                    signed = true
                }
                _ = try await connection.query("""
                    INSERT INTO workflow_events (tenant_id, obligation_id, version_id, kind, step, actor_user_id, actor_role, comment, at, signed)
                    VALUES (\(tenantID), \(item.id), \(version), \(event.kind), \(event.step), \(event.actor), \(event.role), \(event.comment),
                            to_timestamp(\(event.at)), \(signed))
                    """, logger: logger)
            }
            if state == "approved" && complete {
                // An approved book with every signature and its seal counts as signed (`ObligationStatus.of`).
                _ = try await connection.query("UPDATE obligations SET status = 'signed' WHERE id = \(item.id)", logger: logger)
            }
            try await AuditStore.append(tenantID: tenantID, AuditEvent(
                actorUserID: uploader.id, actorLogin: uploader.login, action: "demo.story", unitID: item.unitID, subject: "obligation:\(item.id)",
                details: ["state": state, "submitted_at": VietnamTime.iso(epochSeconds: submittedAt), "events": String(events.count)]
            ), on: connection, logger: logger)
        }
        return summary
    }
}
