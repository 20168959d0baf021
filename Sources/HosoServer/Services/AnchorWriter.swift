import HosoStore
import Logging
import ServiceLifecycle

/// Takes a signed checkpoint of every tenant's audit chain at an interval (when the head moved),
/// into the ledger outside the database (`HOSO_ANCHOR_DIR`), so that `hoso audit verify` sees a
/// tail cut or a chain rewritten after it. Several server processes may run it: each checkpoint is
/// one appended line, and a head already checkpointed is not signed again.
struct AnchorWriter: Service {
    let services: AppServices
    let key: AnchorKey
    let ledger: AnchorLedger
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        while !Task.isCancelled {
            await checkpointAll()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    func checkpointAll() async {
        for tenant in (try? await services.tenants.tenants()) ?? [] {
            do {
                try await services.audit.checkpoint(tenantID: tenant.id, tenantCode: tenant.code, key: key, ledger: ledger, reason: "interval",
                                                    unlessUnchanged: true, clock: services.clock)
            } catch {
                // A chain that no longer matches its last checkpoint is never signed: say so loudly.
                services.logger.error("audit checkpoint not taken", metadata: ["tenant": "\(tenant.code)", "error": "\(error)"])
            }
        }
    }
}
