import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#endif

/// The directory walk behind `hoso blobs gc`: what files the store holds (objects and leftover
/// uploads, with their size and last write), and the removal of one of them.
extension BlobStore {
    /// Every regular file under `objects/xx/` and `tmp/`. A fan-out folder or a file that vanishes
    /// during the walk (a concurrent removal) is skipped; an unreadable store is an error.
    public func sweepListing() throws -> [BlobSweep.Entry] {
        let manager = FileManager.default
        let objects = root + "/objects"
        guard let folders = try? manager.contentsOfDirectory(atPath: objects),
              let uploads = try? manager.contentsOfDirectory(atPath: root + "/tmp") else {
            throw HosoError("blob.sweep_unreadable", ["path": root])
        }
        var entries: [BlobSweep.Entry] = []
        for folder in folders.sorted() {
            // Only the store's own fan-out folders (two hexadecimal digits): anything else is left alone.
            guard folder.utf8.count == 2, BlobSweep.isHash(String(repeating: folder, count: 32)) else { continue }
            for name in ((try? manager.contentsOfDirectory(atPath: "\(objects)/\(folder)")) ?? []).sorted()
            where name.hasPrefix(folder) {
                if let entry = Self.stat(kind: .object, name: name, path: "\(objects)/\(folder)/\(name)") { entries.append(entry) }
            }
        }
        for name in uploads.sorted() {
            if let entry = Self.stat(kind: .upload, name: name, path: "\(root)/tmp/\(name)") { entries.append(entry) }
        }
        return entries
    }

    /// Removes an orphan the sweep chose, if it was not written again since `notAfter` (its last
    /// write as listed, checked again just before the unlink). Returns whether it was removed.
    public func sweepRemove(_ entry: BlobSweep.Entry) -> Bool {
        let path: String
        switch entry.kind {
        case .object:
            guard let objectPath = self.path(of: entry.name) else { return false }
            path = objectPath
        case .upload:
            guard !entry.name.contains("/"), entry.name != "..", entry.name != "." else { return false }
            path = "\(root)/tmp/\(entry.name)"
        }
        guard let now = Self.stat(kind: entry.kind, name: entry.name, path: path), now.modified <= entry.modified else { return false }
        return unlink(path) == 0
    }

    static func stat(kind: BlobSweep.Entry.Kind, name: String, path: String) -> BlobSweep.Entry? {
        var info = Glibc.stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
        return BlobSweep.Entry(kind: kind, name: name, size: Int64(info.st_size), modified: modified)
    }
}
