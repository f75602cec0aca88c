// UnixSocket: the Unix-domain socket calls the admin server needs (socket, bind, chmod, chown, listen, accept4,
// SO_PEERCRED, timeouts, recv, send, unlink). NexusSystem has only TCP so far; these belong there and move when
// it grows a Unix-socket file (the admin module then keeps no C calls of its own).
import Glibc
import NexusBytes
import NexusSystem

/// The device and inode of the socket file we bound, so that stop removes our file and never a successor's.
struct SocketFileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
}

/// struct ucred (Linux, <sys/socket.h> under _GNU_SOURCE, which Swift's Glibc module does not import).
private struct PeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

enum UnixSocket {
    private static let fileTypeMask: UInt32 = 0o170000
    private static let socketFileType: UInt32 = 0o140000

    /// The address of `path` (sockaddr_un); nil when the path does not fit sun_path (107 bytes and a NUL).
    static func address(_ path: String) -> sockaddr_un? {
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: a.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else { return nil }
        withUnsafeMutableBytes(of: &a.sun_path) { dst in
            dst.copyBytes(from: bytes)
            dst[bytes.count] = 0
        }
        return a
    }

    /// connect(2) to `address`; 0 or errno.
    static func connect(_ fd: Int32, _ address: sockaddr_un) -> Int32 {
        var a = address
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return rc == 0 ? 0 : errno
    }

    /// lstat(2): the file type bits and identity of `path`, or the errno.
    static func fileInfo(_ path: String) -> Result<(type: UInt32, identity: SocketFileIdentity), SystemError> {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .failure(.last("lstat")) }
        return .success((UInt32(st.st_mode) & fileTypeMask,
                         SocketFileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))))
    }

    /// Makes `path` free for a new socket: nothing there is fine; a socket nobody answers on (left by a crash) is
    /// removed; a live server or any other kind of file is an error.
    static func clearStale(_ path: String, address: sockaddr_un) throws(AdminServerError) {
        let info: (type: UInt32, identity: SocketFileIdentity)
        switch fileInfo(path) {
        case .success(let i): info = i
        case .failure(let e) where e.errno == ENOENT: return
        case .failure(let e): throw AdminServerError(what: "cannot inspect \(path)", why: SystemError.describe(e.errno))
        }
        guard info.type == socketFileType else {
            throw AdminServerError(what: "cannot use \(path)", why: "it exists and is not a socket")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { throw AdminServerError(what: "cannot create a socket", why: SystemError.describe(errno)) }
        let rc = connect(probe, address)
        Glibc.close(probe)
        switch rc {
        case 0:
            throw AdminServerError(what: "cannot use \(path)", why: "another server is listening on it")
        case ECONNREFUSED:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw AdminServerError(what: "cannot remove the stale socket \(path)", why: SystemError.describe(errno))
            }
        default:
            throw AdminServerError(what: "cannot probe \(path)", why: SystemError.describe(rc))
        }
    }

    /// Creates a listening socket at `path` with `mode`, and group `group` when given.
    ///
    /// The mode and group are set between bind and listen: until listen, connects are refused, so nobody can
    /// connect through the permissions the umask gave the fresh file.
    static func listen(path: String, mode: UInt32, group: UInt32?, backlog: Int32) throws(AdminServerError)
        -> (fd: Int32, identity: SocketFileIdentity) {
        guard var addr = address(path) else {
            throw AdminServerError(what: "cannot use \(path)", why: "the path is empty or longer than 107 bytes")
        }
        try clearStale(path, address: addr)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AdminServerError(what: "cannot create a socket", why: SystemError.describe(errno)) }
        func fail(_ what: String) -> AdminServerError {
            let e = AdminServerError(what: what, why: SystemError.describe(errno))
            Glibc.close(fd)
            return e
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw fail("cannot bind \(path)") }
        guard chmod(path, mode_t(mode)) == 0 else {
            let e = fail("cannot chmod \(path)")
            unlink(path)
            throw e
        }
        if let group, chown(path, uid_t.max, gid_t(group)) != 0 {
            let e = fail("cannot chown \(path) to group \(group)")
            unlink(path)
            throw e
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let e = fail("cannot listen on \(path)")
            unlink(path)
            throw e
        }
        guard case .success(let info) = fileInfo(path) else {
            let e = fail("cannot stat \(path)")
            unlink(path)
            throw e
        }
        return (fd, info.identity)
    }

    /// Removes `path` if it is still the socket file we created.
    static func unlinkIfOurs(_ path: String, _ identity: SocketFileIdentity) {
        guard case .success(let info) = fileInfo(path), info.identity == identity else { return }
        unlink(path)
    }

    /// accept(2), blocking, then FD_CLOEXEC (accept4 is not in Swift's Glibc module); the descriptor or -errno.
    static func accept(_ fd: Int32) -> Int32 {
        let c = Glibc.accept(fd, nil, nil)
        guard c >= 0 else { return -errno }
        _ = fcntl(c, F_SETFD, FD_CLOEXEC)
        return c
    }

    /// The connecting process's credentials (getsockopt SO_PEERCRED), as of its connect(2).
    static func peer(_ fd: Int32) -> AdminCaller? {
        var cred = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) == 0,
              Int(length) == MemoryLayout<PeerCredentials>.size else { return nil }
        return AdminCaller(uid: cred.uid, gid: cred.gid, pid: cred.pid)
    }

    /// Bounds each blocking recv and send (SO_RCVTIMEO, SO_SNDTIMEO).
    static func setTimeouts(_ fd: Int32, milliseconds: Int64) {
        var tv = timeval(tv_sec: Int(milliseconds / 1000), tv_usec: Int(milliseconds % 1000) * 1000)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, size)
    }

    /// One blocking recv into the buffer's free space; bytes read (0: end of stream) or -errno.
    static func receive(_ fd: Int32, into buffer: ByteBuffer) -> Int {
        buffer.reserveWritable(4096)
        while true {
            let w = buffer.writable
            let n = recv(fd, w.baseAddress, w.count, 0)
            if n >= 0 { buffer.commitWritten(n); return n }
            if errno != EINTR { return -Int(errno) }
        }
    }

    /// Sends every byte (blocking, no SIGPIPE); false when the peer went away or the send timed out.
    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            return false
        }
        return true
    }
}
