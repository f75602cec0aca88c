import NexusSchema

/// JSON-RPC 2.0 error codes used by the MCP endpoint.
public enum JSONRPCCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    /// Legacy revisions: the session in `Mcp-Session-Id` is unknown or ended (implementation-defined range).
    public static let sessionNotFound = -32001
    /// 2026-07-28: an HTTP header does not match the body, or a required one is missing or malformed.
    public static let headerMismatch = -32020
    /// 2026-07-28: the requested protocol version is not supported.
    public static let unsupportedProtocolVersion = -32022
}

/// One JSON-RPC message from a client, classified.
enum JSONRPCMessage {
    /// A request: `id` (a string or a number), `method`, `params` (an object, or absent).
    case request(id: JSONValue, method: String, params: JSONObject?)
    /// A notification (no `id`).
    case notification(method: String)
    /// A response from the client (to a server request): accepted and ignored.
    case response
    /// Not a valid JSON-RPC 2.0 message; `id` when one could be read.
    case invalid(id: JSONValue, reason: String)

    static func classify(_ value: JSONValue) -> JSONRPCMessage {
        guard case .object(let o) = value else { return .invalid(id: .null, reason: "a JSON-RPC message is an object") }
        var id = JSONValue.null
        if let i = o["id"] {
            switch i {
            case .string, .number: id = i
            default: return .invalid(id: .null, reason: "'id' must be a string or a number")
            }
        }
        guard o["jsonrpc"] == .string("2.0") else { return .invalid(id: id, reason: "'jsonrpc' must be \"2.0\"") }
        if let m = o["method"] {
            guard case .string(let method) = m else { return .invalid(id: id, reason: "'method' must be a string") }
            var params: JSONObject?
            if let p = o["params"] {
                guard case .object(let po) = p else { return .invalid(id: id, reason: "'params' must be an object") }
                params = po
            }
            if o["id"] == nil { return .notification(method: method) }
            return .request(id: id, method: method, params: params)
        }
        if o["id"] != nil, o["result"] != nil || o["error"] != nil { return .response }
        return .invalid(id: id, reason: "a request needs 'method'")
    }
}

/// Encoders for JSON-RPC responses.
enum JSONRPC {
    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    static func error(id: JSONValue, code: Int, message: String, data: JSONValue? = nil) -> JSONValue {
        var e: JSONObject = JSONObject([JSONMember(key: "code", value: .number(JSONNumber(code))),
                                        JSONMember(key: "message", value: .string(message))])
        if let data { e.members.append(JSONMember(key: "data", value: data)) }
        return ["jsonrpc": "2.0", "id": id, "error": .object(e)]
    }
}
