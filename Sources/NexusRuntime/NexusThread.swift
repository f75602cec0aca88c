// NexusThread: a named, optionally pinned OS thread for event loops and the log writer.
import NexusSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A joinable OS thread created with `pthread_create`, named and optionally pinned to one CPU.
///
/// Event loops are long-lived threads, not tasks: they block in io_uring or `poll` and must not occupy a Swift
/// concurrency executor. A thread never joined is detached when its `NexusThread` object goes away.
public final class NexusThread: Sendable {
    /// The thread's name as given to `spawn` (the kernel keeps its first 15 bytes).
    public let name: String
    /// The CPU the thread was asked to run on, or `nil` if it may run anywhere.
    public let cpu: Int?
    /// The error from naming or pinning the thread, if any; the body runs anyway (unnamed or unpinned).
    public let setupError: RuntimeSyscallError?
    private let handle: pthread_t
    private let joined = Atomic<Bool>(false)

    private init(name: String, cpu: Int?, setupError: RuntimeSyscallError?, handle: pthread_t) {
        self.name = name
        self.cpu = cpu
        self.setupError = setupError
        self.handle = handle
    }

    deinit {
        // Relaxed: deinit runs after the last reference is gone, ordered by the reference count.
        if !joined.load(ordering: .relaxed) {
            pthread_detach(handle)
        }
    }

    /// Starts a thread that names itself `name`, pins itself to `cpu` if given, then runs `body`.
    ///
    /// Returns once the new thread has applied its name and pinning, so `setupError` is final. A failing
    /// `pthread_create` (EAGAIN: out of threads or memory) is a startup failure the process cannot work around:
    /// it traps with the errno.
    public static func spawn(name: String, cpu: Int? = nil, _ body: @escaping @Sendable () -> Void) -> NexusThread {
        let start = ThreadStart(name: name, cpu: cpu, body: body)
        let context = Unmanaged.passRetained(start).toOpaque()
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, nexusThreadEntry, context)
        guard rc == 0 else {
            Unmanaged<ThreadStart>.fromOpaque(context).release()
            preconditionFailure("pthread_create for thread '\(name)' failed: errno \(rc)")
        }
        let setupError = start.waitUntilStarted()
        return NexusThread(name: name, cpu: cpu, setupError: setupError, handle: handle)
    }

    /// Waits for the thread's body to return (wraps `pthread_join`). Call at most once, not from the thread itself.
    public func join() {
        // Acquiring-and-releasing: orders nothing itself (pthread_join does); the exchange only detects a second join.
        if joined.exchange(true, ordering: .acquiringAndReleasing) {
            preconditionFailure("thread '\(name)' joined twice")
        }
        let rc = pthread_join(handle, nil)
        precondition(rc == 0, "pthread_join of thread '\(name)' failed: errno \(rc)")
    }
}

/// What a new thread needs to start, and the hand-shake that reports its setup back to `spawn`.
private final class ThreadStart: Sendable {
    let name: String
    let cpu: Int?
    let body: @Sendable () -> Void
    /// 0 until the thread has finished its setup, then 1.
    private let started = Atomic<Int>(0)
    /// The setup error's errno (0 if none) and which call failed: 1 naming, 2 pinning.
    private let setupErrno = Atomic<Int32>(0)
    private let setupCall = Atomic<Int>(0)

    init(name: String, cpu: Int?, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.cpu = cpu
        self.body = body
    }

    /// Runs on the new thread: name, pin, report, then the body.
    func run() {
        var failure: RuntimeSyscallError?
        do {
            try RuntimeThreadName.setCurrent(name)
        } catch {
            failure = error
        }
        if let cpu {
            do {
                try RuntimeThreadAffinity.pinCurrentThread(to: cpu)
            } catch {
                failure = error
            }
        }
        if let failure {
            // Relaxed: published by the releasing store of `started` below.
            setupErrno.store(failure.errno, ordering: .relaxed)
            setupCall.store(failure.call == "pthread_setaffinity_np" ? 2 : 1, ordering: .relaxed)
        }
        // Releasing: pairs with the acquiring load in `waitUntilStarted`, publishing the error fields above.
        started.store(1, ordering: .releasing)
        body()
    }

    /// Runs on the spawning thread: waits (yielding the CPU) until the new thread's setup is done.
    func waitUntilStarted() -> RuntimeSyscallError? {
        // Acquiring: pairs with the releasing store in `run`.
        while started.load(ordering: .acquiring) == 0 {
            sched_yield()
        }
        // Relaxed: ordered by the acquiring load above.
        let code = setupErrno.load(ordering: .relaxed)
        guard code != 0 else { return nil }
        let call = setupCall.load(ordering: .relaxed) == 2 ? "pthread_setaffinity_np" : "pthread_setname_np"
        return RuntimeSyscallError(call: call, errno: code)
    }
}

/// The C entry point of every NexusThread: a global function, so it has no actor isolation to check (a closure
/// literal here would be inferred @MainActor from top-level code and trap on the new thread).
private func nexusThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { preconditionFailure("NexusThread started without its context") }
    let start = Unmanaged<ThreadStart>.fromOpaque(context).takeRetainedValue()
    start.run()
    return nil
}
