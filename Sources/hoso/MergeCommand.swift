import ArgumentParser
import Foundation
import HosoCore
import HosoServer
import HosoStore

extension TenantCommand {
    /// `hoso tenant merge --from haiduong --into haiphong --on 2025-07-01 [--map units.yaml] [--dry-run]`.
    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a whole tenant into another (a province merger) in one transaction: units (re-coded where the target has the code), people, records, signatures, inspections and all. The source is frozen, not deleted; its audit chain is closed and the target's records where it ended. --dry-run prints what would move and every conflict. Needs HOSO_MIGRATION_DATABASE_URL (the database owner)."
        )
        @Option(help: "The tenant that is merged (e.g. haiduong).") var from: String
        @Option(help: "The tenant it joins (e.g. haiphong).") var into: String
        @Option(help: "The date of the merger, yyyy-MM-dd (e.g. 2025-07-01).") var on: String
        @Option(help: "YAML file of new unit codes (old: new); other clashing codes get the prefix <from>-.") var map: String?
        @Flag(help: "Print what would move and every conflict; write nothing.") var dryRun = false

        func validate() throws {
            guard DateParts.isDay(on) else { throw ValidationError("--on must be a date yyyy-MM-dd, not \(on)") }
        }

        func run() async throws {
            var refused = false
            try await reporting {
                let env = ProcessInfo.processInfo.environment
                guard let ownerURL = env["HOSO_MIGRATION_DATABASE_URL"] else {
                    throw ConfigurationError(problems: ["HOSO_MIGRATION_DATABASE_URL (the database owner) is not set"])
                }
                let units = try map.map { try MergeMapFile.load(path: $0) } ?? [:]
                let from = self.from, into = self.into, on = self.on, dryRun = self.dryRun
                let logger = makeLogger(env["HOSO_LOG_LEVEL"] ?? "warning")
                let owner = Database(url: try DatabaseURL(ownerURL), logger: logger, maxConnections: 2, timeout: .seconds(3600))
                let report = try await withThrowingTaskGroup(of: TenantMergeReport?.self) { group in
                    group.addTask { await owner.run(); return nil }
                    defer { group.cancelAll() }
                    return try await TenantMergeStore(owner: owner, clock: SystemClock(), logger: logger)
                        .merge(from: from, into: into, on: on, map: units, dryRun: dryRun)
                }
                print("hoso: \(dryRun ? "dry run: would move" : "merged") tenant \(from) into \(into) on \(on)")
                print(String(repeating: "-", count: 44))
                for (table, count) in report.rows where count > 0 {
                    print(table.padding(toLength: 30, withPad: " ", startingAt: 0)
                          + String(count).leftPadded(8) + "  " + (report.fate[table] ?? ""))
                }
                print(String(repeating: "-", count: 44))
                for recode in report.plan?.recodes ?? [] {
                    print("unit \(recode.from) -> \(recode.to)" + (recode.clashed ? " (code exists in \(into))" : " (map)"))
                }
                if let plan = report.plan { print("people: login@\(plan.loginDomain) (directory \(plan.loginDomain))") }
                let localizer = try? Localizer(directory: webDirectory() + "/locales")
                for problem in report.refusals {
                    print("conflict: \(localizer?.message(for: problem, .en) ?? problem.description) [\(problem.code)]")
                }
                if let head = report.sourceHead {
                    print("audit: \(from)'s chain closed by tenant.merged \(head); \(into)'s records it in tenant.merged_in")
                    print("hoso: done in \(String(format: "%.2f", report.seconds)) s")
                }
                refused = !report.refusals.isEmpty
            }
            if refused { throw ExitCode.failure }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

enum DateParts {
    /// `yyyy-MM-dd` with a real month and day.
    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        guard let date = calendar.date(from: components) else { return false }
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        return back.year == year && back.month == month && back.day == day
    }
}
