import Foundation
import HosoSigning
import HosoStore
import Testing

/// `hoso blobs gc`, the real binary: an object no row names and last written before the grace
/// period is listed by a dry run and removed by a real one; a named object, a young unnamed one
/// and a young leftover upload stay.
@Suite struct BlobGCTests {
    /// Writes `content` into the store as an object (or into tmp/ as an upload) written `hours` ago.
    func put(_ root: String, _ content: String, hoursAgo hours: Double, upload: Bool = false) throws -> String {
        let sha = Digests.sha256(Array(content.utf8))
        let path = upload ? "\(root)/tmp/\(UUID().uuidString.lowercased())" : "\(root)/objects/\(sha.prefix(2))/\(sha)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-hours * 3600)], ofItemAtPath: path)
        return upload ? (path as NSString).lastPathComponent : sha
    }

    /// Runs `hoso blobs gc` on a thread of its own; `owner`: with the owner's URL beside the application's.
    func gc(_ world: TestWorld, _ arguments: [String], owner: Bool, blobs: String? = nil) async throws -> (status: Int32, output: String) {
        var environment = try TenantMergeTests.environment(world)
        environment["HOSO_BLOB_DIR"] = blobs ?? world.configuration.blobDirectory
        if !owner { environment["HOSO_MIGRATION_DATABASE_URL"] = "" }
        let binary = try TestEnvironment.repoDirectory + "/.build/debug/hoso"
        let settings = environment
        return try await RawHTTP.offPool { try Tool.run(binary, ["blobs", "gc"] + arguments, environment: settings) }
    }

    @Test func onlyOldUnnamedFilesAreListedAndRemoved() async throws {
        // setup
        let world = try await TestWorld.make(importing: ["demo", "demo2"])
        let root = world.configuration.blobDirectory
        _ = try BlobStore(root: root)
        let named = try put(root, "%PDF-1.4 named by demo2", hoursAgo: 48)
        let orphan = try put(root, "%PDF-1.4 an upload whose row never committed", hoursAgo: 30)
        let young = try put(root, "%PDF-1.4 an upload whose row is about to commit", hoursAgo: 1)
        let leftover = try put(root, "half an upload", hoursAgo: 30, upload: true)
        let fresh = try put(root, "an upload in progress", hoursAgo: 0, upload: true)
        try await TestEnvironment.ownerExecute("""
            INSERT INTO blobs (tenant_id, sha256, size, media_type)
            SELECT id, '\(named)', 23, 'application/pdf' FROM tenants WHERE code = 'demo2'
            """, database: world.database.name)
        func exists(_ name: String, upload: Bool = false) -> Bool {
            FileManager.default.fileExists(atPath: upload ? "\(root)/tmp/\(name)" : "\(root)/objects/\(name.prefix(2))/\(name)")
        }

        // act 1: a dry run as the application's role (the names read tenant by tenant)
        let dry = try await gc(world, ["--dry-run"], owner: false)

        // verify 1: the old orphan and the old leftover are listed, nothing is removed
        #expect(dry.status == 0, "\(dry.output)")
        #expect(dry.output.contains("object \(orphan) 44 bytes 30.0 h"), "\(dry.output)")
        #expect(dry.output.contains("upload tmp/\(leftover) 14 bytes"), "\(dry.output)")
        #expect(!dry.output.contains(named) && !dry.output.contains(young) && !dry.output.contains(fresh), "\(dry.output)")
        #expect(dry.output.contains("2 orphaned file(s), 58 bytes would be removed (dry run"), "\(dry.output)")
        #expect(exists(named) && exists(orphan) && exists(young) && exists(leftover, upload: true) && exists(fresh, upload: true))

        // act 2: the real run, with the owner's URL
        let run = try await gc(world, [], owner: true)

        // verify 2: only the two old unnamed files are gone
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("2 orphaned file(s), 58 bytes removed"), "\(run.output)")
        #expect(!exists(orphan) && !exists(leftover, upload: true))
        #expect(exists(named) && exists(young) && exists(fresh, upload: true))

        // act 3: a grace of 0 h lists the young unnamed object and upload too, never the named one
        let all = try await gc(world, ["--dry-run", "--grace-hours", "0"], owner: false)
        #expect(all.output.contains("object \(young)") && all.output.contains("upload tmp/\(fresh)"), "\(all.output)")
        #expect(!all.output.contains(named), "\(all.output)")
    }

    @Test func aMissingStoreIsRefusedNotTakenForAnEmptyOne() async throws {
        let world = try await TestWorld.make(importing: ["demo"])
        let missing = try TestEnvironment.temporaryDirectory("blobs") + "/not-here"
        let result = try await gc(world, ["--dry-run"], owner: false, blobs: missing)
        #expect(result.status == 1)
        #expect(result.output.contains("[blob.sweep_unreadable]"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
