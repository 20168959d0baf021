/// A version's documents (seed 002: "Kế hoạch bài dạy được lưu trữ mỗi bài một tệp tin", one file
/// per lesson): each is checked like a single upload (format by content, the type's size limit),
/// and the set has limits of its own, so one submission cannot grow without bound.
public enum DocumentSet {
    /// At most this many documents in one version (a teaching week rarely has more lessons of one
    /// subject; the manifest's schema allows 100, so the limit can grow without a new schema).
    public static let maxDocuments = 20
    /// The whole version is at most this many times the type's limit for one document.
    public static let totalFactor: Int64 = 4

    public static func maxTotalBytes(_ type: RecordType) -> Int64 { type.maxBytes * totalFactor }

    /// One more document may join a set that already holds `count` documents of `total` bytes
    /// (checked as each arrives, before the next byte is read).
    public static func admit(count: Int, total: Int64, type: RecordType) throws {
        guard count < maxDocuments else { throw HosoError("upload.too_many_files", ["limit": String(maxDocuments)]) }
        guard total <= maxTotalBytes(type) else {
            throw HosoError("upload.total_too_large", ["limit": String(maxTotalBytes(type) / 1024 / 1024)])
        }
    }

    /// The whole set as received: at least one document, within both limits, each of a format
    /// and size the type accepts.
    public static func check(_ documents: [(format: FileFormat, size: Int64)], type: RecordType) throws {
        guard !documents.isEmpty else { throw HosoError("upload.missing_file") }
        guard documents.count <= maxDocuments else {
            throw HosoError("upload.too_many_files", ["limit": String(maxDocuments)])
        }
        guard documents.reduce(0, { $0 + $1.size }) <= maxTotalBytes(type) else {
            throw HosoError("upload.total_too_large", ["limit": String(maxTotalBytes(type) / 1024 / 1024)])
        }
        for document in documents {
            guard document.size > 0 else { throw HosoError("upload.empty") }
            guard document.size <= type.maxBytes else {
                throw HosoError("upload.too_large", ["limit": String(type.maxBytes / 1024 / 1024)])
            }
            guard type.formats.contains(document.format) else {
                throw HosoError(
                    "upload.format_not_accepted", ["formats": type.formats.map(\.rawValue).joined(separator: ", ")])
            }
        }
    }
}
