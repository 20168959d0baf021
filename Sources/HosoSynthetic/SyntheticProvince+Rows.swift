import Foundation
import HosoCore
import Logging
import NIOCore
import PostgresNIO

/// Realistic timing of submissions and approvals, the seeded random numbers behind it, and the
/// COPY text the batches are loaded with.
extension SyntheticProvince {
    struct Simulated {
        var state = "open"
        var step: Int?
        var awaitingRole: String?
        var status = "pending"
        var submittedAt: Int64?
        var lastEventAt: Int64?
        var revision = 0
    }

    /// Most items come in on time (a few days before the deadline), some late, some never;
    /// approvals follow a few days apart, so that the latest weeks still wait at some step.
    static func simulate(_ item: PlannedObligation, chain: [Role], now: Int64, random: inout Random) -> Simulated {
        simulate(dueAt: item.dueAt, chain: chain, now: now, random: &random)
    }

    /// The same for an item known only by its deadline (the demo's own items, `DemoStory`).
    static func simulate(dueAt: Int64, chain: [Role], now: Int64, random: inout Random) -> Simulated {
        var result = Simulated()
        let day: Int64 = 86_400
        let roll = random.below(1000)
        var submittedAt: Int64?
        if dueAt <= now {
            if roll < 790 {
                submittedAt = dueAt - Int64(random.below(Int(4 * day)))
            } else if roll < 910 {
                let late = dueAt + 3600 + Int64(random.below(Int(18 * day)))
                if late <= now { submittedAt = late }
            }
        } else if dueAt <= now + 7 * day, roll < 450 {
            submittedAt = min(now - 3600, dueAt - Int64(random.below(Int(6 * day))))
        }
        guard let submitted = submittedAt else {
            result.status = dueAt < now ? "missing" : "pending"
            return result
        }
        result.submittedAt = submitted
        result.revision = 1
        let lag = 2 * day + Int64(random.below(Int(4 * day)))
        let done = min(chain.count, Int((now - submitted) / lag))
        result.lastEventAt = submitted + Int64(done) * lag
        result.revision += done
        let lateStatus = submitted > dueAt ? "late" : "submitted"
        if random.below(100) < 4 {
            result.state = "returned"
            result.step = 0
            result.status = "returned"
        } else if done >= chain.count {
            let locked = random.below(100) < 75
            result.state = locked ? "locked" : "approved"
            result.status = locked ? "locked" : "approved"
        } else {
            result.state = "awaiting"
            result.step = done
            result.awaitingRole = chain[done].rawValue
            result.status = lateStatus
        }
        return result
    }

    /// SplitMix64 (`SeededRandom`), seeded per school and per item: the same options give the
    /// same province (and tests that replay changes use it for the same reason).
    typealias Random = SeededRandom

    // MARK: - COPY

    /// The people tables of a batch, as COPY text, in the order their references need.
    struct Tables {
        let order = ["users", "user_grants", "school_staff", "school_groups", "group_members", "school_classes",
                     "homeroom_assignments"]
        let columns: [String: [String]] = [
            "users": ["tenant_id", "id", "login", "source", "display_name"],
            "user_grants": ["tenant_id", "user_id", "role", "unit_id", "source_group"],
            "school_staff": ["tenant_id", "unit_id", "user_id", "valid_from", "source"],
            "school_groups": ["tenant_id", "id", "unit_id", "kind", "code", "name_vi", "name_en"],
            "group_members": ["tenant_id", "group_id", "user_id", "is_head", "valid_from", "source"],
            "school_classes": ["tenant_id", "id", "unit_id", "school_year", "code", "grade"],
            "homeroom_assignments": ["tenant_id", "class_id", "user_id", "valid_from"],
        ]
        var text: [String: String] = [:]

        mutating func add(_ table: String, _ fields: [String]) { text[table, default: ""] += Copy.row(fields) }
        mutating func user(_ t: Int64, _ id: Int64, login: String, name: String) {
            add("users", [String(t), String(id), login, "directory", name])
        }
        mutating func grant(_ t: Int64, _ user: Int64, _ role: String, _ unit: Int64) {
            add("user_grants", [String(t), String(user), role, String(unit), "synthetic"])
        }
        mutating func staff(_ t: Int64, _ unit: Int64, _ user: Int64, from: LocalDate) {
            add("school_staff", [String(t), String(unit), String(user), from.iso, "synthetic"])
        }
        mutating func group(_ t: Int64, _ id: Int64, _ unit: Int64, kind: String, code: String, name: String) {
            add("school_groups", [String(t), String(id), String(unit), kind, code, name, name])
        }
        mutating func member(_ t: Int64, _ group: Int64, _ user: Int64, head: Bool, from: LocalDate) {
            add("group_members", [String(t), String(group), String(user), head ? "t" : "f", from.iso, "synthetic"])
        }
        mutating func schoolClass(_ t: Int64, _ id: Int64, _ unit: Int64, year: String, code: String, grade: Int) {
            add("school_classes", [String(t), String(id), String(unit), year, code, String(grade)])
        }
        mutating func homeroom(_ t: Int64, _ schoolClass: Int64, _ user: Int64, from: LocalDate) {
            add("homeroom_assignments", [String(t), String(schoolClass), String(user), from.iso])
        }
    }

    static func copy(_ connection: PostgresConnection, _ table: String, _ columns: [String], _ text: String,
                     logger: Logger) async throws {
        guard !text.isEmpty else { return }
        let bytes = Array(text.utf8)
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            for start in stride(from: 0, to: bytes.count, by: 1 << 20) {
                try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + (1 << 20), bytes.count)]))
            }
        }
    }

    /// PostgreSQL's COPY text format.
    enum Copy {
        static func row(_ fields: [String]) -> String { fields.joined(separator: "\t") + "\n" }

        static func optional<T: BinaryInteger>(_ value: T?) -> String { value.map { String($0) } ?? "\\N" }

        /// An instant as UTC text.
        static func timestamp(_ seconds: Int64) -> String {
            let date = LocalDate(dayNumber: Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
            let rest = ((seconds % 86_400) + 86_400) % 86_400
            return String(format: "%@ %02d:%02d:%02d+00", date.iso, Int(rest / 3600), Int(rest % 3600 / 60), Int(rest % 60))
        }
    }
}

extension PostgresConnection {
    /// Runs a query and decodes every row (the generator's own: HosoStore keeps its helper internal).
    func fetchAll<each Column: PostgresDecodable>(
        _ query: PostgresQuery, _ types: (repeat each Column).Type, logger: Logger
    ) async throws -> [(repeat each Column)] {
        let rows = try await self.query(query, logger: logger)
        var result: [(repeat each Column)] = []
        for try await row in rows.decode((repeat each Column).self) { result.append(row) }
        return result
    }
}
