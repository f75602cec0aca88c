// AppendTicket: the completion of one append, completed by the writer thread, waited on or polled by the caller.
import NexusRuntime
import Synchronization

/// The outcome of one `StateLog.append`: pending until the writer thread acknowledges (or fails) it.
///
/// Event-loop threads poll `result` or register `onComplete` (which runs on the writer thread: keep it short, e.g.
/// post to the loop's mailbox); other threads may block in `wait()`. When it completes depends on the sync policy
/// (see `SyncPolicy`).
public final class AppendTicket: Sendable {
    private struct Inner {
        var result: Result<UInt64, StateError>?
        var waiter: FlushSignal?
        var callbacks: [@Sendable (Result<UInt64, StateError>) -> Void] = []
    }

    /// 0 while pending, 1 once `result` is set; lets `isComplete` skip the lock.
    private let completed = Atomic<Bool>(false)
    private let inner = Mutex(Inner())

    init() {}

    init(failed error: StateError) {
        inner.withLock { $0.result = .failure(error) }
        // Releasing: pairs with the acquiring load in `isComplete`.
        completed.store(true, ordering: .releasing)
    }

    /// True once the append was acknowledged or failed.
    public var isComplete: Bool {
        // Acquiring: pairs with the releasing store in `complete`.
        completed.load(ordering: .acquiring)
    }

    /// The sequence number given to the record, or the error; `nil` while pending.
    public var result: Result<UInt64, StateError>? {
        inner.withLock { $0.result }
    }

    /// Blocks until the append completes; returns its sequence number. Never call it on an event-loop thread.
    public func wait() throws(StateError) -> UInt64 {
        let signal: FlushSignal? = inner.withLock { inner in
            if inner.result != nil { return nil }
            if inner.waiter == nil { inner.waiter = FlushSignal() }
            return inner.waiter
        }
        signal?.wait()
        guard let result = self.result else { preconditionFailure("ticket signalled without a result") }
        return try result.get()
    }

    /// Runs `body` with the outcome: at once on this thread if complete, else later on the writer thread.
    public func onComplete(_ body: @escaping @Sendable (Result<UInt64, StateError>) -> Void) {
        let done: Result<UInt64, StateError>? = inner.withLock { inner in
            if let result = inner.result { return result }
            inner.callbacks.append(body)
            return nil
        }
        if let done { body(done) }
    }

    /// Sets the outcome, wakes the waiter and runs the callbacks; writer thread, once.
    func complete(_ result: Result<UInt64, StateError>) {
        let (waiter, callbacks) = inner.withLock { inner in
            precondition(inner.result == nil, "append ticket completed twice")
            inner.result = result
            let taken = (inner.waiter, inner.callbacks)
            inner.callbacks = []
            return taken
        }
        // Releasing: pairs with the acquiring load in `isComplete` (the result is also under the mutex).
        completed.store(true, ordering: .releasing)
        waiter?.signal()
        for callback in callbacks { callback(result) }
    }
}
