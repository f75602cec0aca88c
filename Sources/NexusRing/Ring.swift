import CNexusLinux
import Glibc
import NexusSystem

/// One io_uring instance (liburing), owned by the thread that created it.
///
/// The ring is created with IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN where the kernel has them
/// (both are in 6.1): completions are then processed only when this thread enters the kernel, in batches. On a
/// kernel that refuses those flags the ring is created without them. `Ring` is ~Copyable: it owns a kernel
/// resource and releases it in deinit (io_uring_queue_exit).
public struct Ring: ~Copyable {
    /// The liburing state, on the heap so that its address is stable.
    public let raw: UnsafeMutablePointer<io_uring>
    /// The flags the ring was actually created with.
    public let setupFlags: UInt32

    /// Creates a ring with `entries` submission slots and a completion queue `cqFactor` times as large.
    /// Must be called on the thread that will use it (SINGLE_ISSUER).
    public init(entries: UInt32, cqFactor: UInt32 = 4) throws(SystemError) {
        raw = .allocate(capacity: 1)
        raw.initialize(to: io_uring())
        var params = io_uring_params()
        params.flags = UInt32(IORING_SETUP_CQSIZE) | UInt32(IORING_SETUP_SINGLE_ISSUER) | UInt32(IORING_SETUP_DEFER_TASKRUN)
            | UInt32(IORING_SETUP_SUBMIT_ALL)
        params.cq_entries = entries * cqFactor
        var rc = io_uring_queue_init_params(entries, raw, &params)
        if rc == -EINVAL {
            // Older kernel: no SINGLE_ISSUER/DEFER_TASKRUN. Plain ring.
            params = io_uring_params()
            params.flags = UInt32(IORING_SETUP_CQSIZE)
            params.cq_entries = entries * cqFactor
            rc = io_uring_queue_init_params(entries, raw, &params)
        }
        guard rc == 0 else {
            raw.deallocate()
            throw SystemError("io_uring_queue_init", errno: -rc)
        }
        setupFlags = params.flags
    }

    deinit {
        io_uring_queue_exit(raw)
        raw.deallocate()
    }

    /// A free submission entry; if the queue is full, what is queued is submitted first to make room.
    @inlinable public func sqe() -> UnsafeMutablePointer<io_uring_sqe> {
        if let s = io_uring_get_sqe(raw) { return s }
        _ = io_uring_submit(raw)
        guard let s = io_uring_get_sqe(raw) else {
            preconditionFailure("io_uring submission queue still full after submit")
        }
        return s
    }

    /// Submits what is queued and waits for at least `waitFor` completions (io_uring_submit_and_wait).
    /// Returns the number submitted or -errno (-EINTR and -ETIME are normal).
    @inlinable @discardableResult
    public func submitAndWait(_ waitFor: UInt32) -> Int32 {
        io_uring_submit_and_wait(raw, waitFor)
    }

    /// Submits what is queued without waiting.
    @inlinable @discardableResult
    public func submit() -> Int32 { io_uring_submit(raw) }

    /// Flushes deferred task work and posts what completed, without waiting (io_uring_get_events).
    @inlinable public func getEvents() { _ = io_uring_get_events(raw) }

    /// The number of completions ready to be read (io_uring_cq_ready).
    @inlinable public var readyCount: UInt32 { io_uring_cq_ready(raw) }

    /// Copies up to `into.count` ready completions' pointers into `into` (io_uring_peek_batch_cqe).
    @inlinable public func peekBatch(_ into: UnsafeMutablePointer<UnsafeMutablePointer<io_uring_cqe>?>, max: Int) -> Int {
        Int(io_uring_peek_batch_cqe(raw, into, UInt32(max)))
    }

    /// Marks `count` completions as consumed (io_uring_cq_advance).
    @inlinable public func advance(_ count: Int) {
        io_uring_cq_advance(raw, UInt32(count))
    }
}
