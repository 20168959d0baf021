import HosoStore
import Logging
import ServiceLifecycle

/// Moves items whose due time has passed from pending to missing, every minute, for every tenant
/// (readers already count them as missing; this keeps the stored figures exact for aggregates),
/// and lets a move dated in the future take effect on its day (`TenantStore.advanceTree`).
struct MissingSweep: Service {
    let services: AppServices
    var interval: Duration = .seconds(60)

    func run() async throws {
        try await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        while !Task.isCancelled {
            // Each tenant on its own: one that fails (a database hiccup, a frozen tenant) skips only itself.
            for tenant in (try? await services.tenants.tenants()) ?? [] {
                do {
                    let moved = try await services.obligations.sweepMissing(tenantID: tenant.id, now: services.clock.now())
                    if moved > 0 { services.logger.info("obligations now missing", metadata: ["tenant": "\(tenant.code)", "count": "\(moved)"]) }
                    let units = try await services.tenants.advanceTree(tenantID: tenant.id, today: services.clock.today())
                    if units > 0 { services.logger.info("dated moves took effect", metadata: ["tenant": "\(tenant.code)", "units": "\(units)"]) }
                } catch {
                    services.logger.debug("missing sweep skipped", metadata: ["tenant": "\(tenant.code)", "error": "\(error)"])
                }
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
