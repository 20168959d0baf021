import Foundation
import Hummingbird

/// Serves the API's description, `web/openapi.yaml`, at `/api/v1/openapi.yaml`.
struct OpenAPIController: Sendable {
    let webDirectory: String

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/api/v1/openapi.yaml") { _, _ in
            guard let data = FileManager.default.contents(atPath: webDirectory + "/openapi.yaml") else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
