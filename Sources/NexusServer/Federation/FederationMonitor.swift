import Glibc
import Logging
import NexusConfig
import NexusMCP
import NexusRuntime
import NexusSchema
import NexusSystem
import NexusTLS
import Synchronization

/// Keeps a session with each upstream MCP server, off the event loops (one thread per server, `nexus-mcp-N`):
/// initialize, tools/list, again every `refresh_interval`. A server that fails is marked down (its tools leave the
/// catalog) and retried after 1 s, doubling up to `refresh_interval`; when it answers again its tools come back.
/// Each change is published to every loop as a new immutable `FederationCatalog`.
final class FederationMonitor: Sendable {
    private let servers: [MCPServerConfig]
    private let clients: [MCPServerClient]
    private let publish: @Sendable (FederationCatalog) -> Void
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    /// Per server: start a new session at once (a loop saw it end).
    private let renew: [Flag]
    private let states: Mutex<[FederationCatalog.Server]>
    private let threads = Mutex<[NexusThread]>([])

    init(servers: [MCPServerConfig], tls: [TLSClientContext?], secrets: [String: String], version: String, logger: Logger,
         publish: @escaping @Sendable (FederationCatalog) -> Void) {
        self.servers = servers
        clients = servers.enumerated().map { i, s in
            MCPServerClient(config: s, tls: i < tls.count ? tls[i] : nil,
                            credentialFields: FederationSetup.credentialFields(s, secrets: secrets), version: version)
        }
        renew = servers.map { _ in Flag() }
        states = Mutex(servers.map { FederationCatalog.Server.down($0.name) })
        self.logger = logger
        self.publish = publish
    }

    /// Until a server answers (or fails) the loops keep the catalog they have: after a reload, the last
    /// configuration's sessions serve until the new ones are open.
    func start() {
        let spawned = servers.indices.map { i in NexusThread.spawn(name: "nexus-mcp-\(i)") { [self] in run(i) } }
        threads.withLock { $0 = spawned }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        for t in threads.withLock({ $0 }) { t.join() }
        threads.withLock { $0.removeAll() }
    }

    /// Whether each server is up, by name (for the metrics page).
    func health() -> [(name: String, up: Bool)] {
        states.withLock { $0.map { ($0.name, $0.healthy) } }
    }

    /// A loop got 404 for the session of server `index`: start a new one now.
    func sessionLost(_ index: Int) {
        guard index < renew.count else { return }
        renew[index].value.store(true, ordering: .relaxed)
    }

    private func run(_ i: Int) {
        let config = servers[i]
        let client = clients[i]
        let refresh = EngineSettings.ms(config.refreshInterval)
        var backoff: Int64 = 1000
        var session: MCPServerClient.Session?
        var wasUp = false
        var reportedDown = false
        var published = false
        while !stopping.load(ordering: .relaxed) {
            if renew[i].value.exchange(false, ordering: .relaxed) { session = nil }
            var failure: MCPServerClient.Failure?
            if session == nil {
                switch client.open() {
                case .success(let s): session = s
                case .failure(let f): failure = f
                }
            }
            if let s = session, failure == nil {
                switch client.listTools(s) {
                case .success(let tools):
                    update(i, session: s, tools: tools)
                    published = true
                    if !wasUp {
                        logger.info("MCP server up", metadata: ["server": "\(config.name)", "tools": "\(tools.count)", "revision": "\(s.revision)"])
                    }
                    wasUp = true
                    reportedDown = false
                    backoff = 1000
                    sleep(refresh, i)
                    continue
                case .failure(let f):
                    if f.sessionEnded {
                        session = nil
                        continue // a new session at once
                    }
                    failure = f
                }
            }
            session = nil
            if wasUp || !reportedDown {
                logger.warning("MCP server down: its tools are withdrawn until it answers again",
                               metadata: ["server": "\(config.name)", "why": "\(failure?.description ?? "unknown")"])
            }
            wasUp = false
            reportedDown = true
            markDown(i, publishAnyway: !published)
            published = true
            sleep(backoff, i)
            backoff = min(backoff * 2, max(refresh, 1000))
        }
    }

    /// Waits `ms`, or less when stopping or asked to renew the session.
    private func sleep(_ ms: Int64, _ i: Int) {
        let end = Clock.monotonicMilliseconds() + ms
        while !stopping.load(ordering: .relaxed) && !renew[i].value.load(ordering: .relaxed) {
            let left = end - Clock.monotonicMilliseconds()
            if left <= 0 { return }
            usleep(UInt32(min(left, 50) * 1000))
        }
    }

    private func update(_ i: Int, session: MCPServerClient.Session, tools raw: [JSONValue]) {
        let config = servers[i]
        var tools: [MCPTool] = []
        var original: [String: String] = [:]
        for t in raw {
            guard case .string(let name)? = t["name"], case .object? = t["inputSchema"] else { continue }
            let exported = config.prefix + name
            guard original[exported] == nil else { continue }
            let description = if case .string(let d)? = t["description"] { d } else { "" }
            let title = if case .string(let s)? = t["title"] { s } else { nil as String? }
            let output = t["outputSchema"].flatMap { if case .object = $0 { $0 } else { nil } }
            tools.append(MCPTool(name: exported, title: title, description: description, inputSchema: t["inputSchema"]!, outputSchema: output))
            original[exported] = name
        }
        let server = FederationCatalog.Server(name: config.name, healthy: true, sessionID: session.id, revision: session.revision,
                                              tools: tools, original: original)
        states.withLock { $0[i] = server }
        publishCatalog()
    }

    private func markDown(_ i: Int, publishAnyway: Bool) {
        let changed = states.withLock { s -> Bool in
            let was = s[i].healthy
            s[i] = .down(servers[i].name)
            return was
        }
        if changed || publishAnyway { publishCatalog() }
    }

    private func publishCatalog() {
        let snapshot = states.withLock { $0 }
        publish(FederationCatalog(servers: snapshot, sessionLost: { [weak self] i in self?.sessionLost(i) }))
    }
}

/// An atomic flag that can live in an array.
private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
