import Foundation
import HosoCore
import HosoReports
import Hummingbird

/// The headers of every file the site hands out: the name a browser saves it under (RFC 6266 with
/// an RFC 5987 UTF-8 name, and a plain ASCII one for old clients), its type, and no caching or
/// type sniffing (these files hold school records).
enum Download {
    enum Kind: Sendable {
        case csv, xlsx, zip, pdf
        case other(String)

        var mediaType: String {
            switch self {
            case .csv: "text/csv; charset=utf-8"
            case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case .zip: "application/zip"
            case .pdf: "application/pdf"
            case .other(let type): type
            }
        }
    }

    static func headers(filename: String, type: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentDisposition] = contentDisposition(filename)
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return headers
    }

    static func headers(filename: String, _ kind: Kind) -> HTTPFields {
        headers(filename: filename, type: kind.mediaType)
    }

    /// `attachment; filename="ascii"` and, when the name is not plain ASCII, `filename*=UTF-8''…`.
    static func contentDisposition(_ filename: String) -> String {
        let ascii = SiteURL.asciiFilename(filename)
        guard ascii != filename else { return "attachment; filename=\"\(ascii)\"" }
        let encoded =
            filename.addingPercentEncoding(
                withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "!#$&+-.^_`|~"))
            ) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    /// A whole file in memory.
    static func response(_ bytes: ByteBuffer, filename: String, _ kind: Kind) -> Response {
        Response(status: .ok, headers: headers(filename: filename, kind), body: .init(byteBuffer: bytes))
    }
}

extension Download {
    /// A CSV written whole.
    static func csv(_ text: String, filename: String) -> Response {
        response(ByteBuffer(string: text), filename: filename, .csv)
    }

    /// Builds a workbook in a temporary folder, then streams the file and removes the folder.
    static func spreadsheet(filename: String, build: (XLSXWorkbook) async throws -> Void) async throws -> Response {
        try await spooled(filename: filename, .xlsx, name: "book.xlsx") { folder, file in
            let workbook = XLSXWorkbook(directory: folder)
            try await build(workbook)
            try workbook.write(to: file)
        }
    }

    /// A CSV written to a temporary file first, then sent from it. The rows are read from the
    /// database at its own speed and its connection is free again before the first byte goes out:
    /// a slow client holds a file, never a transaction. A failure while reading answers an error,
    /// not a cut-off file.
    static func spooledCSV(filename: String, build: (FileHandle) async throws -> Void) async throws -> Response {
        try await spooled(filename: filename, .csv, name: "list.csv") { _, file in
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else { throw HosoError("blob.unavailable") }
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try await build(handle)
        }
    }

    /// Builds a file in a folder of its own and answers with it (Content-Length known); the folder
    /// is removed once the file is sent, or at once when building fails.
    static func spooled(filename: String, _ kind: Kind, name: String, build: (URL, URL) async throws -> Void) async throws -> Response {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hoso-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        do {
            try await build(folder, file)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
        let body = ResponseBody { writer in
            defer { try? FileManager.default.removeItem(at: folder) }
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            while let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty {
                try await writer.write(ByteBuffer(bytes: data))
            }
            try await writer.finish(nil)
        }
        var headers = headers(filename: filename, kind)
        if let size { headers[.contentLength] = String(size) }
        return Response(status: .ok, headers: headers, body: body)
    }
}
