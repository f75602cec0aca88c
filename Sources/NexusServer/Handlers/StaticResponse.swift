import NexusBytes
import NexusConfig
import NexusHTTP1

/// The `static` handler: a fixed response whose status line and fields are encoded once, at configuration time.
final class StaticResponse: Sendable {
    /// Status line, Content-Type, Content-Length and the configured extra fields.
    let prefix: [UInt8]
    let body: [UInt8]
    let status: Int

    init(_ c: StaticResponseConfig) {
        status = c.status
        let b = ByteBuffer(capacity: 256)
        ResponseWriter.head(status: c.status, into: b)
        b.append("Content-Type: "); b.append(c.contentType); b.append("\r\n")
        b.append("Content-Length: "); b.appendDecimal(c.body.count); b.append("\r\n")
        for (name, value) in c.headers {
            b.append(name); b.append(": "); b.append(value); b.append("\r\n")
        }
        prefix = b.bytes
        body = c.body
    }

    /// Appends the whole response: the prepared prefix, Date, the connection field where needed, the body.
    @inline(__always)
    func write(into out: ByteBuffer, headOnly: Bool, connection: ConnectionField, date: UnsafeRawBufferPointer,
               extra: [(String, String)] = []) {
        out.append(prefix)
        out.append(date)
        connection.write(into: out)
        for (name, value) in extra { out.append(name); out.append(": "); out.append(value); out.append("\r\n") }
        out.append("\r\n")
        if !headOnly { out.append(body) }
    }
}

/// The Connection field a response carries.
enum ConnectionField {
    /// HTTP/1.1 keep-alive: nothing to say.
    case none
    /// HTTP/1.0 keep-alive must be said.
    case keepAlive
    case close

    @inline(__always)
    func write(into out: ByteBuffer) {
        switch self {
        case .none: break
        case .keepAlive: out.append("Connection: keep-alive\r\n")
        case .close: out.append("Connection: close\r\n")
        }
    }
}
