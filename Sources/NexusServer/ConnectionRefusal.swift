import NexusBytes
import NexusSystem

/// What a loop does with a connection it has no slot for: a short 503 and a close, written without blocking,
/// so that the client learns why instead of seeing a reset, and the loop's existing connections are unaffected.
enum ConnectionRefusal {
    static let body: [UInt8] = Array(("{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
        + "\"detail\":\"the server is at its connection limit\"}\n").utf8)
    static let head: [UInt8] = Array(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
        + "Content-Length: \(body.count)\r\nConnection: close\r\nRetry-After: 1\r\n").utf8)

    /// Answers and closes `fd`; `date` is the loop's current `Date: ...\r\n` line, `scratch` a buffer to build in.
    static func refuse(fd: Int32, date: UnsafeRawBufferPointer, scratch: ByteBuffer) {
        // Read what the client already sent so that the close is a FIN, not a reset that could drop the 503.
        scratch.clear()
        scratch.reserveWritable(4096)
        _ = Socket.receive(fd, into: UnsafeMutableRawBufferPointer(rebasing: scratch.writable[0..<4096]))
        scratch.append(head)
        scratch.append(date)
        scratch.append("\r\n")
        scratch.append(body)
        _ = Socket.send(fd, scratch.readable)
        scratch.clear()
        Socket.shutdown(fd, write: true, read: false)
        Socket.close(fd)
    }
}
