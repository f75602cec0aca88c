import NexusBytes
import NexusHTTP1

/// The answers of access control: 401, 403 and 429 as RFC 9457 problems with the fields that go with them
/// (`WWW-Authenticate`, `Retry-After`, `RateLimit-Policy`, `RateLimit`).
enum AccessResponse {
    /// The problem type of a 429 (draft-ietf-httpapi-ratelimit-headers).
    static let quotaExceededType = "https://iana.org/assignments/http-problem-types#quota-exceeded"

    static func write(status: Int, type: String = "about:blank", title: String, detail: String, fields: [(String, String)],
                      violatedPolicies: [String]? = nil, headOnly: Bool, connection: ConnectionField,
                      date: UnsafeRawBufferPointer, into out: ByteBuffer, scratch: ByteBuffer) {
        scratch.clear()
        scratch.append("{\"type\":")
        json(type, scratch)
        scratch.append(",\"title\":")
        json(title, scratch)
        scratch.append(",\"status\":")
        scratch.appendDecimal(status)
        scratch.append(",\"detail\":")
        json(detail, scratch)
        if let violatedPolicies {
            scratch.append(",\"violated-policies\":[")
            for (i, p) in violatedPolicies.enumerated() {
                if i > 0 { scratch.append(",") }
                json(p, scratch)
            }
            scratch.append("]")
        }
        scratch.append("}")
        ResponseWriter.head(status: status, into: out)
        ResponseWriter.header("Content-Type", "application/problem+json" as StaticString, into: out)
        ResponseWriter.header("Content-Length", scratch.readableBytes, into: out)
        for (name, value) in fields {
            out.append(name); out.append(": "); out.append(value); out.append("\r\n")
        }
        out.append(date)
        connection.write(into: out)
        out.append("\r\n")
        if !headOnly { out.append(scratch.readable) }
    }

    private static func json(_ s: String, _ b: ByteBuffer) {
        var s = s
        s.withUTF8 { JSONString.append(UnsafeRawBufferPointer($0), to: b) }
    }
}
