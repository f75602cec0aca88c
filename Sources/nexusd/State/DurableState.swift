import NexusState

/// Everything nexusd keeps on disk: the state store (consumers, keys, runtime routes, usage) and the audit log.
final class DurableState: Sendable {
    let store: StateStore
    let consumers: ConsumerRegistry
    let keys: KeyRegistry
    let routes: RouteLayer
    let workflows: WorkflowLayer
    let usage: UsageLedger
    let audit: AuditLog
    /// The server secret API keys are HMACed with.
    let secret: [UInt8]

    init(log: StateLog, audit: StateLog, usageRetentionSeconds: Int, secret: [UInt8]) {
        let consumers = ConsumerRegistry(), keys = KeyRegistry(secret: secret), routes = RouteLayer()
        let usage = UsageLedger(retentionSeconds: usageRetentionSeconds)
        self.consumers = consumers
        self.keys = keys
        self.routes = routes
        self.usage = usage
        let workflows = WorkflowLayer()
        self.workflows = workflows
        store = StateStore(log: log, components: [consumers, keys, routes, usage, workflows])
        self.audit = AuditLog(log: audit)
        self.secret = secret
        // Replayed: the logs' pages need not stay resident (they come back when read).
        log.releaseResidentPages()
        audit.releaseResidentPages()
    }

    var log: StateLog { store.log }

    func close() {
        store.log.close()
        audit.log.close()
    }
}
