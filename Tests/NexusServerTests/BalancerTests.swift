import NexusConfig
@testable import NexusServer
import NexusSystem
import Testing

/// The backend choice of a loop: smooth weighted round robin, least connections, and what is skipped.
@Suite struct BalancerTests {
    func pool(weights: [Int], balance: UpstreamConfig.Balance = .roundRobin, cap: Int = 100) -> LoopUpstreams {
        let backends = weights.enumerated().map { i, w in
            BackendConfig(host: "127.0.0.\(i + 1)", port: 80, kind: .ipv4, weight: w)
        }
        var c = UpstreamConfig(name: "p", backends: backends)
        c.balance = balance
        c.maxConnectionsPerBackend = cap
        let pools = UpstreamPool.build([c]) { _ in }
        return LoopUpstreams(pools)
    }

    @Test func weightedRoundRobinIsSmoothAndExact() {
        let u = pool(weights: [5, 1, 1])
        let state = u.pools[0]
        var picks: [Int] = []
        for _ in 0..<7 { picks.append(u.choose(state, now: 0)!) }
        // nginx's smooth weighted round robin: a a b a c a a for 5:1:1.
        #expect(picks == [0, 0, 1, 0, 2, 0, 0])
        var counts = [0, 0, 0]
        for _ in 0..<700 { counts[u.choose(state, now: 0)!] += 1 }
        #expect(counts == [500, 100, 100])
    }

    @Test func ejectedAndUnhealthyBackendsAreSkipped() {
        let u = pool(weights: [1, 1])
        let state = u.pools[0]
        state.pool.backends[0].ejectedUntil.store(1000, ordering: .relaxed)
        #expect((0..<5).map { _ in u.choose(state, now: 500)! } == [1, 1, 1, 1, 1])
        #expect(Set((0..<4).map { _ in u.choose(state, now: 1000)! }) == [0, 1])
        state.pool.backends[1].activeHealthy.store(false, ordering: .relaxed)
        #expect(u.choose(state, now: 1000) == 0)
        state.pool.backends[0].activeHealthy.store(false, ordering: .relaxed)
        #expect(u.choose(state, now: 1000) == nil)
    }

    @Test func aRetryLeavesTheBackendThatFailed() {
        let u = pool(weights: [1, 1, 1])
        let state = u.pools[0]
        for _ in 0..<10 { #expect(u.choose(state, now: 0, excluding: 1) != 1) }
    }

    @Test func leastConnectionsFollowsActiveExchangesOverWeight() {
        let u = pool(weights: [1, 2], balance: .leastConnections)
        let state = u.pools[0]
        state.active = [1, 1]
        #expect(u.choose(state, now: 0) == 1) // 1/2 < 1/1
        state.active = [0, 3]
        #expect(u.choose(state, now: 0) == 0)
    }

    @Test func theConnectionCapSkipsABackendWithoutIdleConnections() {
        let u = pool(weights: [1, 1], cap: 2)
        let state = u.pools[0]
        state.pool.backends[0].openConnections.store(2, ordering: .relaxed)
        #expect((0..<4).map { _ in u.choose(state, now: 0)! } == [1, 1, 1, 1])
        state.pool.backends[1].openConnections.store(2, ordering: .relaxed)
        #expect(u.choose(state, now: 0) == nil)
    }

    @Test func passiveEjectionAfterConsecutiveFailures() {
        let b = Backend(pool: "p", index: 0, name: "x", weight: 1, addresses: [], hostField: "x")
        #expect(!b.record(success: false, now: 0, maxFailures: 3, ejectFor: 100))
        #expect(!b.record(success: true, now: 0, maxFailures: 3, ejectFor: 100)) // a success resets the count
        #expect(!b.record(success: false, now: 0, maxFailures: 3, ejectFor: 100))
        #expect(!b.record(success: false, now: 0, maxFailures: 3, ejectFor: 100))
        #expect(b.record(success: false, now: 10, maxFailures: 3, ejectFor: 100))
        #expect(!b.isAvailable(now: 50))
        #expect(b.isAvailable(now: 110))
    }
}
