// Waker: wakes one consumer thread through an eventfd, coalescing wakes between two drains.
import NexusSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Wakes one consumer (an event loop or a plain thread) from any number of threads through an eventfd.
///
/// Wakes coalesce: an `Atomic<Bool>` "pending" flag makes only the first `wake()` after the consumer's
/// `acknowledge()` write the eventfd; later wakes see the flag set and return without a syscall. So a burst of
/// posts costs one `write(2)` and one readiness event.
///
/// The consumer protocol is: wait for `fd` to become readable (its own io_uring/epoll, or `waitBlocking`), call
/// `acknowledge()`, then drain its queue until empty, then wait again.
///
/// Why no wake is lost. A producer pushes its item, then calls `wake()`, whose `exchange(true)` is an atomic
/// read-modify-write on the flag; `acknowledge()` first resets the eventfd counter, then clears the flag with
/// `exchange(false)`, and only then does the consumer drain. The flag's modification order puts each producer's
/// exchange either before or after the consumer's clear:
/// - before: the clear reads that producer's `true` (or a later RMW in its release sequence), and because both
///   exchanges are acquiring-and-releasing the producer's push happens before the consumer's drain, which therefore
///   sees the item;
/// - after: the producer reads `false` (the clear), so it writes the eventfd; the consumer's counter reset happened
///   before its clear, so this write survives and the consumer's next wait returns at once.
/// Resetting the counter *after* clearing the flag would lose wakes: a producer that sets the flag between the two
/// steps would have its eventfd write consumed while its item could still be invisible to the drain.
/// The price of this order is an occasional spurious wake-up (a producer whose exchange came before the clear but
/// whose write came after the reset), after which the consumer finds nothing new.
///
/// If the consumer watches `fd` with io_uring or epoll, it should watch for readiness (poll) rather than submit a
/// read: `acknowledge()` itself reads the counter.
public final class Waker: Sendable {
    /// The eventfd (EFD_NONBLOCK | EFD_CLOEXEC) the consumer waits on; owned by the waker and closed in `deinit`.
    public let fd: Int32
    /// True from the first `wake()` after an `acknowledge()` until the next `acknowledge()`.
    private let pending = Atomic<Bool>(false)

    /// Creates a waker with a fresh eventfd (wraps `eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)`).
    public init() throws(RuntimeSyscallError) {
        fd = try RuntimeEventFD.create()
    }

    deinit {
        close(fd)
    }

    /// Makes `fd` readable unless a wake is already pending; any thread.
    ///
    /// Call it after publishing the work the consumer should see.
    public func wake() {
        // Acquiring-and-releasing: releasing pairs with the consumer's acquiring clear in `acknowledge` (our earlier
        // push happens before its drain); acquiring pairs with that clear's releasing side, so the consumer's counter
        // reset happens before our eventfd write below.
        if !pending.exchange(true, ordering: .acquiringAndReleasing) {
            RuntimeEventFD.signal(fd)
        }
    }

    /// Resets the eventfd counter, then clears the pending flag; consumer only, before it drains its queue.
    ///
    /// See the type's documentation for why the order matters.
    public func acknowledge() {
        _ = RuntimeEventFD.drain(fd)
        // Acquiring-and-releasing, and an exchange rather than a store so that it reads the flag: acquiring pairs with
        // the releasing side of every producer exchange before it (their pushes happen before our drain); releasing
        // pairs with the acquiring side of every producer exchange after it (our counter reset happens before
        // their eventfd write).
        _ = pending.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Waits until `fd` is readable or the timeout passes (wraps `poll(2)`); for consumers that are plain threads.
    ///
    /// - Parameter timeoutMilliseconds: the longest wait; negative waits forever. EINTR restarts the wait with the
    ///   full timeout.
    /// - Returns: `true` if `fd` is readable (call `acknowledge()` and drain), `false` on timeout.
    public func waitBlocking(timeoutMilliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let rc = poll(&descriptor, 1, timeoutMilliseconds)
            if rc > 0 { return true }
            if rc == 0 { return false }
            if errno == EINTR { continue }
            preconditionFailure("poll on a waker's eventfd failed: errno \(errno)")
        }
    }
}
