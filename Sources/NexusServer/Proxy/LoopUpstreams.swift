import NexusSystem
import NexusTLS

/// One loop's view of the upstream pools: the balancer state and the idle keep-alive connections per backend.
/// Owned by the loop's thread; nothing here is shared.
final class LoopUpstreams {
    final class PoolState {
        let pool: UpstreamPool
        /// Smooth weighted round robin (as nginx): the current weight of each backend.
        var current: [Int]
        /// Exchanges in progress on this loop per backend (least_connections is per loop: no shared counter
        /// on the request path).
        var active: [Int]
        /// Idle keep-alive connections per backend, the most recently used last.
        var idle: [[Connection]]
        /// Round-robin start for least_connections ties.
        var next = 0
        /// The addresses of each backend as this loop knows them (updated by the upstream monitor's messages).
        var addresses: [[SocketAddress]]
        /// The last resumable TLS session with each backend (TLS pools): a new connection offers it, so it skips
        /// the full handshake.
        var tlsSessions: [TLSSession?]

        init(_ pool: UpstreamPool) {
            self.pool = pool
            current = Array(repeating: 0, count: pool.backends.count)
            active = Array(repeating: 0, count: pool.backends.count)
            idle = Array(repeating: [], count: pool.backends.count)
            addresses = pool.backends.map(\.addresses)
            tlsSessions = Array(repeating: nil, count: pool.backends.count)
        }
    }

    /// By pool index (`UpstreamPool.index`).
    let pools: [PoolState]

    init(_ pools: [UpstreamPool]) {
        self.pools = pools.map(PoolState.init)
    }

    /// Chooses a backend of `pool` for a new exchange, skipping `excluding` (the one a retry is leaving), ejected
    /// or unhealthy backends, and backends at their connection cap unless an idle connection to them exists.
    func choose(_ state: PoolState, now: Int64, excluding: Int? = nil) -> Int? {
        let backends = state.pool.backends
        func usable(_ i: Int) -> Bool {
            guard i != excluding, backends[i].isAvailable(now: now), !state.addresses[i].isEmpty else { return false }
            if !state.idle[i].isEmpty { return true }
            return backends[i].openConnections.load(ordering: .relaxed) < state.pool.maxConnectionsPerBackend
        }
        switch state.pool.balance {
        case .roundRobin:
            var total = 0
            var best = -1
            for i in backends.indices where usable(i) {
                state.current[i] += backends[i].weight
                total += backends[i].weight
                if best < 0 || state.current[i] > state.current[best] { best = i }
            }
            guard best >= 0 else { return nil }
            state.current[best] -= total
            return best
        case .leastConnections:
            var best = -1
            let n = backends.count
            for k in 0..<n {
                let i = (state.next + k) % n
                guard usable(i) else { continue }
                // Compare active/weight without division: a * wb < b * wa.
                if best < 0 || state.active[i] * backends[best].weight < state.active[best] * backends[i].weight { best = i }
            }
            guard best >= 0 else { return nil }
            state.next = (best + 1) % n
            return best
        }
    }

    /// Takes an idle connection to backend `i`, dropping ones that the peer closed meanwhile (the driver marks
    /// them `closing`).
    func takeIdle(_ state: PoolState, backend i: Int) -> Connection? {
        while let c = state.idle[i].popLast() {
            c.inIdlePool = false
            if !c.closing && !c.abort && !c.peerClosed { return c }
        }
        return nil
    }

    /// Keeps `c` for reuse if the pool wants more idle connections to its backend; false if it should close.
    func park(_ state: PoolState, _ c: Connection) -> Bool {
        guard state.idle[c.backendIndex].count < state.pool.keepAliveMaxIdle else { return false }
        c.inIdlePool = true
        state.idle[c.backendIndex].append(c)
        return true
    }

    /// Applies re-resolved addresses (ignored when `pool` is no longer the loop's: a reload replaced it).
    func update(pool: UpstreamPool, backend: Int, addresses: [SocketAddress]) {
        guard pool.index < pools.count, pools[pool.index].pool === pool, backend < pools[pool.index].addresses.count else { return }
        pools[pool.index].addresses[backend] = addresses
    }

    /// Forgets `c` from its idle list (it closed while idle).
    func unpark(_ c: Connection) {
        guard c.inIdlePool, let state = c.upstreamState else { return }
        c.inIdlePool = false
        if let k = state.idle[c.backendIndex].firstIndex(where: { $0 === c }) { state.idle[c.backendIndex].remove(at: k) }
    }
}
