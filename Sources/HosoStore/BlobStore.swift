import Crypto
import Foundation
import HosoCore

#if canImport(Glibc)
import Glibc
#endif

/// Content-addressed files: `objects/ab/<sha256>`. An upload is written to `tmp/`, hashed as it
/// streams, refused as soon as it passes its size limit, synced, then renamed into place (and the
/// directory synced) before any database row names it. Identical content is stored once. Nothing
/// is ever overwritten. (The interface fits an S3-compatible store: put-if-absent by hash, get.)
public struct BlobStore: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        for directory in [root, root + "/tmp", root + "/objects"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    /// Removes uploads left half-written by a crash (nothing names them).
    @discardableResult
    public func removeAbandonedUploads() -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root + "/tmp")) ?? []
        for entry in entries { unlink(root + "/tmp/" + entry) }
        return entries.count
    }

    public func path(of sha256: String) -> String? {
        guard sha256.count == 64, sha256.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else { return nil }
        return "\(root)/objects/\(sha256.prefix(2))/\(sha256)"
    }

    public func exists(_ sha256: String) -> Bool {
        guard let path = path(of: sha256) else { return false }
        return access(path, F_OK) == 0
    }

    public func writer(limit: Int64) throws -> BlobWriter {
        try BlobWriter(store: self, limit: limit)
    }

    /// The whole content (documents are bounded by their type's size limit).
    public func read(_ sha256: String) throws -> [UInt8] {
        guard let path = path(of: sha256), let data = FileManager.default.contents(atPath: path) else {
            throw HosoError("blob.missing", ["sha256": sha256])
        }
        return [UInt8](data)
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// One upload in progress. Not shared between tasks: a request owns it.
public final class BlobWriter: @unchecked Sendable {
    let store: BlobStore
    let limit: Int64
    let temporaryPath: String
    private var fd: Int32
    private var hasher = SHA256()
    public private(set) var size: Int64 = 0
    private var head: [UInt8] = []

    init(store: BlobStore, limit: Int64) throws {
        self.store = store
        self.limit = limit
        self.temporaryPath = "\(store.root)/tmp/\(UUID().uuidString.lowercased())"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HosoError("blob.unavailable") }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }

    /// Appends bytes; past the limit the upload is dropped at once and `upload.too_large` thrown.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw HosoError("blob.unavailable") }
        size += Int64(bytes.count)
        guard size <= limit else {
            abort()
            throw HosoError("upload.too_large", ["limit": String(limit / 1024 / 1024)])
        }
        if head.count < 4096 { head += bytes.prefix(4096 - head.count) }
        hasher.update(bufferPointer: bytes)
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                abort()
                throw HosoError("blob.unavailable")
            }
            offset += written
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Drops the upload.
    public func abort() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporaryPath)
    }

    /// Syncs the file and reads what sniffing needs; the content is not yet in the store.
    public func finish() throws -> StagedBlob {
        guard fd >= 0 else { throw HosoError("blob.unavailable") }
        guard fsync(fd) == 0 else { abort(); throw HosoError("blob.unavailable") }
        close(fd)
        fd = -1
        let sha = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        var tail = [UInt8](repeating: 0, count: Int(min(size, 65_536)))
        let readFD = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        if readFD >= 0 {
            let count = tail.withUnsafeMutableBytes { pread(readFD, $0.baseAddress, $0.count, off_t(size - Int64($0.count))) }
            close(readFD)
            if count < tail.count { tail = Array(tail.prefix(max(0, count))) }
        }
        return StagedBlob(store: store, temporaryPath: temporaryPath, sha256: sha, size: size, head: head, tail: tail)
    }
}

/// A complete, synced upload waiting to enter the store.
public struct StagedBlob: Sendable {
    let store: BlobStore
    let temporaryPath: String
    public let sha256: String
    public let size: Int64
    public let head: [UInt8]
    public let tail: [UInt8]

    /// Moves the content into place (or drops it when the same content is already stored) and
    /// syncs the directory: after this returns, a database row may name the hash.
    public func commit() throws {
        guard let final = store.path(of: sha256) else { throw HosoError("blob.unavailable") }
        let directory = String(final.dropLast(sha256.count + 1))
        // The fan-out folder's own entry needs syncing only when this upload made the folder.
        let madeDirectory = access(directory, F_OK) != 0
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if access(final, F_OK) == 0 {
            // The same content is stored already, perhaps as an orphan old enough for `hoso blobs gc`:
            // its time is renewed so that the sweep, which re-reads it before removing, leaves it to
            // the row about to name it.
            utimes(final, nil)
            unlink(temporaryPath)
            return
        }
        guard rename(temporaryPath, final) == 0 else { discard(); throw HosoError("blob.unavailable") }
        BlobStore.syncDirectory(directory)
        if madeDirectory { BlobStore.syncDirectory(String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)])) }
    }

    public func discard() {
        unlink(temporaryPath)
    }
}
