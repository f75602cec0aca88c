import NexusAuth
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct GCRATests {
    @Test func sustainedRateWithoutBurstAdmitsOnePerInterval() {
        let t = GCRATable(limit: RateLimit(rate: 100, periodSeconds: 1, burst: 0), count: 1)
        var admitted = 0
        // 10 s of requests every millisecond: 100/s for 10 s.
        for ms in 0..<10_000 where t.check(hash: 0, now: Int64(ms) * 1000, dense: true).admitted { admitted += 1 }
        #expect(admitted == 1000)
    }

    /// After a pause: the burst, plus one (the interval of catch-up), at once.
    @Test func burstAllowsThatManyMoreAtOnce() {
        let t = GCRATable(limit: RateLimit(rate: 10, periodSeconds: 1, burst: 5), count: 1)
        let now: Int64 = 1_000_000
        let outcomes = (0..<10).map { _ in t.check(hash: 0, now: now, dense: true) }
        #expect(outcomes.filter(\.admitted).count == 7)
        #expect(outcomes[0].remaining == 6)
        #expect(outcomes[6].remaining == 0)
        #expect(!outcomes[7].admitted && outcomes[7].retryAfterSeconds == 1)
    }

    /// Requests handled late (a descheduled loop) by up to one interval still get the full rate.
    @Test func lateHandlingKeepsTheRate() {
        let t = GCRATable(limit: RateLimit(rate: 100, periodSeconds: 1, burst: 0), count: 1)
        var admitted = 0
        var now: Int64 = 0
        // Every 10 ms a request, handled 0 to 9 ms late, plus retries every 100 µs until admitted.
        var g = SystemRandomNumberGenerator()
        for tick in 0..<1000 {
            now = max(now, Int64(tick) * 10_000 + Int64.random(in: 0..<9_000, using: &g))
            while !t.check(hash: 0, now: now, dense: true).admitted { now += 100 }
            admitted += 1
        }
        #expect(admitted == 1000)
        #expect(now < 10_010_000) // 1,000 admissions in about 10 s: no time lost
    }

    @Test func rejectionsDoNotUseTheAllowance() {
        let t = GCRATable(limit: RateLimit(rate: 1, periodSeconds: 1, burst: 0), count: 1)
        #expect(t.check(hash: 0, now: 0, dense: true).admitted)
        for _ in 0..<100 { #expect(!t.check(hash: 0, now: 500_000, dense: true).admitted) }
        #expect(t.check(hash: 0, now: 1_000_000, dense: true).admitted)
    }

    @Test func refundGivesTheRequestBack() {
        let t = GCRATable(limit: RateLimit(rate: 1, periodSeconds: 1, burst: 0), count: 1)
        #expect(t.check(hash: 0, now: 0, dense: true).admitted)
        t.refund(hash: 0, now: 0, dense: true)
        #expect(t.check(hash: 0, now: 0, dense: true).admitted)
    }

    @Test func hashedKeysAreIndependent() {
        let t = GCRATable(limit: RateLimit(rate: 1, periodSeconds: 60, burst: 0), count: 1024)
        #expect(t.check(hash: 0x1234_5678_9abc_def0, now: 0).admitted)
        #expect(!t.check(hash: 0x1234_5678_9abc_def0, now: 0).admitted)
        #expect(t.check(hash: 0x0fed_cba9_8765_4321, now: 0).admitted)
    }

    /// Four threads hammer one cell over a simulated 10 s: exactly the GCRA count is admitted (no lost update).
    @Test func concurrentChecksAdmitExactly() {
        let t = GCRATable(limit: RateLimit(rate: 1000, periodSeconds: 1, burst: 0), count: 1)
        let admitted = Atomic<Int>(0)
        let clock = Atomic<Int64>(0)
        TestThreads.run(4) {
            while true {
                let now = clock.add(10, ordering: .relaxed).newValue
                if now > 10_000_000 { return }
                if t.check(hash: 0, now: now, dense: true).admitted { admitted.add(1, ordering: .relaxed) }
            }
        }
        // One admission per 1 ms of the simulated clock, give or take the clock steps that raced.
        #expect((9_990...10_001).contains(admitted.load(ordering: .relaxed)))
    }
}

/// Plain POSIX threads (no Dispatch).
enum TestThreads {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ b: @escaping @Sendable () -> Void) { body = b }
    }

    static func run(_ n: Int, _ body: @escaping @Sendable () -> Void) {
        var threads: [pthread_t] = []
        for _ in 0..<n {
            var th = pthread_t()
            let box = Unmanaged.passRetained(Box(body)).toOpaque()
            pthread_create(&th, nil, { p in
                let b = Unmanaged<Box>.fromOpaque(p!).takeRetainedValue()
                b.body()
                return nil
            }, box)
            threads.append(th)
        }
        for th in threads { pthread_join(th, nil) }
    }
}
