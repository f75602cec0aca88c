import NexusSystem

/// What a loop does with a connection it has no slot for: a short 503 and a close, written without blocking,
/// so that the client learns why instead of seeing a reset, and the loop's existing connections are unaffected.
enum ConnectionRefusal {
    static let response: [UInt8] = {
        let body = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
            + "\"detail\":\"the server is at its connection limit\"}\n"
        return Array(("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\nRetry-After: 1\r\n\r\n" + body).utf8)
    }()

    static func refuse(fd: Int32) {
        // Read what the client already sent so that the close is a FIN, not a reset that could drop the 503.
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { _ = Socket.receive(fd, into: $0) }
        response.withUnsafeBytes { _ = Socket.send(fd, $0) }
        Socket.shutdown(fd, write: true, read: false)
        Socket.close(fd)
    }
}
