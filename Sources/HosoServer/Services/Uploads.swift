import Foundation
import Hummingbird
import HosoCore
import HosoStore
import MultipartKit
import NIOCore

/// Receiving a document: the body streams into the blob store, hashed as it goes and cut off at
/// the record type's size limit, then is recognised by its content and committed (synced) before
/// the database row that names it. Nothing is kept of a refused upload. Form fields holding NUL
/// are refused (`input.nul`, see `TextInput`).
struct Uploads: Sendable {
    let blobs: BlobStore
    /// The tenant's schema for the type's XML uploads (see `Uploads+XML.swift`).
    var xmlSchema: XMLSchemaStore.Stored? = nil

    struct Received {
        let staged: StagedBlob
        let format: FileFormat
        let filename: String
    }

    /// A raw body (the API): the file name comes with the request.
    func receive(body: RequestBody, filename rawName: String?, type: RecordType) async throws -> Received {
        let filename = try DocumentName.check(Normalize.nfc(rawName ?? ""))
        let writer = try blobs.writer(limit: type.maxBytes)
        do {
            for try await buffer in body {
                try buffer.withUnsafeReadableBytes { try writer.write($0) }
            }
        } catch {
            writer.abort()
            throw error
        }
        return try finish(writer, filename: filename, type: type)
    }

    /// A `multipart/form-data` body (the page's form, or the API): `_csrf` must come before the
    /// first file and match the session's token (`csrfToken` nil: the request's header was already
    /// checked). Every part named `file` is a document of the version, streamed like a raw body and
    /// recognised by its content; at most `DocumentSet.maxDocuments`, within its total. Nothing is
    /// committed to the store until every document passed: a refused set leaves no byte behind.
    /// `single`: exactly one document is expected (a paper copy's scan); a second is refused.
    func receive(
        multipart request: Request, csrfToken: String?, type: RecordType, single: Bool = false
    ) async throws -> ([Received], [String: String]) {
        guard let contentType = request.headers[.contentType], let boundary = Self.boundary(contentType) else {
            throw HosoError("request.bad_form")
        }
        let parser = MultipartParser(boundary: boundary)
        enum Piece { case header(String, String), body(ByteBuffer), end }
        var pieces: [Piece] = []
        parser.onHeader = { pieces.append(.header($0, $1)) }
        parser.onBody = { pieces.append(.body($0)) }
        parser.onPartComplete = { pieces.append(.end) }

        var fields: [String: String] = [:]
        var currentName: String?
        var currentFilename: String?
        var fieldBytes: [UInt8] = []
        var writer: BlobWriter?
        var received: [Received] = []
        var total: Int64 = 0
        var csrfChecked = csrfToken == nil
        var done = false
        defer {
            if !done {
                writer?.abort()
                for item in received { item.staged.discard() }
            }
        }

        for try await buffer in request.body {
            do { try parser.execute(buffer) } catch { throw HosoError("request.bad_form") }
            let batch = pieces
            pieces.removeAll(keepingCapacity: true)
            for piece in batch {
                switch piece {
                case .header(let name, let value):
                    if name.lowercased() == "content-disposition" {
                        currentName = Self.parameter("name", in: value)
                        currentFilename = Self.filename(in: value)
                    }
                case .body(var bytes):
                    if currentName == "file" {
                        guard csrfChecked else { throw HosoError("csrf.missing") }
                        if writer == nil {
                            if single, !received.isEmpty { throw HosoError("upload.too_many_files", ["limit": "1"]) }
                            try DocumentSet.admit(count: received.count, total: total, type: type)
                            writer = try blobs.writer(limit: type.maxBytes)
                        }
                        try bytes.withUnsafeReadableBytes { try writer!.write($0) }
                    } else {
                        fieldBytes += bytes.readBytes(length: bytes.readableBytes) ?? []
                        guard fieldBytes.count <= 4096 else { throw HosoError("request.too_large") }
                    }
                case .end:
                    if currentName == "file" {
                        guard csrfChecked else { throw HosoError("csrf.missing") }
                        // An empty file part still names the file: the writer exists only once bytes came.
                        if writer == nil {
                            if single, !received.isEmpty { throw HosoError("upload.too_many_files", ["limit": "1"]) }
                            try DocumentSet.admit(count: received.count, total: total, type: type)
                            writer = try blobs.writer(limit: type.maxBytes)
                        }
                        let part = writer!
                        writer = nil
                        let name: String
                        do { name = try DocumentName.check(Normalize.nfc(currentFilename ?? "")) } catch {
                            part.abort()
                            throw error
                        }
                        let item = try finish(part, filename: name, type: type, commit: false)
                        received.append(item)
                        total += item.staged.size
                        try DocumentSet.admit(count: received.count - 1, total: total, type: type)
                    } else if let name = currentName {
                        // A form field is text like any other (the file's bytes are not).
                        guard !fieldBytes.contains(0), !TextInput.hasNUL(name) else {
                            throw HosoError(TextInput.nulCode)
                        }
                        let value = String(decoding: fieldBytes, as: UTF8.self)
                        fields[name] = value
                        if name == CSRFMiddleware.formField, let csrfToken {
                            guard CSRFMiddleware.constantTimeEquals(value, csrfToken) else { throw HosoError("csrf.invalid") }
                            csrfChecked = true
                        }
                    }
                    currentName = nil
                    currentFilename = nil
                    fieldBytes = []
                }
            }
        }
        guard csrfChecked else { throw HosoError("csrf.missing") }
        guard !received.isEmpty else { throw HosoError("upload.missing_file") }
        try DocumentSet.check(received.map { ($0.format, $0.staged.size) }, type: type)
        for item in received { try item.staged.commit() }
        done = true
        return (received, fields)
    }

    /// `commit`: false leaves the content staged (the caller commits or discards it).
    func finish(_ writer: BlobWriter, filename: String, type: RecordType, commit: Bool = true) throws -> Received {
        guard writer.size > 0 else {
            writer.abort()
            throw HosoError("upload.empty")
        }
        let staged = try writer.finish()
        guard let format = FileSniffer.detect(head: staged.head, tail: staged.tail) else {
            staged.discard()
            throw HosoError("upload.unrecognised", ["formats": type.formats.map(\.rawValue).joined(separator: ", ")])
        }
        guard type.formats.contains(format) else {
            staged.discard()
            throw HosoError("upload.format_not_accepted", ["formats": type.formats.map(\.rawValue).joined(separator: ", ")])
        }
        if format == .xml {
            do { try checkXML(staged, type: type) } catch {
                staged.discard()
                throw error
            }
        }
        if commit { try staged.commit() }
        return Received(staged: staged, format: format, filename: filename)
    }

    static func boundary(_ contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data"), let value = parameter("boundary", in: contentType),
              !value.isEmpty, value.count <= 200 else { return nil }
        return value
    }

    /// A parameter of a header value (`name="x"` or `name=x`).
    static func parameter(_ name: String, in header: String) -> String? {
        for part in header.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, Text.trimmed(String(pair[0])).lowercased() == name else { continue }
            var value = Text.trimmed(String(pair[1]))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// The file name of a part: RFC 5987 `filename*=UTF-8''…` first, else `filename="…"` (browsers
    /// send it as raw UTF-8 with `"` as `%22`).
    static func filename(in header: String) -> String? {
        if let extended = parameter("filename*", in: header), extended.lowercased().hasPrefix("utf-8''") {
            return String(extended.dropFirst(7)).removingPercentEncoding
        }
        return parameter("filename", in: header)?.replacingOccurrences(of: "%22", with: "\"")
    }
}
