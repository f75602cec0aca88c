import NexusSchema

/// The parts of an HTTP request the MCP endpoint looks at. Header values are as received (nil: absent).
public struct MCPRequest: Sendable {
    public var method: String
    public var accept: String?
    public var contentType: String?
    public var protocolVersion: String?
    public var sessionID: String?
    public var origin: String?
    public var mcpMethod: String?
    public var mcpName: String?
    public var body: [UInt8]

    public init(method: String, accept: String? = nil, contentType: String? = nil, protocolVersion: String? = nil,
                sessionID: String? = nil, origin: String? = nil, mcpMethod: String? = nil, mcpName: String? = nil,
                body: [UInt8] = []) {
        self.method = method
        self.accept = accept
        self.contentType = contentType
        self.protocolVersion = protocolVersion
        self.sessionID = sessionID
        self.origin = origin
        self.mcpMethod = mcpMethod
        self.mcpName = mcpName
        self.body = body
    }
}

/// What to send back: a status, extra header fields, and a body with its content type (none for 202/405...).
public struct MCPResponse: Sendable {
    public var status: Int
    public var fields: [(String, String)]
    public var contentType: String?
    public var body: [UInt8]
    /// The revision the exchange was served under (nil when it was refused before one was known).
    public var revision: MCPRevision?

    init(status: Int, fields: [(String, String)] = [], contentType: String? = nil, body: [UInt8] = [], revision: MCPRevision? = nil) {
        self.status = status
        self.fields = fields
        self.contentType = contentType
        self.body = body
        self.revision = revision
    }
}

/// A tool as `tools/list` describes it.
public struct MCPTool: Sendable {
    public var name: String
    public var title: String?
    public var description: String
    public var inputSchema: JSONValue
    public var outputSchema: JSONValue?

    public init(name: String, title: String?, description: String, inputSchema: JSONValue, outputSchema: JSONValue?) {
        self.name = name
        self.title = title
        self.description = description
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
    }
}

/// How a tool call went, as the host reports it.
public enum MCPToolOutcome: Sendable {
    /// The tool ran: its structured result (an object), and whether it failed (a failing upstream, say).
    case result(JSONValue, isError: Bool)
    /// No tool of that name the caller may run.
    case unknownTool
    /// The arguments fail the tool's input schema.
    case invalidArguments([Violation])
    /// The host answered the HTTP request itself (a rate limit): the endpoint writes nothing.
    case answered
    /// The tool runs elsewhere (an upstream call): the endpoint returns `MCPReply.pending`, and the host gives the
    /// result to `MCPEndpoint.resume` when it has it.
    case pending
}

/// The result of a pending tools/call, given to `MCPEndpoint.resume`.
public enum MCPCallResult: Sendable {
    /// A tool Nexus ran: its structured result, and whether it failed.
    case tool(JSONValue, isError: Bool)
    /// The `result` object an upstream MCP server answered (federation): passed on, fitted to the caller's revision.
    case forwarded(JSONValue)
    /// The JSON-RPC error an upstream MCP server answered: passed on.
    case forwardedError(code: Int, message: String, data: JSONValue?)
}

/// What the endpoint made of a request.
public enum MCPReply: Sendable {
    /// Send this.
    case response(MCPResponse)
    /// The host answered the HTTP request itself: nothing to send.
    case answered
    /// A tool call is in progress: call `MCPEndpoint.resume` with its result.
    case pending(MCPPendingCall)
}

/// A tools/call waiting for its result, with what the answer needs: the request id, the revision and the
/// response form, and for a JSON-RPC batch the answers so far and the messages still to serve.
public struct MCPPendingCall: Sendable {
    let id: JSONValue
    let revision: MCPRevision
    let sse: Bool
    let batch: Batch?

    struct Batch: Sendable {
        var answers: [JSONValue]
        var rest: ArraySlice<JSONValue>
    }
}

/// The tools the caller may see and run; called on the event loop, synchronously.
public struct MCPToolHost {
    public var list: () -> [MCPTool]
    public var call: (_ name: String, _ arguments: JSONValue) -> MCPToolOutcome

    public init(list: @escaping () -> [MCPTool], call: @escaping (String, JSONValue) -> MCPToolOutcome) {
        self.list = list
        self.call = call
    }
}
