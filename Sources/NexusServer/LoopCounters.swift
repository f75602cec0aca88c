import NexusSystem
import Synchronization

/// What a loop publishes about itself for `nexusctl status`, /metrics and /readyz: written by the loop at each
/// tick with relaxed stores, read by the admin thread; each value stands alone, so no ordering is needed.
public final class LoopCounters: Sendable {
    /// Requests answered since start.
    public let requests = Atomic<Int>(0)
    /// Client connections open.
    public let connections = Atomic<Int>(0)
    /// Requests per second over the last full second.
    public let rate = Atomic<Int>(0)
    /// CLOCK_MONOTONIC milliseconds of the loop's last tick (of its creation before the first): the systemd
    /// watchdog pings only while every loop's is recent.
    public let lastTick = Atomic<Int64>(Clock.monotonicMilliseconds())

    private let last = Atomic<Int>(0)
    private let lastAt = Atomic<Int64>(0)

    public init() {}

    /// Called by the owning loop at its tick.
    func publish(requests served: Int, connections open: Int, now: Int64) {
        requests.store(served, ordering: .relaxed)
        connections.store(open, ordering: .relaxed)
        lastTick.store(now, ordering: .relaxed)
        let since = lastAt.load(ordering: .relaxed)
        if now - since >= 1000 {
            if since > 0 { rate.store((served - last.load(ordering: .relaxed)) * 1000 / Int(now - since), ordering: .relaxed) }
            last.store(served, ordering: .relaxed)
            lastAt.store(now, ordering: .relaxed)
        }
    }
}
