import Logging
import NexusConfig
import NexusRuntime
import NexusServer

/// The metrics listener and the access log: opened before the loops start (a busy port or an unwritable log
/// stops the start-up with its reason), served off the loops, reopened on SIGUSR1, stopped after the drain.
final class Observability {
    private let config: NexusConfig
    private let logger: Logger
    private var metrics: MetricsServer?
    private(set) var accessLog: AccessLog?

    /// Opens the access log and hands the server what its loops need; throws a message for the operator.
    init(config: NexusConfig, configFile: String, server: Server, logger: Logger) throws(ServerError) {
        self.config = config
        self.logger = logger
        server.metricsEnabled = config.metrics != nil
        if let a = config.accessLog {
            let path = AdminSetup.resolve(a.path, relativeTo: configFile)
            do { accessLog = try AccessLog(path: path, logQuery: a.logQuery) } catch {
                throw ServerError("cannot open the access log \(path): \(error)")
            }
            server.accessLog = accessLog
            logger.info("access log", metadata: ["path": "\(path)", "log_query": "\(a.logQuery)"])
        }
    }

    /// Starts the metrics listener (after the server started: it reads the loops' boards).
    func start(server: Server, writer: LogWriter) throws(ServerError) {
        guard let m = config.metrics else { return }
        let version = NexusVersion.string
        let collectors: [MetricsCollector] = [{ page in
            page.family("nexus_dropped_total", .counter, help: "")
            page.sample("nexus_dropped_total", [("ring", "log")], writer.dropped)
        }]
        let pages = MetricsServer.MetricsPages(
            metrics: { server.renderMetrics(version: version, collectors: collectors) },
            notReady: { server.notReadyReason() })
        let s = try MetricsServer(host: m.host, port: m.port, ipv6: m.isIPv6, pages: pages)
        s.start()
        metrics = s
        logger.info("metrics listening", metadata: ["address": "\(s.address)"])
    }

    /// SIGUSR1: the access log opens its path again (logrotate renamed the file).
    func reopen() {
        guard let accessLog else { return }
        accessLog.reopen()
        logger.info("access log reopened")
    }

    /// After the drain: the listener stops, the access log writes what is queued.
    func stop() {
        metrics?.stop()
        accessLog?.stop()
    }
}
