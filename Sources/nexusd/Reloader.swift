import Logging
import NexusAdminModel
import NexusConfig
import NexusServer
import Synchronization

/// Re-reads the configuration file and publishes it, for SIGHUP and `nexusctl config reload` alike, and applies
/// runtime route changes: one at a time (a lock: both are rare and never on the request path), with the outcome
/// returned to the caller. The configuration in force is the file's with the runtime routes layered on top
/// (`RouteLayer`).
final class Reloader: Sendable {
    private let file: String
    private let server: Server
    private let logger: Logger
    private let overrides: @Sendable (inout NexusConfig) -> Void
    private let layer: RouteLayer
    private let workflowLayer: WorkflowLayer
    private let store: StateStore
    private let credentials: CredentialPublisher
    private let current: Mutex<State>

    struct State {
        /// The file's configuration (with command-line overrides).
        var file: NexusConfig
        /// What is in force: `file` with the runtime routes layered on top.
        var effective: NexusConfig
        /// Runtime routes left out at start because they no longer fit the file, and why.
        var leftOut: [String: String]
    }

    /// `initial` is the file's configuration; the runtime routes in `layer` are merged into it (a runtime route that
    /// does not fit is left out and reported by `leftOut`).
    init(file: String, initial: NexusConfig, server: Server, layer: RouteLayer, workflows: WorkflowLayer, store: StateStore,
         credentials: CredentialPublisher, logger: Logger, overrides: @escaping @Sendable (inout NexusConfig) -> Void) {
        self.credentials = credentials
        self.file = file
        self.server = server
        self.logger = logger
        self.overrides = overrides
        self.layer = layer
        self.workflowLayer = workflows
        self.store = store
        current = Mutex(Self.merged(initial, layer.snapshot(), workflows: workflows.snapshot()))
        for (name, why) in current.withLock({ $0.leftOut }) { logger.error("runtime route left out: it no longer fits the configuration", metadata: ["route": "\(name)", "why": "\(why)"]) }
    }

    static func merged(_ file: NexusConfig, _ entries: [String: RouteLayer.Entry],
                       workflows: [String: WorkflowLayer.Entry] = [:]) -> State {
        var effective = file
        var (routes, leftOut) = RouteLayer.merge(file: file.routes, layer: entries, upstreams: file.upstreams.map(\.name))
        effective.routes = routes
        let (flows, flowsLeftOut) = WorkflowLayer.merge(file: file.workflows, layer: workflows, upstreams: file.upstreams.map(\.name))
        effective.workflows = flows
        if effective.workflowAPI == nil && !flows.isEmpty { effective.workflowAPI = .defaults }
        for (name, why) in flowsLeftOut { leftOut["workflow:" + name] = why }
        return State(file: file, effective: effective, leftOut: leftOut)
    }

    /// The configuration in force.
    var config: NexusConfig { current.withLock { $0.effective } }
    /// The file's configuration, the runtime layer's entries and the runtime routes left out, together.
    var view: (file: NexusConfig, entries: [String: RouteLayer.Entry], leftOut: [String: String]) {
        current.withLock { ($0.file, layer.snapshot(), $0.leftOut) }
    }

    /// Loads, checks and publishes the file; on any error the running configuration stays.
    func reload() -> ReloadResponse {
        SystemdNotify.shared.reloading()
        defer { SystemdNotify.shared.ready() } // refused or not, a configuration is in force
        return current.withLock { state -> ReloadResponse in
            var new: NexusConfig
            do { new = try ConfigLoader.load(path: file) } catch {
                let lines = (error as? ConfigErrors)?.errors.map { $0.description } ?? ["\(error)"]
                logger.error("reload refused; the running configuration stays", metadata: ["errors": "\(lines.count)"])
                for l in lines { logger.error("\(l)") }
                return ReloadResponse(ok: false, message: "the configuration is not valid; the running one stays", errors: lines)
            }
            overrides(&new)
            let next = Self.merged(new, layer.snapshot(), workflows: workflowLayer.snapshot())
            if !next.leftOut.isEmpty {
                let lines = next.leftOut.sorted { $0.key < $1.key }.map { "runtime route '\($0.key)' would no longer fit: \($0.value)" }
                for l in lines { logger.error("reload refused: \(l)") }
                return ReloadResponse(ok: false, message: "the new file conflicts with runtime routes; the running configuration stays "
                                          + "(change or reset those routes with nexusctl routes, or change the file)", errors: lines)
            }
            let keys: CredentialPublisher.Prepared
            switch credentials.prepare(new, configFile: file) {
            case .success(let p): keys = p
            case .failure(let f):
                logger.error("reload refused; the running configuration stays", metadata: ["error": "\(f.description)"])
                return ReloadResponse(ok: false, message: "the keys file is not valid; the running configuration stays",
                                      errors: [f.description])
            }
            do { try server.reconfigure(next.effective) } catch {
                logger.error("reload refused; the running configuration stays", metadata: ["error": "\(error)"])
                return ReloadResponse(ok: false, message: "the configuration cannot be applied; the running one stays",
                                      errors: "\(error)".split(separator: "\n").map(String.init))
            }
            credentials.commit(keys)
            let old = state.file
            var note = ""
            if new.listeners.map(\.address) != old.listeners.map(\.address) || new.threads != old.threads || new.io != old.io || new.admin != old.admin
                || new.metrics != old.metrics || new.accessLog != old.accessLog {
                note = "; listener, thread, io, admin, metrics and access_log changes take effect at the next restart"
                logger.warning("reload: listener, thread, io, admin, metrics and access_log changes take effect at the next restart")
            }
            // Only what a reload applies becomes current; the rest waits for a restart.
            state.file.routes = new.routes
            state.file.upstreams = new.upstreams
            state.file.limits = new.limits
            state.file.timeouts = new.timeouts
            state.file.auth = new.auth
            state.file.plans = new.plans
            state.file.consumers = new.consumers
            state.effective.auth = new.auth
            state.effective.plans = new.plans
            state.effective.consumers = new.consumers
            state.effective.routes = next.effective.routes
            state.effective.upstreams = new.upstreams
            state.effective.limits = new.limits
            state.effective.timeouts = new.timeouts
            state.file.workflows = new.workflows
            state.file.workflowAPI = new.workflowAPI
            state.effective.workflows = next.effective.workflows
            state.effective.workflowAPI = next.effective.workflowAPI
            state.leftOut = [:]
            logger.info("configuration reloaded", metadata: ["routes": "\(next.effective.routes.count)", "upstreams": "\(new.upstreams.count)"])
            return ReloadResponse(ok: true, message: "configuration reloaded\(note)")
        }
    }

    /// Publishes the file's configuration with the runtime layer as it now is (after a restore replaced it); a
    /// runtime route that does not fit is left out. Returns the names left out.
    func reapplyRuntimeRoutes() -> [String] {
        current.withLock { state -> [String] in
            let next = Self.merged(state.file, layer.snapshot(), workflows: workflowLayer.snapshot())
            do { try server.reconfigure(next.effective) } catch {
                logger.error("the restored runtime routes cannot be applied; the previous routes stay", metadata: ["error": "\(error)"])
                return ["all (\(error))"]
            }
            state.effective = next.effective
            state.leftOut = next.leftOut
            for (name, why) in next.leftOut { logger.error("runtime route left out", metadata: ["route": "\(name)", "why": "\(why)"]) }
            return next.leftOut.keys.sorted()
        }
    }

    /// Why a runtime route change was refused.
    enum RouteChangeError: Error {
        /// The route is not valid, or clashes with another: the messages.
        case invalid([String])
        case store(StoreChangeError)
    }

    /// Applies a change of the runtime layer (`entry` puts, nil drops the entry of `name`): checks the result,
    /// publishes it to the loops, then makes it durable; if the write fails, the previous routes are published again.
    func changeRoute(_ name: String, to entry: RouteLayer.Entry?) throws(RouteChangeError) {
        try current.withLock { (state: inout State) throws(RouteChangeError) in
            var entries = layer.snapshot()
            entries[name] = entry
            let next = Self.merged(state.file, entries, workflows: workflowLayer.snapshot())
            if let why = next.leftOut[name] { throw .invalid([why]) }
            do { try server.reconfigure(next.effective) } catch { throw .invalid(["\(error)"]) }
            do throws(StoreChangeError) {
                if let entry { try layer.put(entry, in: store) } else { try layer.drop(name, in: store) }
            } catch {
                try? server.reconfigure(state.effective)
                throw .store(error)
            }
            state.effective = next.effective
            state.leftOut = next.leftOut
            logger.notice("runtime routes changed", metadata: ["route": "\(name)", "routes": "\(next.effective.routes.count)"])
        }
    }

    /// Applies a change of the runtime workflows (`entry` puts, nil drops `name`): checks the result, publishes it
    /// to the loops, then makes it durable; if the write fails, the previous workflows are published again.
    func changeWorkflow(_ name: String, to entry: WorkflowLayer.Entry?) throws(RouteChangeError) {
        try current.withLock { (state: inout State) throws(RouteChangeError) in
            var entries = workflowLayer.snapshot()
            entries[name] = entry
            let next = Self.merged(state.file, layer.snapshot(), workflows: entries)
            if let why = next.leftOut["workflow:" + name] { throw .invalid([why]) }
            do { try server.reconfigure(next.effective) } catch { throw .invalid(["\(error)"]) }
            do throws(StoreChangeError) {
                if let entry { try workflowLayer.put(entry, in: store) } else { try workflowLayer.drop(name, in: store) }
            } catch {
                try? server.reconfigure(state.effective)
                throw .store(error)
            }
            state.effective = next.effective
            state.leftOut = next.leftOut
            logger.notice("runtime workflows changed", metadata: ["workflow": "\(name)", "workflows": "\(next.effective.workflows.count)"])
        }
    }

    /// The file's workflows, the runtime layer and what is in force, together.
    var workflowView: (file: [WorkflowConfig], entries: [String: WorkflowLayer.Entry], effective: [WorkflowConfig], leftOut: [String: String]) {
        current.withLock { ($0.file.workflows, workflowLayer.snapshot(), $0.effective.workflows, $0.leftOut) }
    }
}
