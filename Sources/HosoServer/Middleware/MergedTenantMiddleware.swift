import Foundation
import HTTPTypes
import Hummingbird
import HosoCore
import HosoStore

/// A host name of a tenant merged into another answers with a permanent redirect to the same path
/// on the tenant it joined (308: a form posted to the old address is posted again, not turned into
/// a GET), a unit's pages under its new code. Bookmarks and links printed on paper keep working.
struct MergedTenantMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path != "/healthz", !request.uri.path.hasPrefix("/static/"),
              let tenant = try await SessionMiddleware(services: services).tenantForHost(request),
              tenant.mergedInto != nil, let host = tenant.mergedIntoHosts.first else {
            return try await next(request, context)
        }
        let port = (request.head.authority ?? "").split(separator: ":", maxSplits: 1).dropFirst().first.map { ":\($0)" } ?? ""
        // Behind a trusted proxy the scheme is the one the browser used; otherwise this server's own (plain HTTP).
        let scheme = services.configuration.trustProxy ? (HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] } ?? "https") : "http"
        let query = request.uri.query.map { "?\($0)" } ?? ""
        var path = request.uri.path
        // A unit's pages follow the unit: its code may have changed in the merger (S01 → haiduong-S01).
        let parts = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count >= 3, parts[1] == "units", let into = tenant.mergedInto,
           let codes = try await services.tenants.tenant(code: into)?.directories.first(where: { $0.mergedFrom == tenant.code })?.unitCodes,
           let code = String(parts[2].split(separator: "/", maxSplits: 1).first ?? "").removingPercentEncoding,
           let recoded = codes[code]?.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) {
            path = "/units/" + recoded + parts[2].dropFirst(parts[2].split(separator: "/", maxSplits: 1).first?.count ?? 0)
        }
        return Response(status: .permanentRedirect, headers: [.location: "\(scheme)://\(host)\(port)\(path)\(query)"])
    }
}
