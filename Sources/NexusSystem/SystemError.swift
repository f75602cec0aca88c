import Glibc

/// A failed system call: which call, and the errno it returned.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    /// The call that failed, e.g. "bind".
    public var call: String
    /// The errno value (positive).
    public var errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// `call: strerror(errno)`.
    public var description: String { "\(call): \(SystemError.describe(errno))" }

    /// The text of an errno value (strerror).
    public static func describe(_ errno: Int32) -> String {
        guard let s = strerror(errno) else { return "errno \(errno)" }
        return String(cString: s)
    }

    /// The errno of the last failed call on this thread, wrapped.
    public static func last(_ call: String) -> SystemError { SystemError(call, errno: Glibc.errno) }
}
