import NexusBytes
import NexusConfig
import NexusHTTP1
import NexusSchema

/// A workflow served by an upstream pool: the request each run sends, and how the answer becomes the result.
/// Pure functions of the input and the response; the exchange itself is the proxy's (HTTPEngine+WorkflowCalls).
struct UpstreamWorkflow: Sendable {
    let target: WorkflowUpstream
    /// The pool and the Host per backend (never the caller's).
    let route: ProxyRoute

    // MARK: The request

    /// Writes the request head and body: `method target HTTP/1.1`, Host, the JSON input as the body (POST, PUT,
    /// PATCH) or the fields not in the path as the query (GET, DELETE), who asked (X-Nexus-Consumer, X-Forwarded-For)
    /// and an X-Request-Id. Nothing of the caller's request goes upstream: not its fields, not its credentials.
    func writeRequest(input: JSONValue, workflow: String, host: [UInt8], clientIP: [UInt8], consumer: String?,
                      requestIDs: inout RequestIDGenerator, into out: ByteBuffer) {
        out.append(target.method)
        out.append(byte: UInt8(ascii: " "))
        out.append(Self.requestTarget(target, input: input))
        out.append(" HTTP/1.1\r\nHost: ")
        out.append(host)
        out.append("\r\nAccept: application/json\r\nUser-Agent: nexus\r\nX-Nexus-Workflow: ")
        out.append(workflow)
        if let consumer, Self.isFieldValue(consumer) {
            out.append("\r\nX-Nexus-Consumer: ")
            out.append(consumer)
        }
        if !clientIP.isEmpty {
            out.append("\r\nX-Forwarded-For: ")
            out.append(clientIP)
        }
        out.append("\r\nX-Request-Id: ")
        requestIDs.next(into: out)
        if target.sendsBody {
            var body: [UInt8] = []
            input.write(to: &body)
            out.append("\r\nContent-Type: application/json\r\nContent-Length: ")
            out.appendDecimal(body.count)
            out.append("\r\n\r\n")
            out.append(body)
        } else {
            out.append("\r\n\r\n")
        }
    }

    /// The path with its variables filled (percent-encoded), then, for GET and DELETE, the other top-level fields
    /// of the input as `name=value` pairs (an array as one pair per item; objects as JSON text; null left out).
    static func requestTarget(_ t: WorkflowUpstream, input: JSONValue) -> String {
        var s = ""
        for piece in t.pieces {
            switch piece {
            case .literal(let text): s += text
            case .variable(let name): s += percentEncoded(text(input[name] ?? .null))
            }
        }
        guard !t.sendsBody, case .object(let o) = input else { return s }
        let used = Set(t.variables)
        var pairs: [String] = []
        for m in o.members where !used.contains(m.key) {
            let items: [JSONValue] = if case .array(let a) = m.value { a } else { [m.value] }
            for item in items where item != .null {
                pairs.append(percentEncoded(m.key) + "=" + percentEncoded(text(item)))
            }
        }
        if pairs.isEmpty { return s }
        return s + (s.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
    }

    /// A value as text: strings as they are, numbers and booleans as JSON writes them, the rest as JSON text.
    private static func text(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.serialized
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    static func percentEncoded(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Visible ASCII and spaces only (a consumer name is one, but a header field is never built from anything else).
    private static func isFieldValue(_ s: String) -> Bool {
        s.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    // MARK: The answer

    /// The upstream's answer as the run's result: a 2xx JSON object is the result, other JSON is `{"result": ...}`,
    /// an empty body `{}`. Anything else fails: a 4xx is the caller's (its status and an excerpt of its body go back,
    /// except the ones that concern the gateway's own credentials: 401, 403, 407), the rest is a 502 naming only the
    /// status.
    static func result(status: Int, body: UnsafeRawBufferPointer) -> Result<JSONValue, WorkflowFailure> {
        guard (200..<300).contains(status) else {
            let passed = (400..<500).contains(status) && ![401, 403, 407].contains(status)
            // A 4xx explains itself to the caller; a 5xx body may hold the service's internals: only its status goes on.
            var message = "the upstream answered \(status)"
            let excerpt = passed ? Self.excerpt(body) : ""
            if !excerpt.isEmpty { message += ": " + excerpt }
            return .failure(WorkflowFailure(message, status: passed ? status : 502))
        }
        if body.isEmpty { return .success(.object(JSONObject())) }
        guard let value = try? JSONParser().parse(Array(body)) else {
            return .failure(WorkflowFailure("the upstream's answer is not JSON"))
        }
        if case .object = value { return .success(value) }
        return .success(["result": value])
    }

    /// At most 512 bytes of a body as text, for an error message (invalid UTF-8 replaced, controls dropped).
    private static func excerpt(_ body: UnsafeRawBufferPointer) -> String {
        let head = body.prefix(512)
        var s = String(decoding: head, as: UTF8.self).filter { !$0.isNewline && $0.asciiValue.map { $0 >= 0x20 } != false }
        if body.count > 512 { s += "..." }
        return s
    }
}
