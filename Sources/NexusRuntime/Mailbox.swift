// Mailbox: the queue other threads use to hand work to one consumer: MPSC ring + waker + drop counter.
import NexusSystem
import Synchronization

/// A bounded multi-producer single-consumer queue with a waker and a drop counter.
///
/// Full-ring policy: posting never blocks. When the ring is full, `post` does not store the element, counts it in
/// `dropped` and returns `false`; the request or connection that posted carries on without it. A full mailbox means
/// its consumer is behind, and blocking or buffering without bound on the hot path would spread that stall to every
/// thread that posts to it. The exception is control messages (shutdown, flush, configuration swap), which must
/// not be lost: their senders use `tryPost`, which is not counted as a drop, and retry until it succeeds.
///
/// Consumer: wait on `fd` (or `waitBlocking`), then call `drain`, which acknowledges the waker and pops until the
/// ring is empty; see `Waker` for why no post is left unseen.
public final class Mailbox<Element: Sendable>: Sendable {
    private let ring: MPSCRing<Element>
    /// The waker the consumer waits on; exposed so a consumer can wait on several mailboxes through one loop.
    public let waker: Waker
    private let droppedCount = Atomic<Int>(0)

    /// Creates a mailbox holding at least `capacity` elements (rounded up to a power of two) and its eventfd.
    public init(capacity: Int) throws(RuntimeSyscallError) {
        ring = MPSCRing(capacity: capacity)
        waker = try Waker()
    }

    /// The number of elements the mailbox holds when full.
    public var capacity: Int { ring.capacity }

    /// The eventfd that becomes readable when something was posted; for the consumer's io_uring/epoll.
    public var fd: Int32 { waker.fd }

    /// How many posts were dropped because the ring was full, since creation.
    public var dropped: Int {
        // Relaxed: a statistic; it pairs with nothing.
        droppedCount.load(ordering: .relaxed)
    }

    /// The number of queued elements at some recent moment.
    public var approximateCount: Int { ring.approximateCount }

    /// Posts `element` and wakes the consumer; any thread, never blocks.
    ///
    /// - Returns: `true` if queued; `false` if the ring was full: the element was dropped and counted in `dropped`.
    @discardableResult
    public func post(_ element: consuming Element) -> Bool {
        if ring.push(element) {
            waker.wake()
            return true
        }
        // Relaxed: a statistic; it pairs with nothing.
        droppedCount.add(1, ordering: .relaxed)
        return false
    }

    /// Posts `element` if there is room, without counting a drop when there is not; for control messages whose
    /// sender keeps the element and retries.
    ///
    /// - Returns: `true` if queued, `false` if the ring was full.
    public func tryPost(_ element: consuming Element) -> Bool {
        if ring.push(element) {
            waker.wake()
            return true
        }
        return false
    }

    /// Acknowledges the waker, then pops and hands to `body` every element, until the ring is empty or `limit`
    /// elements were handled; consumer thread only.
    ///
    /// If it stops at `limit` (or because `body` threw) with elements left, it wakes the waker again so `fd` stays readable and the consumer's
    /// next wait returns at once: a limit bounds one turn of an event loop without stranding work.
    ///
    /// - Returns: the number of elements handed to `body`.
    @discardableResult
    public func drain(limit: Int = .max, _ body: (Element) throws -> Void) rethrows -> Int {
        waker.acknowledge()
        var handled = 0
        var emptied = false
        // Stopping early (limit reached, or `body` threw) leaves elements behind after the acknowledge: wake again.
        defer { if !emptied && ring.approximateCount > 0 { waker.wake() } }
        while handled < limit {
            guard let element = ring.pop() else {
                emptied = true
                break
            }
            handled += 1
            try body(element)
        }
        return handled
    }
}
