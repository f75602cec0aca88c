import Glibc
import Logging
import NexusAuth
import NexusConfig
import NexusMCP
import NexusRing
import NexusRuntime
import NexusSystem
import NexusTLS
import Synchronization

/// The I/O back end the loops run on.
public enum IOBackend: String, Sendable {
    case uring = "io_uring"
    case epoll
}

/// The whole server: listeners, one event loop per thread, and the way to stop or reconfigure them.
///
/// The main thread builds it, calls `start()`, then waits for signals; it talks to the loops only through their
/// mailboxes (lock-free MPSC rings with an eventfd wake), never through shared mutable state.
///
/// SAFETY (`@unchecked Sendable`): `status()` reads what `start()` set before any other thread could call it;
/// `reconfigure` and `shutdown` must not run concurrently with each other (nexusd serializes them with the
/// reload lock); everything else crosses to the loops through their mailboxes.
public final class Server: @unchecked Sendable {
    public let config: NexusConfig
    public private(set) var backend: IOBackend = .epoll
    /// The addresses actually bound (port 0 resolved), one per configured listener.
    public private(set) var boundAddresses: [String] = []
    private let logger: Logger
    private var threads: [NexusThread] = []
    private var mailboxes: [Mailbox<LoopMessage>] = []
    private var counters: [LoopCounters] = []
    private var monitor: UpstreamMonitor?
    /// Sessions with the upstream MCP servers (nil: none configured).
    private(set) var federationMonitor: FederationMonitor?
    /// The secret session-ticket keys derive from: one per process, kept across reloads.
    private let ticketSecret = TicketSecret()
    /// The listeners' TLS contexts in force (by listener position).
    private var listenerTLS: [TLSServerContext?] = []

    /// Where the loops post usage counts; nil: usage is not recorded.
    private let usageSink: UsageSink?
    /// Limit tables, kept across reloads (a limit that did not change keeps its state).
    private let limiters = LimiterRegistry()
    /// The MCP sessions of the legacy revisions: kept across reloads (a client keeps its session).
    private let mcpSessions = MCPSessions()
    /// Requests per consumer per day and month, shared by every loop (nexusd seeds them from the state store).
    public let quotas = QuotaTable(capacity: LimiterRegistry.denseCells)
    /// The API keys in force: what a loop starts with, and what `publish(credentials:)` last sent.
    private let credentials = Mutex<CredentialTable>(.empty)

    /// Observability (set before `start()`): whether the loops publish metrics, and the access log.
    public var metricsEnabled = false
    public var accessLog: AccessLog?
    /// Each loop's metrics as of its last tick.
    private(set) var boards: [MetricsBoard] = []
    /// The upstream pools in force (for backend health in the metrics); replaced by a reload.
    let currentPools = Mutex<[UpstreamPool]>([])
    /// Set once `shutdown` was asked: /readyz answers 503.
    private let drainingFlag = Atomic<Bool>(false)
    /// Unix seconds when the server was created (the process start, for `process_start_time_seconds`).
    public let startedAt = Clock.unixSeconds()

    public init(config: NexusConfig, logger: Logger, usageSink: UsageSink? = nil) {
        self.config = config
        self.logger = logger
        self.usageSink = usageSink
    }

    /// The number of event loops the configuration asks for.
    public var loopCount: Int { max(1, config.threads ?? ProcessLimits.availableCPUs) }

    /// Chooses the back end: `auto` prefers io_uring and falls back to epoll, saying why.
    public static func chooseBackend(_ choice: IOChoice, logger: Logger) throws(ServerError) -> IOBackend {
        switch choice {
        case .epoll:
            return .epoll
        case .uring:
            if let reason = UringProbe.unavailableReason() {
                throw ServerError("io: uring was asked for, but \(reason)")
            }
            return .uring
        case .auto:
            if let reason = UringProbe.unavailableReason() {
                logger.warning("io_uring unavailable, falling back to epoll", metadata: ["reason": "\(reason)"])
                return .epoll
            }
            return .uring
        }
    }

    /// Opens the listeners, starts the loops, and returns once every loop is running (or throws if one failed).
    public func start() throws(ServerError) {
        backend = try Self.chooseBackend(config.io, logger: logger)
        // Certificates and keys are read before any socket is opened: a bad one stops the start with its place.
        do {
            listenerTLS = try TLSSetup.listeners(config, secret: ticketSecret) { logger.warning("\($0)") }
        } catch {
            throw ServerError("the TLS settings cannot be used:\n\(error)")
        }
        let loops = loopCount
        let nofile = ProcessLimits.raiseOpenFileLimit()
        if config.limits.maxConnections + 64 > nofile {
            logger.warning("max_connections is above the open-file limit; accepts will pause when it is reached",
                           metadata: ["max_connections": "\(config.limits.maxConnections)", "nofile": "\(nofile)"])
        }

        // Listener sockets: one per loop per configured listener (SO_REUSEPORT), opened here so that a bind
        // error is reported before anything starts. A port of 0 is resolved by the first and reused by the rest.
        var perLoop = Array(repeating: [Int32](), count: loops)
        var bound: [String] = []
        do {
            for l in config.listeners {
                var port = l.port
                for i in 0..<loops {
                    let fd = try Socket.listen(host: l.host, port: port, ipv6: l.isIPv6, backlog: Int32(l.backlog), reusePort: true)
                    if port == 0 { port = Socket.localPort(fd) ?? 0 }
                    perLoop[i].append(fd)
                }
                bound.append(l.isIPv6 ? "[\(l.host)]:\(port)" : "\(l.host):\(port)")
            }
        } catch {
            for fds in perLoop { for fd in fds { Socket.close(fd) } }
            throw ServerError("cannot listen: \(error)")
        }
        boundAddresses = bound

        let settings = engineSettings(config)
        let upstreamTLS: [TLSClientContext?]
        do { upstreamTLS = try TLSSetup.upstreams(config) } catch {
            for fds in perLoop { for fd in fds { Socket.close(fd) } }
            throw ServerError("the upstream TLS settings cannot be used:\n\(error)")
        }
        let secrets: [String: String]
        do { secrets = try FederationSetup.secrets(config) } catch {
            for fds in perLoop { for fd in fds { Socket.close(fd) } }
            throw ServerError("the MCP server credentials cannot be read:\n\(error)")
        }
        let pools = UpstreamPool.build(config.allUpstreams, tls: upstreamTLS) { logger.error("\($0)") }
        let routes: RouteTable
        do { routes = try RouteTable(config.routes, pools: pools, limiters: limiters, authEnabled: config.auth != nil,
                                         workflows: config.workflows, workflowAPIs: config.listeners.indices.map(config.workflowAPI(forListener:)),
                                         sessions: mcpSessions, mcpServers: config.mcpServers, secrets: secrets) } catch {
            for fds in perLoop { for fd in fds { Socket.close(fd) } }
            throw error
        }
        let perLoopConnections = (config.limits.maxConnections + loops - 1) / loops
        let upstreamSlots = pools.isEmpty ? 0
            : perLoopConnections + pools.reduce(0) { $0 + $1.keepAliveMaxIdle * $1.backends.count }
        let status = StartupStatus(loops: loops)
        for i in 0..<loops {
            let mailbox: Mailbox<LoopMessage>
            do { mailbox = try Mailbox<LoopMessage>(capacity: 64) } catch {
                for fds in perLoop[i...] { for fd in fds { Socket.close(fd) } }
                shutdown(deadline: Clock.monotonicMilliseconds())
                wait()
                throw ServerError("cannot create a loop mailbox: \(error)")
            }
            mailboxes.append(mailbox)
            var loopLogger = logger
            loopLogger[metadataKey: "loop"] = "\(i)"
            let context = LoopContext(index: i, listeners: perLoop[i], settings: settings, routes: routes,
                                      maxConnections: perLoopConnections, upstreamSlots: upstreamSlots, pools: pools,
                                      tls: listenerTLS, mailbox: mailbox, logger: loopLogger, usageSink: usageSink,
                                      credentials: credentials.withLock { $0 })
            counters.append(context.counters)
            if metricsEnabled {
                let board = MetricsBoard()
                context.metricsBoard = board
                boards.append(board)
            }
            context.accessLog = accessLog
            let backend = self.backend
            threads.append(NexusThread.spawn(name: "nexus-loop-\(i)", cpu: nil) {
                runLoop(context: context, backend: backend, status: status)
            })
        }
        if let failure = status.waitForAll() {
            shutdown(deadline: Clock.monotonicMilliseconds())
            wait()
            throw ServerError("an event loop failed to start: \(failure)")
        }
        startMonitor(pools: pools, configs: config.allUpstreams)
        startFederation(config, tls: upstreamTLS, secrets: secrets)
        for (l, address) in zip(config.listeners, boundAddresses) {
            logger.info("listening", metadata: ["listener": "\(l.name)", "address": "\(address)"])
        }
        logger.info("started", metadata: ["io": "\(backend.rawValue)", "loops": "\(loops)",
                                          "max_connections": "\(config.limits.maxConnections)"])
    }

    private func startMonitor(pools: [UpstreamPool], configs: [UpstreamConfig]) {
        monitor?.stop()
        let boxes = mailboxes
        let m = UpstreamMonitor(pools: pools, configs: configs, logger: logger) { message in
            for box in boxes { while !box.tryPost(message) { usleep(1000) } }
        }
        m.start()
        monitor = m
        currentPools.withLock { $0 = pools }
    }

    /// Starts the sessions with the configuration's MCP servers (after stopping those of the last one).
    private func startFederation(_ config: NexusConfig, tls: [TLSClientContext?], secrets: [String: String]) {
        federationMonitor?.stop()
        federationMonitor = nil
        guard !config.mcpServers.isEmpty else {
            for m in mailboxes { post(.federation(.empty), to: m) }
            return
        }
        let boxes = mailboxes
        let m = FederationMonitor(servers: config.mcpServers, tls: Array(tls.dropFirst(config.upstreams.count)), secrets: secrets,
                                  version: NexusVersion.string, logger: logger) { catalog in
            for box in boxes { while !box.tryPost(.federation(catalog)) { usleep(1000) } }
        }
        m.start()
        federationMonitor = m
    }

    /// Totals over the loops, as of their last tick (at most 250 ms old).
    public func status() -> (connections: Int, requests: Int, requestsPerSecond: Int) {
        var c = 0, r = 0, rate = 0
        for k in counters {
            c += k.connections.load(ordering: .relaxed)
            r += k.requests.load(ordering: .relaxed)
            rate += k.rate.load(ordering: .relaxed)
        }
        return (c, r, rate)
    }

    /// Milliseconds since each loop's last tick (a running loop ticks every 250 ms), for the systemd watchdog.
    public func loopTickAges(now: Int64) -> [Int64] {
        counters.map { now - $0.lastTick.load(ordering: .relaxed) }
    }

    /// Whether a shutdown (drain) has begun.
    public var isDraining: Bool { drainingFlag.load(ordering: .relaxed) }

    /// Posts dropped by the loops' mailboxes (control messages are retried, so in practice none).
    var loopMailboxDrops: Int { mailboxes.reduce(0) { $0 + $1.dropped } }

    /// Usage reports the maintenance thread's mailbox dropped.
    var usageDrops: Int { usageSink?.mailbox.dropped ?? 0 }

    /// Each loop's counters (connections, requests, last tick).
    var loopCounters: [LoopCounters] { counters }

    /// Asks every loop to stop accepting, finish in-flight requests and close by `deadline` (monotonic ms).
    public func shutdown(deadline: Int64) {
        drainingFlag.store(true, ordering: .relaxed) // relaxed: read alone by /readyz
        monitor?.stop()
        monitor = nil
        federationMonitor?.stop()
        federationMonitor = nil
        for m in mailboxes { post(.shutdown(deadline: deadline), to: m) }
    }

    /// Publishes a new configuration snapshot (routes, limits, timeouts) to every loop. Listener and thread
    /// changes need a restart.
    public func reconfigure(_ new: NexusConfig) throws(ServerError) {
        // Certificates and keys are read again (renewed files take effect); a listener keeps its position, and
        // one the new file no longer has keeps its running TLS settings until the restart that removes it.
        var tls: [TLSServerContext?]
        do { tls = try TLSSetup.listeners(new, secret: ticketSecret) { logger.warning("\($0)") } } catch {
            throw ServerError("\(error)")
        }
        tls = listenerTLS.indices.map { i in i < tls.count ? tls[i] : listenerTLS[i] }
        let settings = engineSettings(new)
        let upstreamTLS: [TLSClientContext?]
        do { upstreamTLS = try TLSSetup.upstreams(new) } catch { throw ServerError("\(error)") }
        let secrets: [String: String]
        do { secrets = try FederationSetup.secrets(new) } catch { throw ServerError("\(error)") }
        let pools = UpstreamPool.build(new.allUpstreams, tls: upstreamTLS) { logger.error("\($0)") }
        let routes = try RouteTable(new.routes, pools: pools, limiters: limiters, authEnabled: new.auth != nil,
                                    workflows: new.workflows,
                                    workflowAPIs: new.listeners.indices.map(new.workflowAPI(forListener:)), sessions: mcpSessions,
                                    mcpServers: new.mcpServers, secrets: secrets)
        listenerTLS = tls
        for m in mailboxes { post(.configure(routes, settings, pools, tls), to: m) }
        startMonitor(pools: pools, configs: new.allUpstreams)
        startFederation(new, tls: upstreamTLS, secrets: secrets)
    }

    /// The engine settings of `c`, with its access control.
    private func engineSettings(_ c: NexusConfig) -> EngineSettings {
        var settings = EngineSettings(c)
        settings.access = c.auth.map { AccessControl($0, plans: c.plans, registry: limiters, quotas: quotas) }
        return settings
    }

    /// Sends a new table of API keys to every loop (after a key or consumer changed): each loop uses it for the
    /// next request it authenticates and empties its key cache, so a revoke holds everywhere within a loop turn.
    public func publish(credentials table: CredentialTable) {
        credentials.withLock { $0 = table }
        for m in mailboxes { post(.credentials(table), to: m) }
    }

    /// Blocks until every loop has exited.
    public func wait() {
        for t in threads { t.join() }
        threads.removeAll()
    }

    /// Control messages are never dropped: the sender retries while the ring is full (a loop drains its
    /// mailbox on every turn, so this ends within a turn).
    private func post(_ message: LoopMessage, to mailbox: Mailbox<LoopMessage>) {
        while !mailbox.tryPost(message) { usleep(1000) }
    }
}

/// A start-up or run-time failure of the server, with a message for the operator.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The body of a loop thread: builds the loop on this thread, reports, runs.
private func runLoop(context: LoopContext, backend: IOBackend, status: StartupStatus) {
    switch backend {
    case .uring:
        let loop: UringLoop
        do { loop = try UringLoop(context: context) } catch {
            status.fail("\(error)")
            for fd in context.listeners { Socket.close(fd) }
            return
        }
        status.ready()
        loop.run()
    case .epoll:
        let loop: EpollLoop
        do { loop = try EpollLoop(context: context) } catch {
            status.fail("\(error)")
            for fd in context.listeners { Socket.close(fd) }
            return
        }
        status.ready()
        loop.run()
    }
}

/// How the loops tell the main thread they are running. Start-up only: a short poll is fine here.
private final class StartupStatus: Sendable {
    let loops: Int
    let readyCount = Atomic<Int>(0)
    let failed = Mutex<String?>(nil)

    init(loops: Int) { self.loops = loops }

    func ready() { readyCount.wrappingAdd(1, ordering: .releasing) }

    func fail(_ why: String) {
        failed.withLock { if $0 == nil { $0 = why } }
        readyCount.wrappingAdd(1, ordering: .releasing)
    }

    func waitForAll() -> String? {
        while readyCount.load(ordering: .acquiring) < loops { usleep(500) }
        return failed.withLock { $0 }
    }
}
