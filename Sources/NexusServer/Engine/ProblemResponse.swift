import NexusBytes
import NexusHTTP1

/// Error responses with an `application/problem+json` body (RFC 9457), written by the engine.
enum ProblemResponse {
    static func write(status: Int, detail: String, allow: String? = nil, headOnly: Bool,
                      connection: ConnectionField, date: UnsafeRawBufferPointer, into out: ByteBuffer, scratch: ByteBuffer) {
        scratch.clear()
        scratch.append("{\"type\":\"about:blank\",\"title\":\"")
        scratch.append(ResponseWriter.reason(status))
        scratch.append("\",\"status\":")
        scratch.appendDecimal(status)
        scratch.append(",\"detail\":")
        var d = detail
        d.withUTF8 { JSONString.append(UnsafeRawBufferPointer($0), to: scratch) }
        scratch.append("}\n")
        ResponseWriter.head(status: status, into: out)
        out.append("Content-Type: application/problem+json\r\nContent-Length: ")
        out.appendDecimal(scratch.readableBytes)
        out.append("\r\n")
        if let allow { out.append("Allow: "); out.append(allow); out.append("\r\n") }
        out.append(date)
        connection.write(into: out)
        out.append("\r\n")
        if !headOnly { out.append(scratch) }
    }
}
