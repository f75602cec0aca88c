import NexusSchema

/// The client side of MCP's Streamable HTTP as Nexus speaks it to an upstream MCP server: the JSON-RPC requests,
/// and the one response to a request found in an answer that is JSON or an event stream. Pure functions.
enum MCPWire {
    /// The revision Nexus asks for in `initialize` (the server may answer an older one it knows).
    static let clientRevision = "2025-11-25"
    /// The revisions Nexus can speak to an upstream (the session-based ones).
    static let knownRevisions: Set<String> = ["2025-11-25", "2025-06-18", "2025-03-26"]

    static func request(id: Int, method: String, params: JSONValue? = nil) -> [UInt8] {
        var o = JSONObject([JSONMember(key: "jsonrpc", value: "2.0"), JSONMember(key: "id", value: .number(JSONNumber(id))),
                            JSONMember(key: "method", value: .string(method))])
        if let params { o.members.append(JSONMember(key: "params", value: params)) }
        var out: [UInt8] = []
        JSONValue.object(o).write(to: &out)
        return out
    }

    static func notification(_ method: String) -> [UInt8] {
        Array(#"{"jsonrpc":"2.0","method":"\#(method)"}"#.utf8)
    }

    static func initialize(id: Int, version: String) -> [UInt8] {
        request(id: id, method: "initialize", params: [
            "protocolVersion": .string(clientRevision),
            "capabilities": .object(JSONObject()),
            "clientInfo": ["name": "nexus", "version": .string(version)],
        ])
    }

    static func toolsCall(id: Int, name: String, arguments: JSONValue) -> [UInt8] {
        request(id: id, method: "tools/call", params: ["name": .string(name), "arguments": arguments])
    }

    /// How a request went, from the server's answer.
    enum Answer: Equatable {
        /// The `result` member of the response.
        case result(JSONValue)
        /// A JSON-RPC error: code, message, data.
        case error(code: Int, message: String, data: JSONValue?)
        /// No response to the request in the answer (or not JSON-RPC): why.
        case invalid(String)
    }

    /// The response with `id` in a body that is `application/json` (one message or a batch) or
    /// `text/event-stream` (the `data` of `message` events; other messages, such as notifications, are skipped).
    static func answer(contentType: String?, body: some Collection<UInt8>, id: Int) -> Answer {
        let type = (contentType ?? "").lowercased()
        var messages: [JSONValue] = []
        if type.hasPrefix("text/event-stream") {
            for data in events(body) {
                guard let v = try? JSONParser().parse(data) else { return .invalid("an event that is not JSON") }
                messages.append(v)
            }
        } else {
            guard let v = try? JSONParser().parse(Array(body)) else { return .invalid("the answer is not JSON") }
            if case .array(let items) = v { messages = items } else { messages = [v] }
        }
        for m in messages {
            guard case .number(let n)? = m["id"], n.isInteger, Int(n.literal) == id else { continue }
            if let result = m["result"] {
                guard case .object = result else { return .invalid("the result is not an object") }
                return .result(result)
            }
            if let e = m["error"], case .number(let code)? = e["code"], let c = Int(code.literal) {
                let message = if case .string(let s)? = e["message"] { s } else { "" }
                return .error(code: c, message: message, data: e["data"])
            }
            return .invalid("a response with neither result nor error")
        }
        return .invalid("no response to the request")
    }

    /// The data of each event of an event stream (lines `data: ...` joined with newlines; a blank line ends one).
    /// Lines end with LF, CRLF or CR; split as bytes (a Swift string would keep CRLF as one character).
    static func events(_ body: some Collection<UInt8>) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var data: [UInt8] = []
        var hasData = false
        var line: [UInt8] = []
        var previousCR = false
        func endLine() {
            if line.isEmpty {
                if hasData { out.append(data) }
                data = []
                hasData = false
            } else if line.starts(with: Array("data:".utf8)) {
                var v = line.dropFirst(5)
                if v.first == UInt8(ascii: " ") { v = v.dropFirst() }
                if hasData { data.append(UInt8(ascii: "\n")) }
                data.append(contentsOf: v)
                hasData = true
            }
            line.removeAll(keepingCapacity: true)
        }
        for b in body {
            if b == UInt8(ascii: "\n") {
                if previousCR { previousCR = false; continue } // the LF of a CRLF
                endLine()
            } else if b == UInt8(ascii: "\r") {
                endLine()
                previousCR = true
                continue
            } else {
                line.append(b)
            }
            previousCR = false
        }
        if !line.isEmpty { endLine() }
        if hasData { out.append(data) }
        return out
    }
}
