import NexusAdminModel
import NexusBytes
import NexusHTTP1

/// One answer of the admin API: a status, a JSON or problem+json body and, for 405, the allowed methods.
struct AdminResponse: Sendable, Equatable {
    var status: Int
    /// True for application/problem+json, false for application/json.
    var isProblem: Bool
    /// The Allow field of a 405.
    var allow: String?
    var body: [UInt8]

    /// A 200 with `value` encoded as the API's JSON; a 500 problem if it cannot be encoded (e.g. a NaN rate).
    static func json(_ value: some Encodable) -> AdminResponse {
        guard let body = try? AdminJSON.encode(value) else {
            return problem(500, "the handler's answer could not be encoded as JSON")
        }
        return AdminResponse(status: 200, isProblem: false, allow: nil, body: body)
    }

    /// An RFC 9457 problem; `detail` must be a fixed text, never request bytes.
    static func problem(_ status: Int, _ detail: String, allow: String? = nil) -> AdminResponse {
        let p = ErrorResponse(title: ResponseWriter.reason(status).description, status: status, detail: detail)
        // Four strings and an Int always encode; the fallback only keeps the type non-optional.
        let body = (try? AdminJSON.encode(p)) ?? Array("{\"status\":\(status)}".utf8)
        return AdminResponse(status: status, isProblem: true, allow: allow, body: body)
    }

    /// Appends the whole response: one per connection, so always `Connection: close`.
    func write(into b: ByteBuffer) {
        ResponseWriter.head(status: status, into: b)
        if isProblem {
            ResponseWriter.header("Content-Type", "application/problem+json" as StaticString, into: b)
        } else {
            ResponseWriter.header("Content-Type", "application/json" as StaticString, into: b)
        }
        ResponseWriter.header("Content-Length", body.count, into: b)
        if let allow { ResponseWriter.header("Allow", allow, into: b) }
        ResponseWriter.header("Cache-Control", "no-store" as StaticString, into: b)
        ResponseWriter.header("Connection", "close" as StaticString, into: b)
        ResponseWriter.endHead(into: b)
        b.append(body)
    }
}
