import NexusAdminModel
import NexusBytes
import NexusHTTP1

/// One answer of the admin API: a status, a JSON or problem+json body and, for 405, the allowed methods.
struct AdminResponse: Sendable, Equatable {
    var status: Int
    /// True for application/problem+json, false for application/json.
    var isProblem: Bool
    /// True for application/octet-stream.
    var isBinary = false
    /// The Allow field of a 405.
    var allow: String?
    /// The WWW-Authenticate field of a 401.
    var wwwAuthenticate: String? = nil
    var body: [UInt8]

    /// A 200 (or `status`) with `value` encoded as the API's JSON; a 500 problem if it cannot be encoded (e.g. a NaN rate).
    static func json(_ value: some Encodable, status: Int = 200) -> AdminResponse {
        guard let body = try? AdminJSON.encode(value) else {
            return problem(500, "the handler's answer could not be encoded as JSON")
        }
        return AdminResponse(status: status, isProblem: false, allow: nil, body: body)
    }

    /// A 204: no body, no Content-Type, no Content-Length (RFC 9110 15.3.5).
    static let noContent = AdminResponse(status: 204, isProblem: false, allow: nil, body: [])

    /// A 200 with `bytes` as application/octet-stream (a backup file).
    static func binary(_ bytes: [UInt8]) -> AdminResponse {
        AdminResponse(status: 200, isProblem: false, isBinary: true, allow: nil, body: bytes)
    }

    /// A handler's `AdminFailure` as a problem; a status outside 400...599 becomes 500.
    static func failure(_ f: AdminFailure) -> AdminResponse {
        (400...599).contains(f.status) ? problem(f.status, f.detail) : problem(500, f.detail)
    }

    /// The reason phrase (NexusHTTP1's table).
    static func reason(_ status: Int) -> String { ResponseWriter.reason(status).description }

    /// An RFC 9457 problem; `detail` must be a fixed text, never request bytes.
    static func problem(_ status: Int, _ detail: String, allow: String? = nil, wwwAuthenticate: String? = nil) -> AdminResponse {
        let p = ErrorResponse(title: reason(status), status: status, detail: detail)
        // Four strings and an Int always encode; the fallback only keeps the type non-optional.
        let body = (try? AdminJSON.encode(p)) ?? Array("{\"status\":\(status)}".utf8)
        var r = AdminResponse(status: status, isProblem: true, allow: allow, body: body)
        r.wwwAuthenticate = wwwAuthenticate
        return r
    }

    /// Appends the whole response: one per connection, so always `Connection: close`.
    func write(into b: ByteBuffer) {
        b.append("HTTP/1.1 ")
        b.appendDecimal(status)
        b.append(" " + Self.reason(status) + "\r\n")
        if status == 204 {
            // No body and no fields about one.
        } else if isBinary {
            ResponseWriter.header("Content-Type", "application/octet-stream" as StaticString, into: b)
        } else if isProblem {
            ResponseWriter.header("Content-Type", "application/problem+json" as StaticString, into: b)
        } else {
            ResponseWriter.header("Content-Type", "application/json" as StaticString, into: b)
        }
        if status != 204 { ResponseWriter.header("Content-Length", body.count, into: b) }
        if let allow { ResponseWriter.header("Allow", allow, into: b) }
        if let wwwAuthenticate { ResponseWriter.header("WWW-Authenticate", wwwAuthenticate, into: b) }
        ResponseWriter.header("Cache-Control", "no-store" as StaticString, into: b)
        ResponseWriter.header("Connection", "close" as StaticString, into: b)
        ResponseWriter.endHead(into: b)
        b.append(body)
    }
}
