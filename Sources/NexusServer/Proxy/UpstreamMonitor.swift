import Glibc
import Logging
import NexusConfig
import NexusRuntime
import NexusSystem
import NexusTLS
import Synchronization

/// The background thread that watches upstream pools, off the event loops: active health checks (an HTTP GET
/// on an interval, `rise` passes to come back, `fall` failures to be taken out) and the re-resolution of backend
/// host names every `resolve_interval`, and within a second after a loop saw a connection to one fail.
///
/// Health verdicts are written to each backend's atomic flag, which loops read when they choose a backend. New
/// address lists go to every loop through its mailbox (`LoopMessage.addresses`), so a loop never reads memory that
/// another thread writes. Checks run one after another: a backend that takes its whole timeout delays the next
/// check of the others by that much (fine for tens of backends; a poll-driven checker is the next step past that).
final class UpstreamMonitor: @unchecked Sendable {
    // SAFETY: `pools`, `configs` and `post` are read-only after init; `stopping` is atomic; the schedule state
    // is touched only by the monitor thread.
    private let pools: [UpstreamPool]
    private let configs: [UpstreamConfig]
    private let post: @Sendable (LoopMessage) -> Void
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private var thread: NexusThread?

    private struct CheckState {
        var next: Int64 = 0
        var passes = 0
        var failures = 0
        var resolvedAt: Int64 = 0
        var addresses: [SocketAddress]
    }

    init(pools: [UpstreamPool], configs: [UpstreamConfig], logger: Logger, post: @escaping @Sendable (LoopMessage) -> Void) {
        self.pools = pools
        self.configs = configs
        self.logger = logger
        self.post = post
    }

    /// Whether any pool needs watching.
    var isNeeded: Bool {
        configs.contains { c in c.healthCheck != nil || c.backends.contains { $0.kind == .hostname } }
    }

    func start() {
        guard isNeeded else { return }
        thread = NexusThread.spawn(name: "nexus-upstreams") { [self] in run() }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        thread?.join()
        thread = nil
    }

    private func run() {
        var checks: [[CheckState]] = pools.map { p in p.backends.map { CheckState(addresses: $0.addresses) } }
        var nextResolve: [Int64] = configs.map { EngineSettings.ms($0.resolveInterval) + Clock.monotonicMilliseconds() }
        while !stopping.load(ordering: .relaxed) {
            let now = Clock.monotonicMilliseconds()
            for (p, pool) in pools.enumerated() {
                let config = configs[p]
                let due = now >= nextResolve[p]
                if due { nextResolve[p] = now + EngineSettings.ms(config.resolveInterval) }
                for (b, backend) in config.backends.enumerated() where backend.kind == .hostname {
                    // On the interval, or soon after a loop saw a connection to it fail.
                    let asked = now - checks[p][b].resolvedAt >= 1000
                        && pool.backends[b].resolveRequested.exchange(false, ordering: .relaxed)
                    guard due || asked else { continue }
                    checks[p][b].resolvedAt = now
                    resolve(pool: pool, index: b, config: backend, state: &checks[p][b])
                }
                guard let hc = config.healthCheck else { continue }
                for b in pool.backends.indices where now >= checks[p][b].next && !stopping.load(ordering: .relaxed) {
                    checks[p][b].next = now + EngineSettings.ms(hc.interval)
                    check(pool.backends[b], health: hc, state: &checks[p][b])
                }
            }
            usleep(100_000)
        }
    }

    private func resolve(pool: UpstreamPool, index: Int, config: BackendConfig, state: inout CheckState) {
        let fresh: [SocketAddress]
        do { fresh = try SocketAddress.resolve(host: config.host, port: config.port) } catch {
            // Keep the last good addresses: a resolver hiccup must not take a backend out.
            logger.warning("upstream re-resolution failed", metadata: ["upstream": "\(pool.name)", "backend": "\(config.host)", "error": "\(error)"])
            return
        }
        guard !fresh.isEmpty, fresh != state.addresses else { return }
        state.addresses = fresh
        logger.info("upstream backend re-resolved", metadata: ["upstream": "\(pool.name)", "backend": "\(config.host)",
                                                               "addresses": "\(fresh.map(\.description).joined(separator: ","))"])
        post(.addresses(pool, index, fresh))
    }

    private func check(_ backend: Backend, health: HealthCheckConfig, state: inout CheckState) {
        guard let address = state.addresses.first else { return }
        let host = health.host ?? backend.hostField
        let request = Array("GET \(health.path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: nexus-health-check\r\nConnection: close\r\n\r\n".utf8)
        let ok: Bool
        let timeout = Int(EngineSettings.ms(health.timeout))
        let outcome: Result<[UInt8], any Error>
        if let tls = pool(of: backend)?.tls {
            let h = pool(of: backend)!.tlsHosts[backend.index]
            outcome = TLSExchange.run(address: address, request: request, timeoutMilliseconds: timeout, context: tls,
                                      host: h.host, isIPAddress: h.isIP).mapError { $0 }
        } else {
            outcome = Socket.exchange(with: address, request: request, timeoutMilliseconds: timeout).mapError { $0 }
        }
        switch outcome {
        case .success(let bytes):
            ok = Self.status(of: bytes).map { health.expects($0) } ?? false
        case .failure:
            ok = false
        }
        let healthy = backend.activeHealthy.load(ordering: .relaxed)
        if ok {
            state.passes += 1
            state.failures = 0
            if !healthy && state.passes >= health.rise {
                backend.activeHealthy.store(true, ordering: .relaxed)
                logger.notice("upstream backend healthy", metadata: ["upstream": "\(backend.pool)", "backend": "\(backend.name)"])
            }
        } else {
            state.failures += 1
            state.passes = 0
            if healthy && state.failures >= health.fall {
                backend.activeHealthy.store(false, ordering: .relaxed)
                logger.warning("upstream backend unhealthy", metadata: ["upstream": "\(backend.pool)", "backend": "\(backend.name)"])
            }
        }
    }

    private func pool(of backend: Backend) -> UpstreamPool? {
        pools.first { $0.name == backend.pool }
    }

    /// The status code of an HTTP/1.x response's first line.
    static func status(of bytes: [UInt8]) -> Int? {
        guard bytes.count >= 12, bytes.starts(with: Array("HTTP/1.".utf8)), bytes[8] == UInt8(ascii: " ") else { return nil }
        var code = 0
        for i in 9..<12 {
            guard bytes[i] >= 48 && bytes[i] <= 57 else { return nil }
            code = code * 10 + Int(bytes[i] - 48)
        }
        return code
    }
}
