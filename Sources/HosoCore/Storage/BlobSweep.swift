import Foundation

/// Which files of the content-addressed store nothing names any more, and may go: an object no
/// `blobs` row names (a crash between the file's commit and its row's, or a transaction that rolled
/// back after the file was in place), and a leftover upload in `tmp/`. Only what is older than a
/// grace period: a file younger than that may belong to an upload whose row is about to commit.
public enum BlobSweep {
    /// One file as the directory walk found it.
    public struct Entry: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// `objects/xx/<sha256>`: `name` is the hash.
            case object
            /// `tmp/<name>`: an upload that never reached the store.
            case upload
        }

        public let kind: Kind
        public let name: String
        public let size: Int64
        public let modified: Date

        public init(kind: Kind, name: String, size: Int64, modified: Date) {
            self.kind = kind
            self.name = name
            self.size = size
            self.modified = modified
        }
    }

    /// A file that may be removed, and how long ago it was last written.
    public struct Orphan: Sendable, Equatable {
        public let entry: Entry
        public let age: TimeInterval
    }

    /// The orphans among `entries`, oldest first. `named`: every hash a `blobs` row names (any
    /// tenant: one object serves every tenant that stored the same content).
    public static func orphans(_ entries: [Entry], named: Set<String>, now: Date, grace: TimeInterval) -> [Orphan] {
        entries.compactMap { entry -> Orphan? in
            let age = now.timeIntervalSince(entry.modified)
            // A file from the future (a clock set back) counts as young: never guess it is old.
            guard age >= max(grace, 0) else { return nil }
            switch entry.kind {
            case .object:
                // A name that is not a hash is not an object of the store: left for a person to look at.
                guard isHash(entry.name), !named.contains(entry.name) else { return nil }
            case .upload:
                break
            }
            return Orphan(entry: entry, age: age)
        }
        .sorted { ($0.age, $0.entry.name) > ($1.age, $1.entry.name) }
    }

    /// Total bytes of `orphans`.
    public static func bytes(_ orphans: [Orphan]) -> Int64 {
        orphans.reduce(0) { $0 + $1.entry.size }
    }

    /// A SHA-256 as the store names files: 64 lower-case hexadecimal digits.
    public static func isHash(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
