import NexusBytes

/// Writes complete application/problem+json error responses (RFC 9457).
public enum Problem {
    /// Appends a whole response: status line, optional Date, Content-Type, Content-Length, `Connection: close`
    /// when `keepAlive` is false, and the body
    /// `{"type":"about:blank","title":"<reason>","status":N,"detail":"<detail>"}`.
    public static func write(status: Int, detail: String, keepAlive: Bool, date: HTTPDate?, into b: ByteBuffer) {
        let s = (100...999).contains(status) ? status : 500
        let title = ResponseWriter.reason(s)
        var detail = detail
        detail.withUTF8 { d in
            let dr = UnsafeRawBufferPointer(d)
            let length = prefix.utf8CodeUnitCount + title.utf8CodeUnitCount + middle.utf8CodeUnitCount
                + decimalCount(s) + detailKey.utf8CodeUnitCount + JSONString.encodedCount(dr) + 1
            ResponseWriter.head(status: s, into: b)
            if let date { ResponseWriter.date(date, into: b) }
            ResponseWriter.header("Content-Type", "application/problem+json" as StaticString, into: b)
            ResponseWriter.header("Content-Length", length, into: b)
            if !keepAlive { ResponseWriter.header("Connection", "close" as StaticString, into: b) }
            b.append("\r\n")
            b.append(prefix)
            b.append(title) // reason phrases need no escaping
            b.append(middle)
            b.appendDecimal(s)
            b.append(detailKey)
            JSONString.append(dr, to: b)
            b.append(byte: UInt8(ascii: "}"))
        }
    }

    static let prefix: StaticString = "{\"type\":\"about:blank\",\"title\":\""
    static let middle: StaticString = "\",\"status\":"
    static let detailKey: StaticString = ",\"detail\":"

    static func decimalCount(_ v: Int) -> Int {
        var n = 1, x = v
        while x >= 10 { x /= 10; n += 1 }
        return n
    }
}
