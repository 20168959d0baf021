import Foundation
import HosoCore
import HosoServer
import HosoStore
import HosoSynthetic
import Testing

/// The synthetic province of `make bench` (`HosoSynthetic`): made at the instant its clock gives,
/// resumable, and a tenant without a directory.
@Suite struct SyntheticProvinceTests {
    @Test func aSmallProvinceIsSimulatedUpToTheClocksInstantAndASecondRunCarriesOn() async throws {
        // setup: a fresh database, a province of three schools, the clock stopped on 2026-11-15 00:00 UTC
        let database = try await TestDatabase.make()
        let repo = try TestEnvironment.repoDirectory
        let instant: Int64 = 1_794_700_800
        var options = SyntheticProvince.Options(schools: 3, teachers: 30)
        options.batchSchools = 2
        let chosen = options
        let base = try TenantFile.load(directory: "\(repo)/tenants/bigdemo")
        let blobs = try BlobStore(root: try TestEnvironment.temporaryDirectory("blobs"))
        // act: generate twice
        let (first, second) = try await withDatabase(try database.appURL) { app in
            try await withDatabase(try database.ownerURL) { owner in
                let generator = SyntheticProvince(app: app, owner: owner, blobs: blobs, clock: FixedClock(epochSeconds: instant),
                                                  logger: TestEnvironment.logger)
                let setup = RecordsSetup(database: app, logger: TestEnvironment.logger, tenantsDirectory: "\(repo)/tenants")
                let rules: @Sendable () async throws -> [String] = {
                    try await setup.importRules(tenant: chosen.tenant, years: [chosen.schoolYear])
                }
                let first = try await generator.generate(chosen, base: base, importRules: rules) { _ in }
                let second = try await generator.generate(chosen, base: base, importRules: rules) { _ in }
                return (first, second)
            }
        }
        // verify: three schools once, nothing submitted after the clock's instant, no directory
        #expect(first.schools == 3 && first.skipped == 0)
        #expect(first.obligations > 0 && first.versions > 0)
        #expect(second.schools == 0 && second.skipped == 3, "the second run finds every school staffed")
        let late = try await TestEnvironment.ownerValue("""
            SELECT count(*)::text FROM obligations WHERE first_submitted_at > to_timestamp(\(instant))
            """, database: database.name)
        #expect(late == "0")
        let submitted = try await TestEnvironment.ownerValue(
            "SELECT count(*)::text FROM obligations WHERE first_submitted_at IS NOT NULL", database: database.name)
        #expect(submitted == String(first.versions))
        let directory = try await TestEnvironment.ownerValue(
            "SELECT directory::text FROM tenants WHERE code = 'bigdemo'", database: database.name)
        #expect(directory == "null")
    }
}
