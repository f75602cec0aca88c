import NexusConfig
import NexusSystem
import NexusTLS

/// An upstream pool as the loops use it: its backends (shared state) and its settings in milliseconds.
final class UpstreamPool: Sendable {
    enum Balance: Sendable { case roundRobin, leastConnections }

    let name: String
    /// Position in the configuration's list: how routes and loops refer to the pool.
    let index: Int
    let backends: [Backend]
    let balance: Balance
    let connectTimeout: Int64
    let readTimeout: Int64
    let writeTimeout: Int64
    let totalTimeout: Int64
    let idleTimeout: Int64
    let maxConnectionsPerBackend: Int
    let keepAliveMaxIdle: Int
    let keepAliveIdleTimeout: Int64
    let retry: Bool
    let passiveMaxFailures: Int
    let passiveEjectFor: Int64
    /// TLS to the backends (nil: plain HTTP), and for each backend the host its certificate is verified against
    /// (a name, also sent as SNI, or an IP address).
    let tls: TLSClientContext?
    let tlsHosts: [(host: String, isIP: Bool)]

    init(_ c: UpstreamConfig, index: Int, backends: [Backend], tls: TLSClientContext? = nil) {
        name = c.name
        self.index = index
        self.backends = backends
        balance = c.balance == .leastConnections ? .leastConnections : .roundRobin
        connectTimeout = EngineSettings.ms(c.timeouts.connect)
        readTimeout = EngineSettings.ms(c.timeouts.read)
        writeTimeout = EngineSettings.ms(c.timeouts.write)
        totalTimeout = EngineSettings.ms(c.timeouts.total)
        idleTimeout = EngineSettings.ms(c.timeouts.idle)
        maxConnectionsPerBackend = c.maxConnectionsPerBackend
        keepAliveMaxIdle = c.keepAlive.maxIdle
        keepAliveIdleTimeout = EngineSettings.ms(c.keepAlive.idleTimeout)
        retry = c.retry
        passiveMaxFailures = c.passive.maxFailures
        passiveEjectFor = EngineSettings.ms(c.passive.ejectFor)
        self.tls = tls
        tlsHosts = c.backends.map { ($0.host, $0.kind != .hostname) }
    }

    /// Builds every pool of a configuration, resolving host names once (blocking: called on the main thread
    /// before the loops start or when a reload is prepared). A name that does not resolve leaves that backend
    /// without addresses (never chosen) and is reported.
    static func build(_ configs: [UpstreamConfig], tls: [TLSClientContext?] = [],
                      report: (String) -> Void) -> [UpstreamPool] {
        var pools: [UpstreamPool] = []
        for (index, c) in configs.enumerated() {
            var backends: [Backend] = []
            for (i, b) in c.backends.enumerated() {
                var addresses: [SocketAddress] = []
                let hostField: String
                switch b.kind {
                case .ipv4:
                    if let a = SocketAddress(numericHost: b.host, port: b.port) { addresses = [a] }
                    hostField = "\(b.host):\(b.port)"
                case .ipv6:
                    if let a = SocketAddress(numericHost: b.host, port: b.port) { addresses = [a] }
                    hostField = "[\(b.host)]:\(b.port)"
                case .hostname:
                    do { addresses = try SocketAddress.resolve(host: b.host, port: b.port) } catch {
                        report("upstream \(c.name): cannot resolve \(b.host): \(error)")
                    }
                    hostField = "\(b.host):\(b.port)"
                }
                backends.append(Backend(pool: c.name, index: i, name: hostField, weight: b.weight,
                                        addresses: addresses, hostField: hostField))
            }
            pools.append(UpstreamPool(c, index: index, backends: backends, tls: index < tls.count ? tls[index] : nil))
        }
        return pools
    }
}
