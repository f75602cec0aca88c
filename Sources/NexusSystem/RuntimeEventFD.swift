// RuntimeEventFD: thin wrappers of eventfd(2) for the runtime's Waker.
import CNexusLinux
#if canImport(Glibc)
import Glibc
#endif

/// Wrappers of the eventfd(2) calls the runtime's `Waker` needs.
///
/// <sys/eventfd.h> is not part of the Glibc module, so these go through CNexusLinux.
public enum RuntimeEventFD {
    /// Creates a non-blocking, close-on-exec eventfd with a zero counter (wraps `eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC)`).
    public static func create() throws(RuntimeSyscallError) -> Int32 {
        let fd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        if fd < 0 { throw RuntimeSyscallError(call: "eventfd", errno: Glibc.errno) }
        return fd
    }

    /// Adds one to the counter (wraps `write(2)` of an 8-byte 1), retrying on EINTR.
    ///
    /// Returns `false` only on EAGAIN (the counter is at its maximum, so the fd is readable anyway) or an
    /// unexpected error such as EBADF; the caller treats every outcome as "the fd is readable".
    @discardableResult
    public static func signal(_ fd: Int32) -> Bool {
        var one: UInt64 = 1
        while true {
            let n = withUnsafeBytes(of: &one) { write(fd, $0.baseAddress, 8) }
            if n == 8 { return true }
            if n < 0 && Glibc.errno == EINTR { continue }
            return false
        }
    }

    /// Reads and resets the counter (wraps `read(2)` of 8 bytes); returns 0 when it was already zero (EAGAIN).
    public static func drain(_ fd: Int32) -> UInt64 {
        var value: UInt64 = 0
        while true {
            let n = withUnsafeMutableBytes(of: &value) { read(fd, $0.baseAddress, 8) }
            if n == 8 { return value }
            if n < 0 && Glibc.errno == EINTR { continue }
            return 0
        }
    }
}
