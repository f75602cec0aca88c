// FlushSignal: a one-shot, blocking completion signal (pthread mutex + condition variable).
#if canImport(Glibc)
import Glibc
#endif

/// A one-shot event one thread waits for and another signals; used by `LogWriter.flush()`.
///
/// `Synchronization` has `Mutex` but no condition variable, so this wraps `pthread_mutex_t` and `pthread_cond_t`,
/// allocated once so they never move.
public final class FlushSignal {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// Guarded by `mutex`.
    private var signalled = false

    /// Creates an unsignalled event.
    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        precondition(pthread_cond_init(condition, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Marks the event as happened and wakes every waiter.
    public func signal() {
        pthread_mutex_lock(mutex)
        signalled = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Blocks until `signal()` has been called (returns at once if it already was).
    public func wait() {
        pthread_mutex_lock(mutex)
        while !signalled {
            pthread_cond_wait(condition, mutex)
        }
        pthread_mutex_unlock(mutex)
    }
}

// SAFETY: `signalled` is read and written only with `mutex` held; the mutex and condition variable live at fixed
// addresses for the object's lifetime.
extension FlushSignal: @unchecked Sendable {}
