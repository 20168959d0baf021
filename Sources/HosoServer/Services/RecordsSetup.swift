import Foundation
import HosoCore
import HosoStore
import Logging

/// Loading a tenant's record-book data from `tenants/`: calendars and rule-sets per school year,
/// people per school, then the obligations. `hoso rules import`, `hoso people import`,
/// `hoso obligations generate`, `make run` and the tests all come through here.
public struct RecordsSetup: Sendable {
    let database: Database
    let logger: Logger
    let tenantsDirectory: String

    public init(database: Database, logger: Logger, tenantsDirectory: String) {
        self.database = database
        self.logger = logger
        self.tenantsDirectory = tenantsDirectory
    }

    func tenantID(_ code: String) async throws -> Int64 {
        guard let tenant = try await TenantStore(database: database, logger: logger).tenant(code: code) else {
            throw HosoError("signin.unknown_tenant")
        }
        return tenant.id
    }

    /// Imports the calendar and the rule-set of each school year the tenant has a calendar for
    /// (or only `years`). Returns one line per year saying what changed.
    public func importRules(tenant: String, years: [String]? = nil) async throws -> [String] {
        let tenantID = try await tenantID(tenant)
        let store = RuleSetStore(database: database, logger: logger)
        let chosen = years ?? RulesFile.calendarYears(tenantsDirectory: tenantsDirectory, tenant: tenant)
        guard !chosen.isEmpty else { throw HosoError("calendar.file_missing", ["path": "\(tenantsDirectory)/\(tenant)/calendars"]) }
        // Everything is checked before anything is written.
        let loaded = try chosen.map { year in
            (try RulesFile.calendar(tenantsDirectory: tenantsDirectory, tenant: tenant, schoolYear: year),
             try RulesFile.resolve(tenantsDirectory: tenantsDirectory, tenant: tenant, schoolYear: year))
        }
        let schemas = try loadSchemas(tenant: tenant, ruleSets: loaded.map(\.1))
        var lines: [String] = []
        for (calendar, ruleSet) in loaded {
            let calendarChanged = try await store.importCalendar(tenantID: tenantID, calendar)
            let result = try await store.importRuleSet(tenantID: tenantID, ruleSet)
            lines.append("\(tenant) \(ruleSet.schoolYear): calendar \(calendarChanged ? "stored" : "unchanged"); rule-set \(ruleSet.lineage.joined(separator: " → ")) "
                         + "version \(result.version) \(result.created ? "created" : "unchanged"), \(ruleSet.types.count) record types")
        }
        lines += try await storeSchemas(tenant: tenant, tenantID: tenantID, schemas)
        return lines
    }

    public struct PeopleResult: Sendable {
        public let summary: PeopleStore.Summary
        public let rejected: [PeopleImport.Rejection]
    }

    /// Imports a school's people file; bad lines are reported, good ones applied together.
    public func importPeople(tenant: String, school: String, schoolYear: String, csv: String) async throws -> PeopleResult {
        let tenantID = try await tenantID(tenant)
        guard let unit = try await UnitStore(database: database, logger: logger).unit(tenantID: tenantID, code: school),
              !unit.schoolLevels.isEmpty else { throw HosoError("people.not_a_school", ["code": school]) }
        guard let calendar = try await RuleSetStore(database: database, logger: logger).calendar(tenantID: tenantID, schoolYear: schoolYear) else {
            throw HosoError("obligations.no_calendar", ["year": schoolYear])
        }
        let parsed = try PeopleImport.parse(Normalize.nfc(csv))
        let summary = try await PeopleStore(database: database, logger: logger)
            .importPeople(tenantID: tenantID, unitID: unit.id, schoolYear: schoolYear, defaultFrom: calendar.opening, rows: parsed.rows)
        return PeopleResult(summary: summary, rejected: parsed.rejected)
    }

    /// Every `tenants/<tenant>/people/<SCHOOL>.csv`.
    public func peopleFiles(tenant: String) -> [(school: String, path: String)] {
        let directory = "\(tenantsDirectory)/\(tenant)/people"
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".csv") }.sorted()
            .map { (String($0.dropLast(4)), "\(directory)/\($0)") }
    }

    public func generate(tenant: String, schoolYear: String, unit: String? = nil,
                         progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> GenerationSummary {
        try await ObligationStore(database: database, logger: logger)
            .generate(tenantID: try await tenantID(tenant), schoolYear: schoolYear, unitCode: unit, progress: progress)
    }
}
