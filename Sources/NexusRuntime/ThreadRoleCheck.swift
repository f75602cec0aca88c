// ThreadRoleCheck: a debug-build check that a single-thread role (producer, consumer) stays on one thread.
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Records the first thread that plays a role and traps, in debug builds, if another thread plays it later.
///
/// The rings are correct only if their single-thread roles are respected; this turns a misuse into a clear trap
/// during tests instead of silent corruption. In release builds it compiles to nothing. A role may legitimately move
/// to another thread after a synchronizing hand-off; call ``reset()`` from the new thread's side of that hand-off.
public struct ThreadRoleCheck: ~Copyable, Sendable {
    #if DEBUG
    /// `pthread_self()` of the thread that owns the role, or 0 while unclaimed.
    @usableFromInline let owner = Atomic<UInt>(0)
    #endif
    @usableFromInline let role: StaticString

    /// Creates an unclaimed check for the role named `role` (used in the trap message).
    public init(role: StaticString) {
        self.role = role
    }

    /// Claims the role for the calling thread on first use; traps in debug builds if another thread owns it.
    @inlinable
    public func check() {
        #if DEBUG
        let me = UInt(pthread_self())
        // Relaxed: the check orders no other memory; it only compares thread identities.
        let (exchanged, original) = owner.compareExchange(expected: 0, desired: me, ordering: .relaxed)
        if !exchanged && original != me {
            preconditionFailure("\(role) used from two threads; this role belongs to a single thread")
        }
        #endif
    }

    /// Releases the role so the next thread to call ``check()`` claims it.
    public func reset() {
        #if DEBUG
        // Relaxed: the hand-off itself must be synchronized by the caller (e.g. a thread join).
        owner.store(0, ordering: .relaxed)
        #endif
    }
}
