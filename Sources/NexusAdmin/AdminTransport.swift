import Glibc
import NexusBytes
import NexusTLS

/// The bytes of one admin connection: plain (the Unix socket, a loopback TCP listener) or TLS (a TCP listener).
protocol AdminTransport: AnyObject {
    /// Appends what arrives to `buffer`: > 0 bytes appended, 0 the peer closed, < 0 a negated errno (EAGAIN: the
    /// receive timeout passed).
    func receive(into buffer: ByteBuffer) -> Int
    /// Sends all of `bytes`; false if the connection failed.
    func send(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Ends the sending side (TLS: close_notify first).
    func finish()
}

/// A plain socket.
final class PlainTransport: AdminTransport {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    func receive(into buffer: ByteBuffer) -> Int { UnixSocket.receive(fd, into: buffer) }
    func send(_ bytes: UnsafeRawBufferPointer) -> Bool { UnixSocket.sendAll(fd, bytes) }
    func finish() { shutdown(fd, Int32(SHUT_WR)) }
}

/// TLS over a blocking socket with timeouts, through the same `TLSStream` as the event loops (memory BIOs).
final class TLSTransport: AdminTransport {
    let fd: Int32
    private let tls: TLSStream
    private let wire = ByteBuffer(capacity: 16 * 1024)
    private var raw = [UInt8](repeating: 0, count: 16 * 1024)

    init?(fd: Int32, context: TLSServerContext) {
        guard let tls = TLSStream(server: context) else { return nil }
        self.fd = fd
        self.tls = tls
    }

    func receive(into buffer: ByteBuffer) -> Int {
        while true {
            let before = buffer.readableBytes
            if !flush() { return -Int(EPIPE) }
            let n = raw.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return 0 }
            if n < 0 {
                if errno == EINTR { continue }
                return -Int(errno)
            }
            let outcome = raw.withUnsafeBytes { tls.receive(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: buffer) }
            if outcome == .failed { _ = flush(); return -Int(EPROTO) }
            if !flush() { return -Int(EPIPE) }
            let got = buffer.readableBytes - before
            if got > 0 { return got }
            if outcome == .closed { return 0 }
        }
    }

    func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let plain = ByteBuffer(capacity: bytes.count)
        plain.append(bytes)
        wire.clear()
        guard tls.write(plain, into: wire) else { return false }
        if !wire.isEmpty && !UnixSocket.sendAll(fd, wire.readable) { return false }
        return flush()
    }

    func finish() {
        tls.close()
        _ = flush()
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Sends the ciphertext TLS has waiting.
    private func flush() -> Bool {
        wire.clear()
        tls.drain(into: wire)
        return wire.isEmpty || UnixSocket.sendAll(fd, wire.readable)
    }
}
