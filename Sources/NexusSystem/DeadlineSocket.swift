import Glibc

/// A TCP connection whose every wait ends at one deadline, for background work (health checks, fetches over
/// HTTPS); never used on an event loop. The descriptor is non-blocking; waits are poll(2) calls. Closed in deinit.
public final class DeadlineSocket {
    public let fd: Int32
    private let deadline: Int64

    private init(fd: Int32, deadline: Int64) {
        self.fd = fd
        self.deadline = deadline
    }

    deinit { Glibc.close(fd) }

    /// Connects to `address`; the deadline (now + `timeoutMilliseconds`) also bounds every later send and receive.
    public static func connect(to address: SocketAddress, timeoutMilliseconds: Int) -> Result<DeadlineSocket, SystemError> {
        let fd: Int32
        do { fd = try Socket.openStream(family: address.family) } catch { return .failure(error) }
        let s = DeadlineSocket(fd: fd, deadline: Clock.monotonicMilliseconds() + Int64(timeoutMilliseconds))
        let rc = Socket.connect(fd, to: address)
        if rc == -EINPROGRESS {
            guard s.wait(Int16(POLLOUT)) else { return .failure(SystemError("connect", errno: ETIMEDOUT)) }
            let err = Socket.pendingError(fd)
            if err != 0 { return .failure(SystemError("connect", errno: err)) }
        } else if rc != 0 {
            return .failure(SystemError("connect", errno: -rc))
        }
        return .success(s)
    }

    /// Sends all of `bytes`, or returns what failed (ETIMEDOUT at the deadline).
    public func send(_ bytes: UnsafeRawBufferPointer) -> SystemError? {
        var sent = 0
        while sent < bytes.count {
            guard wait(Int16(POLLOUT)) else { return SystemError("send", errno: ETIMEDOUT) }
            let n = Socket.send(fd, UnsafeRawBufferPointer(rebasing: bytes[sent...]))
            if n < 0 && n != -Int(EAGAIN) && n != -Int(EINTR) { return SystemError("send", errno: Int32(-n)) }
            if n > 0 { sent += n }
        }
        return nil
    }

    /// Receives what is available: the byte count, 0 at end of stream, or -errno (-ETIMEDOUT at the deadline).
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            guard wait(Int16(POLLIN)) else { return -Int(ETIMEDOUT) }
            let n = Socket.receive(fd, into: buffer)
            if n == -Int(EAGAIN) || n == -Int(EINTR) { continue }
            return n
        }
    }

    private func wait(_ events: Int16) -> Bool {
        var p = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let rc = poll(&p, 1, Int32(clamping: max(0, deadline - Clock.monotonicMilliseconds())))
            if rc > 0 { return true }
            if rc == 0 { return false }
            if Glibc.errno != EINTR { return false }
        }
    }
}
