// RuntimeThreadName: naming the calling thread (pthread_setname_np is not visible through Glibc).
#if canImport(Glibc)
import Glibc
#endif

/// Sets the calling thread's name as shown by `top -H`, `ps -L`, gdb and crash reports.
public enum RuntimeThreadName {
    private typealias SetNameFunction = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32

    /// glibc's `pthread_setname_np`, looked up once with `dlsym` (Swift's Glibc module does not export it, and new
    /// C declarations are out of scope for the runtime; a CNexusLinux shim would replace this lookup).
    private static let setName: SetNameFunction? = {
        guard let symbol = dlsym(nil, "pthread_setname_np") else { return nil }
        return unsafeBitCast(symbol, to: SetNameFunction.self)
    }()

    /// The longest name the kernel keeps, in bytes (TASK_COMM_LEN 16 minus the NUL).
    public static let maximumLength = 15

    /// Names the calling thread (wraps `pthread_setname_np(pthread_self(), name)`).
    ///
    /// The name is cut to ``maximumLength`` bytes of UTF-8 without splitting a character.
    public static func setCurrent(_ name: String) throws(RuntimeSyscallError) {
        guard let setName else { throw RuntimeSyscallError(call: "pthread_setname_np", errno: ENOSYS) }
        var bytes: [CChar] = []
        for character in name {
            let utf8 = Array(String(character).utf8)
            if bytes.count + utf8.count > maximumLength { break }
            bytes.append(contentsOf: utf8.map { CChar(bitPattern: $0) })
        }
        bytes.append(0)
        let rc = bytes.withUnsafeBufferPointer { setName(pthread_self(), $0.baseAddress!) }
        if rc != 0 { throw RuntimeSyscallError(call: "pthread_setname_np", errno: rc) }
    }
}
