// RuntimeSyscallError: the error thrown by the runtime's syscall wrappers (eventfd, affinity).

/// A failed system call: which call failed and the `errno` it left.
///
/// Kept small and `Sendable` so it can cross threads. The general-purpose error type of NexusSystem may absorb
/// this one later; until then the runtime's wrappers throw it.
public struct RuntimeSyscallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name of the failed call, for example `"eventfd"`.
    public let call: String
    /// The `errno` value the call left.
    public let errno: Int32

    /// Creates an error for `call` failing with `errno`.
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call) failed: errno \(errno)" }
}
