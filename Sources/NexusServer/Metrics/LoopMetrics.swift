import Synchronization

/// What one loop counted since it started, as of its last tick: per route (by name, the last entry the
/// requests no route took), answers by status class, latency buckets, gateway rejections; TLS handshakes.
public struct LoopMetricsSnapshot: Sendable {
    /// Route names; the last is `LoopMetrics.unmatched`.
    public var routes: [String] = []
    /// `routes.count x 5`: answers with status 1xx, 2xx, 3xx, 4xx, 5xx.
    public var statusClasses: [Int] = []
    /// `routes.count x LatencyBuckets.count`: answers per latency bucket.
    public var latency: [Int] = []
    /// Per route: the sum of the latencies, microseconds.
    public var latencySumMicros: [Int64] = []
    /// `routes.count x 3`: refusals by the gateway itself: 401, 403, 429.
    public var rejections: [Int] = []
    public var tlsHandshakes = 0
    public var tlsResumed = 0
    public var tlsFailures = 0
    /// Workflow runs by workflow and channel (`rest`, `mcp`, `cli`): answers per status class (5 each).
    public var workflowCalls: [WorkflowCallKey: [Int]] = [:]

    public init() {}
}

/// A workflow and the channel it was called on.
public struct WorkflowCallKey: Hashable, Sendable {
    public var workflow: String
    public var channel: String
}

/// A loop's request metrics: plain integer arrays owned by the loop (no atomic, no lock on the request path),
/// indexed by route slot; copied into a `LoopMetricsSnapshot` at the loop's 250 ms tick and handed to the
/// metrics thread through `MetricsBoard`.
///
/// Counts are cumulative since start; a new route table (reload) keeps the counts of the routes whose name it
/// still has, so the exported counters only go up for a route that stays.
final class LoopMetrics {
    /// The label of requests no route took (404, protocol errors before routing).
    static let unmatched = "(unmatched)"
    static let classes = 5

    private(set) var routes: [String]
    private var statusClasses: [Int]
    private var latency: [Int]
    private var latencySum: [Int64]
    private var rejections: [Int]
    var tlsFailures = 0
    /// Workflow runs (a dictionary: one update per workflow call, not per request).
    private var workflowCalls: [WorkflowCallKey: [Int]] = [:]

    /// Counts one workflow run on `channel` with its answer's status.
    func recordWorkflow(_ name: String, channel: String, status: Int) {
        let c = min(max(status / 100, 1), 5) - 1
        workflowCalls[WorkflowCallKey(workflow: name, channel: channel), default: Array(repeating: 0, count: Self.classes)][c] &+= 1
    }

    init(names: [String]) {
        routes = names + [Self.unmatched]
        statusClasses = Array(repeating: 0, count: routes.count * Self.classes)
        latency = Array(repeating: 0, count: routes.count * LatencyBuckets.count)
        latencySum = Array(repeating: 0, count: routes.count)
        rejections = Array(repeating: 0, count: routes.count * 3)
    }

    /// The index of the route slot `slot` (negative: unmatched).
    @inline(__always)
    private func index(_ slot: Int) -> Int { slot >= 0 && slot < routes.count - 1 ? slot : routes.count - 1 }

    /// Counts one answer: its status class and its latency bucket. Three array increments and a bucket search.
    @inline(__always)
    func record(slot: Int, status: Int, micros: Int64) {
        let r = index(slot)
        let c = min(max(status / 100, 1), 5) - 1
        statusClasses[r &* Self.classes &+ c] &+= 1
        latency[r &* LatencyBuckets.count &+ LatencyBuckets.index(micros: micros)] &+= 1
        latencySum[r] &+= micros
    }

    /// Counts a refusal by the gateway (401, 403, 429); other statuses are ignored.
    @inline(__always)
    func rejected(slot: Int, status: Int) {
        let k: Int
        switch status {
        case 401: k = 0
        case 403: k = 1
        case 429: k = 2
        default: return
        }
        rejections[index(slot) &* 3 &+ k] &+= 1
    }

    /// Takes a new route table's names, keeping the counts of the routes it still has.
    func rename(_ names: [String]) {
        let old = LoopMetrics(names: [])
        swap(&old.routes, &routes)
        swap(&old.statusClasses, &statusClasses)
        swap(&old.latency, &latency)
        swap(&old.latencySum, &latencySum)
        swap(&old.rejections, &rejections)
        let fresh = LoopMetrics(names: names)
        routes = fresh.routes
        statusClasses = fresh.statusClasses
        latency = fresh.latency
        latencySum = fresh.latencySum
        rejections = fresh.rejections
        var position: [String: Int] = [:]
        for (i, n) in routes.enumerated() { position[n] = i }
        for (o, name) in old.routes.enumerated() {
            guard let n = position[name] else { continue }
            for k in 0..<Self.classes { statusClasses[n * Self.classes + k] = old.statusClasses[o * Self.classes + k] }
            for k in 0..<LatencyBuckets.count { latency[n * LatencyBuckets.count + k] = old.latency[o * LatencyBuckets.count + k] }
            latencySum[n] = old.latencySum[o]
            for k in 0..<3 { rejections[n * 3 + k] = old.rejections[o * 3 + k] }
        }
    }

    /// A copy of the counts for the metrics thread.
    func snapshot(tlsHandshakes: Int, tlsResumed: Int) -> LoopMetricsSnapshot {
        var s = LoopMetricsSnapshot()
        // Fresh copies (`map`), not shared copy-on-write buffers: the loop's next increment would otherwise copy
        // the whole array on the request path.
        s.routes = routes
        s.statusClasses = statusClasses.map { $0 }
        s.latency = latency.map { $0 }
        s.latencySumMicros = latencySum.map { $0 }
        s.rejections = rejections.map { $0 }
        s.tlsHandshakes = tlsHandshakes
        s.tlsResumed = tlsResumed
        s.tlsFailures = tlsFailures
        s.workflowCalls = workflowCalls
        return s
    }
}

/// Where a loop leaves its latest `LoopMetricsSnapshot` for the metrics thread.
///
/// The loop stores a new snapshot at each tick (every 250 ms); the metrics thread takes the latest when scraped.
/// The lock guards a value swap of a few words (the arrays are copy-on-write and never written after the swap),
/// so neither side waits for more than that, and it is never taken on the request path.
public final class MetricsBoard: Sendable {
    private let latest = Mutex(LoopMetricsSnapshot())

    public init() {}

    func publish(_ s: consuming LoopMetricsSnapshot) {
        latest.withLock { $0 = s }
    }

    public func read() -> LoopMetricsSnapshot { latest.withLock { $0 } }
}
