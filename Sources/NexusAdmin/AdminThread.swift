import Glibc
import NexusSystem

/// A plain joinable pthread for the admin loop (NexusRuntime's loops are for the request path; this is one
/// blocking thread that sleeps in accept).
struct AdminThread: Sendable {
    let id: pthread_t

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts a thread named `name` that runs `body` (pthread_create); nil with errno if it could not be started.
    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) -> Result<AdminThread, SystemError> {
        let box = Unmanaged.passRetained(Body {
            try? RuntimeThreadName.setCurrent(name)
            body()
        })
        var id = pthread_t()
        let rc = pthread_create(&id, nil, { arg in
            Unmanaged<Body>.fromOpaque(arg!).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            return .failure(SystemError("pthread_create", errno: rc))
        }
        return .success(AdminThread(id: id))
    }

    /// True when called on this thread.
    var isCurrent: Bool { pthread_equal(id, pthread_self()) != 0 }

    /// Waits for the thread to end (pthread_join).
    func join() { pthread_join(id, nil) }
}
