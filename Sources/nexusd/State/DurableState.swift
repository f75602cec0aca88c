import NexusState

/// Everything nexusd keeps on disk: the state store (consumers, keys, runtime routes, usage) and the audit log.
final class DurableState: Sendable {
    let store: StateStore
    let consumers: ConsumerRegistry
    let keys: KeyRegistry
    let routes: RouteLayer
    let audit: AuditLog

    init(log: StateLog, audit: StateLog) {
        let consumers = ConsumerRegistry(), keys = KeyRegistry(), routes = RouteLayer()
        self.consumers = consumers
        self.keys = keys
        self.routes = routes
        store = StateStore(log: log, components: [consumers, keys, routes])
        self.audit = AuditLog(log: audit)
    }

    var log: StateLog { store.log }

    func close() {
        store.log.close()
        audit.log.close()
    }
}
