import CNexusLinux
import Glibc

/// TCP socket set-up for the listeners and the accepted connections (socket, setsockopt, bind, listen).
public enum Socket {
    /// Opens a non-blocking TCP listener on `host:port` with SO_REUSEADDR and, when asked, SO_REUSEPORT, so that
    /// every event loop can own a listener of its own on the same port and the kernel spreads connections.
    /// - Returns: the listening descriptor.
    public static func listen(host: String, port: UInt16, ipv6: Bool, backlog: Int32, reusePort: Bool) throws(SystemError) -> Int32 {
        let family = ipv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .last("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            let e = SystemError.last("setsockopt(SO_REUSEPORT)")
            Glibc.close(fd)
            throw e
        }
        var rc: Int32
        if ipv6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &addr.sin6_addr) == 1 else {
                Glibc.close(fd)
                throw SystemError("inet_pton(\(host))", errno: EINVAL)
            }
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
                Glibc.close(fd)
                throw SystemError("inet_pton(\(host))", errno: EINVAL)
            }
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard rc == 0 else {
            let e = SystemError.last("bind(\(ipv6 ? "[\(host)]" : host):\(port))")
            Glibc.close(fd)
            throw e
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let e = SystemError.last("listen")
            Glibc.close(fd)
            throw e
        }
        return fd
    }

    /// The local port a socket is bound to (getsockname), for listeners opened on port 0.
    public static func localPort(_ fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard rc == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) } }
        case AF_INET6:
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) } }
        default:
            return nil
        }
    }

    /// Turns off Nagle's algorithm (TCP_NODELAY): responses are written whole, so there is nothing to coalesce.
    @inlinable public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Makes a descriptor non-blocking (fcntl O_NONBLOCK).
    public static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// shutdown(2), ignoring errors (the peer may be gone).
    @inlinable public static func shutdown(_ fd: Int32, write: Bool, read: Bool) {
        let how: Int32 = read && write ? Int32(SHUT_RDWR) : (write ? Int32(SHUT_WR) : Int32(SHUT_RD))
        _ = Glibc.shutdown(fd, how)
    }

    /// close(2), ignoring errors (the descriptor is gone either way on Linux).
    @inlinable public static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Sends without blocking and without SIGPIPE; returns bytes written, or -errno.
    @inlinable public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
        return n >= 0 ? n : -Int(Glibc.errno)
    }

    /// Receives without blocking into `into`; returns bytes read (0 = end of stream), or -errno.
    @inlinable public static func receive(_ fd: Int32, into: UnsafeMutableRawBufferPointer) -> Int {
        let n = Glibc.recv(fd, into.baseAddress, into.count, Int32(MSG_DONTWAIT))
        return n >= 0 ? n : -Int(Glibc.errno)
    }
}
