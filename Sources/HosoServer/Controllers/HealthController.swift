import Foundation
import HosoCore
import Hummingbird

/// `GET /healthz`: the database and every tenant's directory. 503 when any is down, with a
/// message that says which.
struct HealthController: Sendable {
    let services: AppServices

    struct Health: Encodable {
        let status: String
        let database: String
        let directories: [String: String]
        let message: String?
        let viewCache: ViewCacheFigures
    }

    /// The dashboards' cache: what it holds against its bound, and how often it answered.
    struct ViewCacheFigures: Encodable {
        let entries: Int
        let bytes: Int
        let boundBytes: Int
        let hits: Int
        let misses: Int
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(.health) { request, context in try await self.health(request: request, context: context) }
    }

    func health(request: Request, context: AppRequestContext) async throws -> Response {
        let databaseUp = await services.database.ping()
        var directories: [String: String] = [:]
        if databaseUp, let tenants = try? await services.tenants.tenants() {
            let results = await services.directoryHealth.results(
                maxAgeSeconds: services.configuration.healthCacheSeconds
            ) {
                await withTaskGroup(of: (String, Bool).self) { group in
                    for tenant in tenants {
                        guard let settings = services.configuration.directorySettings(for: tenant) else { continue }
                        let password = services.configuration.bindPassword(for: settings)
                        group.addTask {
                            (tenant.code, await services.directory.check(settings: settings, bindPassword: password))
                        }
                    }
                    var collected: [String: Bool] = [:]
                    for await (code, up) in group { collected[code] = up }
                    return collected
                }
            }
            for (code, up) in results { directories[code] = up ? "up" : "down" }
        }
        let down =
            (databaseUp ? [] : [services.localizer.text("health.database", context.language)])
            + directories.filter { $0.value == "down" }.keys.sorted().map {
                services.localizer.text("health.directory", context.language, ["tenant": $0])
            }
        let message =
            down.isEmpty
            ? nil : services.localizer.text("health.down", context.language, ["parts": down.joined(separator: ", ")])
        let cache = services.views.statistics
        return try JSONResponse.make(
            Health(
                status: down.isEmpty ? "ok" : "unavailable", database: databaseUp ? "up" : "down",
                directories: directories, message: message,
                viewCache: ViewCacheFigures(entries: cache.entries, bytes: cache.bytes, boundBytes: services.views.costBytes,
                                            hits: cache.hits, misses: cache.misses)),
            status: down.isEmpty ? .ok : .serviceUnavailable
        )
    }
}

/// The directories' last health answers, kept a few seconds: `/healthz` needs no sign-in, and
/// must not let anyone make the server bind to every tenant's directory at will.
public actor DirectoryHealthCache {
    private var checkedAt: ContinuousClock.Instant?
    private var last: [String: Bool] = [:]

    public init() {}

    func results(maxAgeSeconds: Int, check: @Sendable () async -> [String: Bool]) async -> [String: Bool] {
        if let checkedAt, ContinuousClock.now - checkedAt < .seconds(maxAgeSeconds) { return last }
        last = await check()
        checkedAt = .now
        return last
    }
}
