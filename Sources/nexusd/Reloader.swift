import Logging
import NexusAdminModel
import NexusConfig
import NexusServer
import Synchronization

/// Re-reads the configuration file and publishes it, for SIGHUP and `nexusctl config reload` alike: one at a time
/// (a lock: reloads are rare and never on the request path), with the outcome returned to the caller.
final class Reloader: Sendable {
    private let file: String
    private let server: Server
    private let logger: Logger
    private let overrides: @Sendable (inout NexusConfig) -> Void
    private let current: Mutex<NexusConfig>

    init(file: String, initial: NexusConfig, server: Server, logger: Logger,
         overrides: @escaping @Sendable (inout NexusConfig) -> Void) {
        self.file = file
        self.server = server
        self.logger = logger
        self.overrides = overrides
        current = Mutex(initial)
    }

    /// The configuration in force.
    var config: NexusConfig { current.withLock { $0 } }

    /// Loads, checks and publishes the file; on any error the running configuration stays.
    func reload() -> ReloadResponse {
        current.withLock { cfg -> ReloadResponse in
            var new: NexusConfig
            do { new = try ConfigLoader.load(path: file) } catch {
                let lines = (error as? ConfigErrors)?.errors.map { $0.description } ?? ["\(error)"]
                logger.error("reload refused; the running configuration stays", metadata: ["errors": "\(lines.count)"])
                for l in lines { logger.error("\(l)") }
                return ReloadResponse(ok: false, message: "the configuration is not valid; the running one stays", errors: lines)
            }
            overrides(&new)
            do { try server.reconfigure(new) } catch {
                logger.error("reload refused; the running configuration stays", metadata: ["error": "\(error)"])
                return ReloadResponse(ok: false, message: "the configuration cannot be applied; the running one stays",
                                      errors: "\(error)".split(separator: "\n").map(String.init))
            }
            var note = ""
            if new.listeners.map(\.address) != cfg.listeners.map(\.address) || new.threads != cfg.threads || new.io != cfg.io || new.admin != cfg.admin {
                note = "; listener, thread, io and admin changes take effect at the next restart"
                logger.warning("reload: listener, thread, io and admin changes take effect at the next restart")
            }
            cfg.routes = new.routes
            cfg.upstreams = new.upstreams
            cfg.limits = new.limits
            cfg.timeouts = new.timeouts
            logger.info("configuration reloaded", metadata: ["routes": "\(new.routes.count)", "upstreams": "\(new.upstreams.count)"])
            return ReloadResponse(ok: true, message: "configuration reloaded\(note)")
        }
    }
}
