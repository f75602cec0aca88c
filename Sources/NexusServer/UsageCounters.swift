import NexusRuntime

/// Requests answered by one route (for one consumer), counted on a loop since its last flush.
public struct UsageDelta: Sendable, Equatable {
    /// The route's name.
    public var route: String
    /// The consumer's id; empty for requests not authenticated as one.
    public var consumer: String
    public var requests: Int
    /// Answers with a 4xx status.
    public var clientErrors: Int
    /// Answers with a 5xx status.
    public var serverErrors: Int

    public init(route: String, consumer: String, requests: Int, clientErrors: Int, serverErrors: Int) {
        self.route = route
        self.consumer = consumer
        self.requests = requests
        self.clientErrors = clientErrors
        self.serverErrors = serverErrors
    }
}

/// Where loops send their usage counts, and how often: every `interval` a loop posts what it counted since the
/// last post (never a message per request). The receiver (nexusd's usage recorder) drains `mailbox`.
public struct UsageSink: Sendable {
    public let mailbox: Mailbox<[UsageDelta]>
    public let intervalMilliseconds: Int64

    public init(mailbox: Mailbox<[UsageDelta]>, intervalMilliseconds: Int64) {
        self.mailbox = mailbox
        self.intervalMilliseconds = intervalMilliseconds
    }
}

/// A loop's usage counters: one slot per route of the loop's route table, plain integers owned by the loop (no
/// atomics, no lock); `take` hands them over as deltas and zeroes them.
final class UsageCounters {
    private struct Slot {
        var requests = 0, clientErrors = 0, serverErrors = 0
    }

    private var slots: [Slot]
    private var names: [String]
    private(set) var pending = false

    init(names: [String]) {
        self.names = names
        slots = Array(repeating: Slot(), count: names.count)
    }

    /// Counts one answer of the route in `slot` (negative: no route, not counted).
    @inline(__always)
    func count(slot: Int, status: Int) {
        guard slot >= 0 else { return }
        slots[slot].requests &+= 1
        if status >= 500 { slots[slot].serverErrors &+= 1 } else if status >= 400 { slots[slot].clientErrors &+= 1 }
        pending = true
    }

    /// The counts since the last `take`, nonzero routes only; zeroes them.
    func take() -> [UsageDelta] {
        guard pending else { return [] }
        var out: [UsageDelta] = []
        for i in slots.indices where slots[i].requests > 0 {
            out.append(UsageDelta(route: names[i], consumer: "", requests: slots[i].requests,
                                  clientErrors: slots[i].clientErrors, serverErrors: slots[i].serverErrors))
            slots[i] = Slot()
        }
        pending = false
        return out
    }

    /// Puts back counts a full mailbox did not take.
    func restore(_ deltas: [UsageDelta]) {
        for d in deltas {
            guard let i = names.firstIndex(of: d.route) else { continue }
            slots[i].requests &+= d.requests
            slots[i].clientErrors &+= d.clientErrors
            slots[i].serverErrors &+= d.serverErrors
            pending = true
        }
    }
}
