import NexusBytes
import NexusHTTP1

/// The `echo` handler: answers the request it received as JSON (method, target, path, query, version, the
/// header fields in order, and the body as a string), for trying Nexus out and for tests.
enum EchoResponse {
    static func write(head: RequestHead, headBytes: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer,
                      into out: ByteBuffer, scratch: ByteBuffer, headOnly: Bool, connection: ConnectionField,
                      date: UnsafeRawBufferPointer, extra: [(String, String)] = []) {
        scratch.clear()
        func field(_ key: StaticString, _ r: Range<Int>) {
            scratch.append(key)
            JSONString.append(UnsafeRawBufferPointer(rebasing: headBytes[r]), to: scratch)
        }
        field("{\"method\":", head.methodRange)
        field(",\"target\":", head.targetRange)
        field(",\"path\":", head.pathRange)
        scratch.append(",\"query\":")
        if let q = head.queryRange {
            JSONString.append(UnsafeRawBufferPointer(rebasing: headBytes[q]), to: scratch)
        } else {
            scratch.append("null")
        }
        scratch.append(head.version == .http11 ? ",\"version\":\"HTTP/1.1\"" : ",\"version\":\"HTTP/1.0\"")
        scratch.append(",\"headers\":[")
        for (i, f) in head.fields.enumerated() {
            if i > 0 { scratch.append(byte: UInt8(ascii: ",")) }
            scratch.append(byte: UInt8(ascii: "["))
            JSONString.append(UnsafeRawBufferPointer(rebasing: headBytes[f.name]), to: scratch)
            scratch.append(byte: UInt8(ascii: ","))
            JSONString.append(UnsafeRawBufferPointer(rebasing: headBytes[f.value]), to: scratch)
            scratch.append(byte: UInt8(ascii: "]"))
        }
        scratch.append("],\"body\":")
        JSONString.append(body, to: scratch)
        scratch.append("}\n")

        ResponseWriter.head(status: 200, into: out)
        out.append("Content-Type: application/json\r\nContent-Length: ")
        out.appendDecimal(scratch.readableBytes)
        out.append("\r\n")
        out.append(date)
        connection.write(into: out)
        for (name, value) in extra { out.append(name); out.append(": "); out.append(value); out.append("\r\n") }
        out.append("\r\n")
        if !headOnly { out.append(scratch) }
    }
}
