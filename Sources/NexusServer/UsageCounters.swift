import NexusAuth
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
    /// Requests the gateway refused itself (401, 403, 429): they count in `requests` and `clientErrors` but not
    /// against a quota.
    public var rejected: Int

    public init(route: String, consumer: String, requests: Int, clientErrors: Int, serverErrors: Int, rejected: Int = 0) {
        self.route = route
        self.consumer = consumer
        self.requests = requests
        self.clientErrors = clientErrors
        self.serverErrors = serverErrors
        self.rejected = rejected
    }
}

/// Failed authentications from one client address on one route, counted on a loop since its last flush.
public struct AuthFailureCount: Sendable, Equatable {
    public var route: String
    /// The client address as text.
    public var address: String
    public var count: Int

    public init(route: String, address: String, count: Int) {
        self.route = route
        self.address = address
        self.count = count
    }
}

/// One run of a workflow (or a call of a federated tool), for the audit log: the same record whatever the channel.
public struct WorkflowRun: Sendable, Equatable {
    /// The most a loop keeps per flush interval; more are counted and reported as not recorded.
    public static let maxPerFlush = 65536
    /// When it was answered, in milliseconds since the Unix epoch.
    public var unixMilliseconds: Int64
    /// `workflow.run` or `mcp.call` (a tool of an upstream MCP server).
    public var action: String
    /// The workflow, or `SERVER/TOOL`.
    public var target: String
    /// `rest`, `mcp` or `cli`.
    public var channel: String
    /// The consumer's id; nil for an anonymous caller.
    public var consumer: String?
    /// The client's address as text (ASCII bytes: made into a string by the writer, not on the loop).
    public var addressBytes: [UInt8]
    public var status: Int

    public var address: String { String(decoding: addressBytes, as: UTF8.self) }

    public init(unixMilliseconds: Int64, action: String, target: String, channel: String, consumer: String?, address: [UInt8], status: Int) {
        self.unixMilliseconds = unixMilliseconds
        self.action = action
        self.target = target
        self.channel = channel
        self.consumer = consumer
        addressBytes = address
        self.status = status
    }
}

/// What a loop posts every flush interval.
public enum LoopReport: Sendable {
    case usage([UsageDelta])
    case authFailures([AuthFailureCount])
    /// Runs answered since the last flush, oldest first, and how many more there were past the cap.
    case workflowRuns([WorkflowRun], dropped: Int)
}

/// Where loops send their usage counts, and how often: every `interval` a loop posts what it counted since the
/// last post (never a message per request). The receiver (nexusd's maintenance thread) drains `mailbox`.
public struct UsageSink: Sendable {
    public let mailbox: Mailbox<LoopReport>
    public let intervalMilliseconds: Int64

    public init(mailbox: Mailbox<LoopReport>, intervalMilliseconds: Int64) {
        self.mailbox = mailbox
        self.intervalMilliseconds = intervalMilliseconds
    }
}

/// A loop's usage counters: per route slot and consumer, plain integers owned by the loop (no atomics, no lock);
/// `take` hands them over as deltas and zeroes them.
final class UsageCounters {
    private struct Slot {
        var requests = 0, clientErrors = 0, serverErrors = 0, rejected = 0

        @inline(__always)
        mutating func add(status: Int, rejected r: Bool) {
            requests &+= 1
            if status >= 500 { serverErrors &+= 1 } else if status >= 400 { clientErrors &+= 1 }
            if r { rejected &+= 1 }
        }
    }

    /// Key: the route slot in the low 24 bits, the consumer's index + 1 above (0: anonymous).
    private var slots: [Int: Slot] = [:]
    private var consumers: [Int: String] = [:]
    private var names: [String]
    /// Failed authentications by route slot and client address (text).
    private var failures: [AuthFailureKey: Int] = [:]

    private struct AuthFailureKey: Hashable {
        var slot: Int
        var address: [UInt8]
    }

    /// Counts a failed authentication (at most 1,024 distinct addresses per flush; more are counted as "other").
    func countFailure(slot: Int, address: [UInt8]) {
        guard slot >= 0 else { return }
        let key = failures.count < 1024 ? AuthFailureKey(slot: slot, address: address) : AuthFailureKey(slot: slot, address: [])
        failures[key, default: 0] += 1
    }

    /// The failed authentications since the last call; zeroes them.
    func takeFailures() -> [AuthFailureCount] {
        guard !failures.isEmpty else { return [] }
        let out = failures.map { k, n in
            AuthFailureCount(route: names[k.slot], address: k.address.isEmpty ? "other" : Self.text(k.address), count: n)
        }
        failures.removeAll(keepingCapacity: true)
        return out
    }

    private static func text(_ a: [UInt8]) -> String {
        if a.count == 4 { return a.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        var i = 0
        while i + 1 < a.count { groups.append(String(UInt16(a[i]) << 8 | UInt16(a[i + 1]), radix: 16)); i += 2 }
        return groups.joined(separator: ":")
    }

    init(names: [String]) {
        self.names = names
        slots.reserveCapacity(names.count)
    }

    var pending: Bool { !slots.isEmpty || !failures.isEmpty }

    /// Counts one answer of the route in `slot` (negative: no route, not counted) for `consumer`.
    @inline(__always)
    func count(slot: Int, consumer: Principal?, status: Int, rejected: Bool = false) {
        guard slot >= 0 else { return }
        var key = slot
        if let consumer {
            key |= (consumer.index + 1) << 24
            if consumers[consumer.index] == nil { consumers[consumer.index] = consumer.consumer }
        }
        slots[key, default: Slot()].add(status: status, rejected: rejected)
    }

    /// The counts since the last `take`; zeroes them.
    func take() -> [UsageDelta] {
        guard !slots.isEmpty else { return [] }
        var out: [UsageDelta] = []
        out.reserveCapacity(slots.count)
        for (key, s) in slots {
            let slot = key & 0xFF_FFFF, index = (key >> 24) - 1
            out.append(UsageDelta(route: names[slot], consumer: index >= 0 ? consumers[index] ?? "" : "", requests: s.requests,
                                  clientErrors: s.clientErrors, serverErrors: s.serverErrors, rejected: s.rejected))
        }
        slots.removeAll(keepingCapacity: true)
        return out
    }

    /// Puts back counts a full mailbox did not take.
    func restore(_ deltas: [UsageDelta]) {
        for d in deltas {
            guard let slot = names.firstIndex(of: d.route) else { continue }
            var key = slot
            if !d.consumer.isEmpty {
                let index = consumers.first(where: { $0.value == d.consumer })?.key ?? -1
                if index >= 0 { key |= (index + 1) << 24 }
            }
            slots[key, default: Slot()].requests &+= d.requests
            slots[key, default: Slot()].clientErrors &+= d.clientErrors
            slots[key, default: Slot()].serverErrors &+= d.serverErrors
            slots[key, default: Slot()].rejected &+= d.rejected
        }
    }
}
