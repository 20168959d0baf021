import ArgumentParser
import Foundation
import HosoCore
import HosoServer
import HosoStore
import Logging

/// `hoso blobs gc`: the cleanup path for files of the blob store that no row names (a crash after
/// a file was committed and before its row was, an upload cut short in `tmp/`).
struct BlobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "blobs", abstract: "The content-addressed file store.",
                                                    subcommands: [GC.self])

    struct GC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "List (--dry-run) or remove the objects under HOSO_BLOB_DIR that no blobs row names, and leftover uploads "
                + "in its tmp/, last written longer ago than the grace period. One line per file (hash, size, age), then a total."
        )

        @Flag(help: "List what would be removed; remove nothing.") var dryRun = false
        @Option(help: "Only files last written more than this many hours ago.") var graceHours: Double = 24

        /// Files are unlinked in batches; the names are read again before each, so that a row that
        /// committed since the listing keeps its file.
        static let batch = 200

        func validate() throws {
            guard graceHours >= 0, graceHours.isFinite else { throw ValidationError("--grace-hours must be 0 or more") }
        }

        func run() async throws {
            let (dryRun, grace) = (self.dryRun, graceHours * 3600)
            try await reporting {
                let env = ProcessInfo.processInfo.environment
                let root = env["HOSO_BLOB_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/blobs"
                // BlobStore creates missing folders: a mistyped path must not pass as an empty store.
                guard FileManager.default.fileExists(atPath: root + "/objects") else {
                    throw HosoError("blob.sweep_unreadable", ["path": root])
                }
                let store = try BlobStore(root: root)
                try await withDatabase(asOwner: true) { database, logger in
                    let names = BlobNameStore(database: database, logger: logger)
                    // The listing first, then the names: a row that commits in between only keeps more.
                    let listing = try store.sweepListing()
                    let orphans = BlobSweep.orphans(listing, named: try await names.namedHashes(), now: Date(), grace: grace)
                    var removed: [BlobSweep.Orphan] = []
                    if !dryRun {
                        for start in stride(from: 0, to: orphans.count, by: Self.batch) {
                            let named = try await names.namedHashes()
                            for orphan in orphans[start..<min(start + Self.batch, orphans.count)]
                            where orphan.entry.kind == .upload || !named.contains(orphan.entry.name) {
                                if store.sweepRemove(orphan.entry) { removed.append(orphan) }
                            }
                        }
                    }
                    for orphan in dryRun ? orphans : removed {
                        let entry = orphan.entry
                        print("\(entry.kind == .object ? "object" : "upload") \(entry.kind == .object ? entry.name : "tmp/" + entry.name) "
                              + "\(entry.size) bytes \(String(format: "%.1f", orphan.age / 3600)) h")
                    }
                    let shown = dryRun ? orphans : removed
                    print("hoso: blobs gc: \(shown.count) orphaned file(s), \(BlobSweep.bytes(shown)) bytes "
                          + (dryRun ? "would be removed (dry run: nothing removed)" : "removed")
                          + (dryRun || removed.count == orphans.count ? "" : "; \(orphans.count - removed.count) kept (named or written again)"))
                }
            }
        }
    }
}
