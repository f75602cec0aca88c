// MPSCRing: the bounded multi-producer single-consumer ring behind every Mailbox.
import Synchronization

/// A bounded, lock-free ring for any number of producer threads and one consumer thread.
///
/// This is Dmitry Vyukov's bounded MPMC queue specialised to one consumer. Every slot carries a sequence number:
/// a slot at position `p` is free for the producer of lap `p` when `sequence == p`, and holds a value for the
/// consumer when `sequence == p + 1`; after the move the consumer sets it to `p + capacity`, freeing it for the
/// next lap. Producers claim positions by CAS on `enqueuePosition`; they never wait for each other or the consumer,
/// so `push` returns `false` at once when the ring is full.
///
/// Order: values leave in the order their positions were claimed, so each producer's values arrive in the order
/// it pushed them. A producer preempted between claiming a slot and publishing it makes `pop` return `nil` until it
/// publishes, even if later slots are ready; the consumer must therefore be woken again after that publish (the
/// `Mailbox`'s `Waker` does this, because every successful post wakes).
///
/// Threading: `push` from any thread, `pop` from one thread only (checked in debug builds).
public final class MPSCRing<Element> {
    /// The number of elements the ring holds when full: the requested capacity rounded up to a power of two.
    public let capacity: Int
    @usableFromInline let mask: Int
    /// One sequence number per slot (see the type's documentation).
    @usableFromInline let sequences: UnsafeMutablePointer<Atomic<Int>>
    /// Slot storage; slot `i` is initialized exactly when `sequences[i] == position + 1` for its position.
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    @usableFromInline let consumerRole = ThreadRoleCheck(role: "MPSCRing.pop")

    private let _padBeforeProducers = CacheLinePad()

    /// The next position a producer will claim; CASed by producers.
    @usableFromInline let enqueuePosition = Atomic<Int>(0)

    private let _padBetween = CacheLinePad()

    /// The next position the consumer reads; written only by the consumer, read by `approximateCount`.
    @usableFromInline let dequeuePosition = Atomic<Int>(0)

    private let _padAfterConsumer = CacheLinePad()

    /// Creates an empty ring holding at least `capacity` elements (rounded up to a power of two, at least 1).
    public init(capacity requested: Int) {
        capacity = ringCapacity(forRequested: requested)
        mask = capacity - 1
        sequences = .allocate(capacity: capacity)
        for index in 0..<capacity {
            (sequences + index).initialize(to: Atomic<Int>(index))
        }
        storage = .allocate(capacity: capacity)
    }

    deinit {
        // Relaxed: deinit runs after the last reference is gone; the reference count's release/acquire orders
        // every earlier push and pop before this point, so plain loads see their effects.
        var position = dequeuePosition.load(ordering: .relaxed)
        while true {
            let index = position & mask
            guard sequences[index].load(ordering: .relaxed) == position &+ 1 else { break }
            (storage + index).deinitialize(count: 1)
            position &+= 1
        }
        sequences.deinitialize(count: capacity)
        sequences.deallocate()
        storage.deallocate()
    }

    /// Appends `element` unless the ring is full; any thread, never blocks.
    ///
    /// - Returns: `true` if stored; `false` if the ring was full, in which case the element is not stored.
    @inlinable
    public func push(_ element: consuming Element) -> Bool {
        // Relaxed: the position is only a guess; the slot's sequence number (acquiring below) decides.
        var position = enqueuePosition.load(ordering: .relaxed)
        while true {
            let index = position & mask
            // Acquiring: pairs with the consumer's releasing store of `position + capacity` in `pop` (a previous
            // lap), so its move out of this slot happens before our initialize.
            let sequence = sequences[index].load(ordering: .acquiring)
            let difference = sequence &- position
            if difference == 0 {
                // Relaxed: the CAS only hands out positions; the slot's contents are published by the releasing
                // sequence store below, not by this CAS.
                let (exchanged, original) = enqueuePosition.weakCompareExchange(
                    expected: position, desired: position &+ 1,
                    successOrdering: .relaxed, failureOrdering: .relaxed)
                if exchanged {
                    (storage + index).initialize(to: element)
                    // Releasing: pairs with the consumer's acquiring load of this sequence in `pop`, publishing
                    // the initialized slot.
                    sequences[index].store(position &+ 1, ordering: .releasing)
                    return true
                }
                position = original
            } else if difference < 0 {
                // The slot still holds the value from the previous lap: the ring is full.
                return false
            } else {
                // Another producer claimed this position; catch up. Relaxed, as above.
                position = enqueuePosition.load(ordering: .relaxed)
            }
        }
    }

    /// Removes and returns the oldest published element, or `nil` if there is none; consumer thread only.
    ///
    /// `nil` can also mean the next slot is claimed but not yet published (see the type's documentation).
    @inlinable
    public func pop() -> Element? {
        consumerRole.check()
        // Relaxed: only this thread writes `dequeuePosition`.
        let position = dequeuePosition.load(ordering: .relaxed)
        let index = position & mask
        // Acquiring: pairs with the producer's releasing store of `position + 1` in `push`, so the slot's
        // initialization happens before our move.
        let sequence = sequences[index].load(ordering: .acquiring)
        guard sequence == position &+ 1 else { return nil }
        let element = (storage + index).move()
        // Relaxed: `dequeuePosition` is private to the consumer apart from the `approximateCount` statistic.
        dequeuePosition.store(position &+ 1, ordering: .relaxed)
        // Releasing: pairs with a producer's acquiring load of this sequence in `push` on the next lap, so our
        // move out of the slot happens before its initialize.
        sequences[index].store(position &+ capacity, ordering: .releasing)
        return element
    }

    /// The number of elements claimed but not yet popped at some recent moment; exact only when all sides are idle.
    public var approximateCount: Int {
        // Relaxed: a statistic; it pairs with nothing. Clamped because the two loads are not one snapshot.
        let dequeued = dequeuePosition.load(ordering: .relaxed)
        let enqueued = enqueuePosition.load(ordering: .relaxed)
        return min(max(enqueued &- dequeued, 0), capacity)
    }
}

// SAFETY: producers touch a slot only after winning the CAS for its position and seeing its sequence equal to that
// position (acquiring), and publish it with a releasing sequence store; the single consumer (checked in debug builds
// by ThreadRoleCheck) moves a slot out only after an acquiring load sees `position + 1`, and frees it with a
// releasing store of `position + capacity`. No slot is ever accessed by two threads without one of these pairs.
// Elements cross threads, so they must be Sendable.
extension MPSCRing: @unchecked Sendable where Element: Sendable {}
