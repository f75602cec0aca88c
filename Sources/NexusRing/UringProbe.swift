import CNexusLinux
import NexusSystem

/// What the running kernel's io_uring offers, checked once at start (io_uring_get_probe) so that nothing newer
/// than Debian 12's 6.1 is used unchecked.
public enum UringProbe {
    /// Why io_uring cannot be used, or nil when it can: creates and destroys a small ring and checks every
    /// opcode the server needs. The reasons name the cause (EPERM: seccomp or kernel.io_uring_disabled;
    /// ENOSYS: kernel without io_uring).
    public static func unavailableReason() -> String? {
        let ring: Ring
        do { ring = try Ring(entries: 8) } catch {
            switch error.errno {
            case 1: return "io_uring_setup refused (EPERM): blocked by seccomp or kernel.io_uring_disabled"
            case 38: return "io_uring_setup not implemented (ENOSYS): kernel without io_uring"
            default: return "io_uring_setup failed: \(error)"
            }
        }
        let needed: [(Int32, String)] = [
            (Int32(IORING_OP_ACCEPT.rawValue), "accept"), (Int32(IORING_OP_RECV.rawValue), "recv"),
            (Int32(IORING_OP_SEND.rawValue), "send"), (Int32(IORING_OP_TIMEOUT.rawValue), "timeout"),
            (Int32(IORING_OP_READ.rawValue), "read"), (Int32(IORING_OP_ASYNC_CANCEL.rawValue), "async_cancel"),
        ]
        for (op, name) in needed where nexus_uring_probe_opcode(op) != 1 {
            return "io_uring lacks the \(name) operation"
        }
        // Provided-buffer rings (5.19) are what multishot receive needs; registering a tiny one proves both.
        do { _ = try ProvidedBuffers(ring: ring, group: 0, count: 2, bufferSize: 64) } catch {
            return "io_uring provided-buffer rings unavailable: \(error)"
        }
        _ = consume ring
        return nil
    }
}
