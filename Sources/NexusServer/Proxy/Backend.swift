import NexusSystem
import Synchronization

/// One server of an upstream pool, shared by every event loop.
///
/// Its health and connection count are atomics: loops read them when choosing a backend and update them as
/// exchanges end, with no lock (relaxed orderings: each value stands alone and a stale read only makes one choice
/// slightly less informed).
final class Backend: Sendable {
    let pool: String
    let index: Int
    /// As configured: `host:port`.
    let name: String
    let weight: Int
    /// The addresses resolved at start (loops keep their own copies, updated by the upstream monitor).
    let addresses: [SocketAddress]
    /// The Host field value used when the route does not preserve the client's (`host:port`, brackets for IPv6).
    let hostField: String

    /// Open connections to this backend, all loops together (for max_connections_per_backend).
    let openConnections = Atomic<Int>(0)
    /// Consecutive failed exchanges (connect refused, reset, timeout, invalid response).
    let consecutiveFailures = Atomic<Int>(0)
    /// Monotonic ms until which the backend is ejected (passive health); 0 when it is not.
    let ejectedUntil = Atomic<Int64>(0)
    /// A loop saw a connection to this backend fail: the upstream monitor re-resolves its host name soon
    /// (at most once a second) instead of waiting for `resolve_interval`.
    let resolveRequested = Atomic<Bool>(false)
    /// Active health check verdict: false once `fall` checks in a row failed, true again after `rise` passed.
    let activeHealthy = Atomic<Bool>(true)
    /// Times passive health ejected the backend (for metrics; a rare event, so one shared counter).
    let ejections = Atomic<Int>(0)

    init(pool: String, index: Int, name: String, weight: Int, addresses: [SocketAddress], hostField: String) {
        self.pool = pool
        self.index = index
        self.name = name
        self.weight = weight
        self.addresses = addresses
        self.hostField = hostField
    }

    /// Whether the backend may take a new exchange at `now` (monotonic ms).
    func isAvailable(now: Int64) -> Bool {
        activeHealthy.load(ordering: .relaxed) && ejectedUntil.load(ordering: .relaxed) <= now
    }

    /// Records the outcome of an exchange; after `maxFailures` failures in a row the backend is ejected for
    /// `ejectFor` ms. Returns true when this call ejected it (so that the caller logs once).
    @discardableResult
    func record(success: Bool, now: Int64, maxFailures: Int, ejectFor: Int64) -> Bool {
        if success {
            if consecutiveFailures.load(ordering: .relaxed) != 0 { consecutiveFailures.store(0, ordering: .relaxed) }
            return false
        }
        let n = consecutiveFailures.wrappingAdd(1, ordering: .relaxed).newValue
        guard maxFailures > 0, n >= maxFailures else { return false }
        consecutiveFailures.store(0, ordering: .relaxed)
        ejectedUntil.store(now + ejectFor, ordering: .relaxed)
        ejections.wrappingAdd(1, ordering: .relaxed) // relaxed: a statistic, pairs with nothing
        return true
    }
}
