import Foundation
import Hummingbird

/// The files of `web/static`, read once at start-up and served from memory: a handful of small
/// files that every page uses, with no path ever built from the request.
public struct StaticFiles: Sendable {
    struct File: Sendable {
        let contentType: String
        let bytes: ByteBuffer
    }

    let files: [String: File]

    static let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml", "xsd": "application/xml",
                        "png": "image/png", "ico": "image/x-icon", "woff2": "font/woff2", "txt": "text/plain; charset=utf-8"]

    public init(directory: String) throws {
        var files: [String: File] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let ext = (name as NSString).pathExtension.lowercased()
            guard let type = Self.types[ext], let data = FileManager.default.contents(atPath: directory + "/" + name) else { continue }
            files[name] = File(contentType: type, bytes: ByteBuffer(bytes: data))
        }
        self.files = files
    }
}

struct StaticController: Sendable {
    let files: StaticFiles

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/static/:name") { _, context in
            guard let name = context.parameters.get("name"), let file = files.files[name] else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: file.contentType, .cacheControl: "public, max-age=3600"],
                            body: .init(byteBuffer: file.bytes))
        }
    }
}
