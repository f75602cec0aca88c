import CNexusLinux
import Glibc

/// An IPv4 or IPv6 socket address (sockaddr_storage and its length), for connect(2) and for logs.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public var storage: sockaddr_storage
    public var length: socklen_t

    /// Parses a numeric IPv4 or IPv6 address (inet_pton).
    public init?(numericHost host: String, port: UInt16) {
        var s = sockaddr_storage()
        if host.contains(":") {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &a.sin6_addr) == 1 else { return nil }
            withUnsafeMutableBytes(of: &s) { dst in withUnsafeBytes(of: a) { dst.copyMemory(from: $0) } }
            self.init(storage: s, length: socklen_t(MemoryLayout<sockaddr_in6>.size))
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &a.sin_addr) == 1 else { return nil }
            withUnsafeMutableBytes(of: &s) { dst in withUnsafeBytes(of: a) { dst.copyMemory(from: $0) } }
            self.init(storage: s, length: socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }

    public init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// The address family (AF_INET or AF_INET6).
    public var family: Int32 { Int32(storage.ss_family) }

    /// Resolves a host name to its addresses (getaddrinfo, TCP). Blocking: call it off the event loops.
    public static func resolve(host: String, port: UInt16) throws(SystemError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0 else {
            let why = gai_strerror(rc).map { String(cString: $0) } ?? "error \(rc)"
            throw SystemError("getaddrinfo(\(host)): \(why)", errno: EHOSTUNREACH)
        }
        defer { freeaddrinfo(res) }
        var out: [SocketAddress] = []
        var p = res
        while let ai = p {
            if let sa = ai.pointee.ai_addr, ai.pointee.ai_family == AF_INET || ai.pointee.ai_family == AF_INET6 {
                var s = sockaddr_storage()
                withUnsafeMutableBytes(of: &s) { $0.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen))) }
                let a = SocketAddress(storage: s, length: ai.pointee.ai_addrlen)
                if !out.contains(a) { out.append(a) }
            }
            p = ai.pointee.ai_next
        }
        return out
    }

    /// `1.2.3.4:80` or `[::1]:80`.
    public var description: String {
        var buf = [CChar](repeating: 0, count: 64)
        var s = storage
        if family == AF_INET6 {
            return withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                    var a = p.pointee.sin6_addr
                    inet_ntop(AF_INET6, &a, &buf, 64)
                    return "[\(Self.text(buf))]:\(UInt16(bigEndian: p.pointee.sin6_port))"
                }
            }
        }
        return withUnsafePointer(to: &s) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                var a = p.pointee.sin_addr
                inet_ntop(AF_INET, &a, &buf, 64)
                return "\(Self.text(buf)):\(UInt16(bigEndian: p.pointee.sin_port))"
            }
        }
    }

    private static func text(_ buf: [CChar]) -> String {
        String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The IP address alone (for X-Forwarded-For), without the port or brackets.
    public var ipString: String {
        let d = description
        if d.hasPrefix("[") { return String(d.dropFirst().prefix(while: { $0 != "]" })) }
        return String(d.prefix(while: { $0 != ":" }))
    }

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        guard a.length == b.length else { return false }
        var x = a.storage, y = b.storage
        return memcmp(&x, &y, Int(a.length)) == 0
    }
}

extension Socket {
    /// A non-blocking, close-on-exec TCP socket for `family` with TCP_NODELAY, ready for connect.
    public static func openStream(family: Int32) throws(SystemError) -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .last("socket") }
        setNoDelay(fd)
        return fd
    }

    /// Starts a non-blocking connect; returns 0 when connected, -EINPROGRESS while it goes on, or -errno.
    public static func connect(_ fd: Int32, to address: SocketAddress) -> Int32 {
        var s = address.storage
        let rc = withUnsafePointer(to: &s) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        return rc == 0 ? 0 : -Glibc.errno
    }

    /// The pending error of a socket (SO_ERROR), 0 if none: how a non-blocking connect reports its outcome.
    public static func pendingError(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        return err
    }

    /// The peer's address of a connected socket (getpeername).
    public static func peerAddress(_ fd: Int32) -> SocketAddress? {
        var s = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &s) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) }
        }
        return rc == 0 ? SocketAddress(storage: s, length: len) : nil
    }
}

extension Socket {
    /// A blocking TCP exchange for background work (health checks): connects within `timeoutMilliseconds`, sends
    /// `request`, and reads until the peer closes, `limit` bytes arrive, or the time is up. Never call it on an
    /// event loop. Returns the bytes read, or the errno of what failed.
    public static func exchange(with address: SocketAddress, request: [UInt8], timeoutMilliseconds: Int,
                                limit: Int = 4096) -> Result<[UInt8], SystemError> {
        let fd: Int32
        do { fd = try openStream(family: address.family) } catch { return .failure(error) }
        defer { Glibc.close(fd) }
        let deadline = Clock.monotonicMilliseconds() + Int64(timeoutMilliseconds)
        func remaining() -> Int32 { Int32(clamping: max(0, deadline - Clock.monotonicMilliseconds())) }
        func waitFor(_ events: Int16) -> Bool {
            var p = pollfd(fd: fd, events: events, revents: 0)
            while true {
                let rc = poll(&p, 1, remaining())
                if rc > 0 { return true }
                if rc == 0 { return false }
                if Glibc.errno != EINTR { return false }
            }
        }
        let rc = connect(fd, to: address)
        if rc == -EINPROGRESS {
            guard waitFor(Int16(POLLOUT)) else { return .failure(SystemError("connect", errno: ETIMEDOUT)) }
            let err = pendingError(fd)
            if err != 0 { return .failure(SystemError("connect", errno: err)) }
        } else if rc != 0 {
            return .failure(SystemError("connect", errno: -rc))
        }
        var sent = 0
        while sent < request.count {
            guard waitFor(Int16(POLLOUT)) else { return .failure(SystemError("send", errno: ETIMEDOUT)) }
            let n = request.withUnsafeBytes { send(fd, UnsafeRawBufferPointer(rebasing: $0[sent...])) }
            if n < 0 && n != -Int(EAGAIN) { return .failure(SystemError("send", errno: Int32(-n))) }
            if n > 0 { sent += n }
        }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            guard waitFor(Int16(POLLIN)) else { break }
            let n = buf.withUnsafeMutableBytes { receive(fd, into: $0) }
            if n > 0 { out.append(contentsOf: buf[0..<n]) } else if n == 0 { break } else if n != -Int(EAGAIN) { break }
        }
        return out.isEmpty ? .failure(SystemError("recv", errno: ETIMEDOUT)) : .success(out)
    }
}
