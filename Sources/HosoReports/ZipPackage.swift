import Foundation
import ZIPFoundation

/// A ZIP file made in memory from named entries (exports for archiving and exchange).
public enum ZipPackage {
    public static func make(_ entries: [(path: String, bytes: [UInt8])]) throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hoso-zip-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: file) }
        let archive = try Archive(url: file, accessMode: .create)
        for entry in entries {
            let data = Data(entry.bytes)
            try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return [UInt8](try Data(contentsOf: file))
    }
}
