import Glibc
import NexusBytes
import NexusHTTP1
import NexusSystem

/// One request read off an admin connection: method, target (path and query) and the decoded body.
struct AdminRequest: Sendable, Equatable {
    var method: String
    var path: String
    var body: [UInt8]
    /// The Authorization field's value, if any (the TCP listener's token).
    var authorization: String? = nil
}

/// Reads one HTTP/1.1 request from a blocking socket with NexusHTTP1's scanner, parser and body decoder.
enum AdminRequestReader {
    /// Small heads on purpose (a request line and a few fields); bodies up to 256 MiB, for `POST
    /// /v1/state/restore` with a backup file (the socket is only for the nexus user and group).
    static let limits = HTTP1Limits(maxRequestLineBytes: 4096, maxHeaderBytes: 16 * 1024, maxHeaderCount: 64,
                                    maxBodyBytes: 256 << 20, maxTrailerBytes: 4096, maxChunkExtensionBytes: 256)

    enum Outcome: Sendable, Equatable {
        case request(AdminRequest)
        /// Answer with this problem and close.
        case refused(status: Int, detail: String)
        /// The peer closed or failed before a whole request arrived: nothing to answer.
        case gone
    }

    /// Reads until a whole request is in, the deadline (monotonic milliseconds) passes, or the peer goes away.
    static func read(_ transport: any AdminTransport, deadline: Int64) -> Outcome {
        let buffer = ByteBuffer(capacity: 4096)
        var scanner = HeadScanner()
        var headLength = 0
        // The head.
        headLoop: while true {
            switch scanner.scan(buffer.readable, limits: limits) {
            case .complete(let n):
                headLength = n
                break headLoop
            case .failed(let e):
                return .refused(status: e.status, detail: e.detail)
            case .incomplete:
                if let stop = receive(transport, buffer, deadline: deadline) { return stop }
            }
        }
        var head = RequestHead()
        do {
            try HeadParser.parse(UnsafeRawBufferPointer(rebasing: buffer.readable[0..<headLength]), limits: limits, into: &head)
        } catch {
            return .refused(status: error.status, detail: error.detail)
        }
        let (method, path) = buffer.readable.withMemoryRebound(to: UInt8.self) { bytes in
            (String(decoding: bytes[head.methodRange], as: UTF8.self), String(decoding: bytes[head.targetRange], as: UTF8.self))
        }
        let authorization = head.value(of: "authorization", in: buffer.readable).map {
            String(decoding: UnsafeRawBufferPointer(rebasing: buffer.readable[$0]), as: UTF8.self)
        }
        if head.expectContinue && head.hasBody {
            let interim: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"
            _ = interim.withUTF8Buffer { transport.send(UnsafeRawBufferPointer($0)) }
        }
        buffer.consume(headLength)
        // The body, if any.
        var body: [UInt8] = []
        if var decoder = head.bodyDecoder(limits: limits) {
            while true {
                do {
                    let used = try decoder.decode(buffer.readable) { body.append(contentsOf: $0) }
                    buffer.consume(used)
                } catch {
                    return .refused(status: error.status, detail: error.detail)
                }
                if decoder.isComplete { break }
                if let stop = receive(transport, buffer, deadline: deadline) { return stop }
            }
        }
        return .request(AdminRequest(method: method, path: path, body: body, authorization: authorization))
    }

    /// Receives more bytes; nil when some arrived, else why reading stops.
    private static func receive(_ transport: any AdminTransport, _ buffer: ByteBuffer, deadline: Int64) -> Outcome? {
        if Clock.monotonicMilliseconds() >= deadline { return .refused(status: 408, detail: "the request took too long to arrive") }
        let n = transport.receive(into: buffer)
        if n > 0 { return nil }
        if n == -Int(EAGAIN) || n == -Int(EWOULDBLOCK) {
            return .refused(status: 408, detail: "the request took too long to arrive")
        }
        return .gone
    }
}
