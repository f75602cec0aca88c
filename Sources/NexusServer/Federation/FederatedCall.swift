import NexusBytes
import NexusMCP
import NexusSchema

/// A tools/call forwarded to an upstream MCP server, on the event loop: the request Nexus sends (the server's own
/// credentials and session, never the caller's fields) and what its answer becomes. Pure functions.
enum FederatedCall {
    /// `POST path` with the JSON-RPC tools/call of the tool's own name, over a keep-alive connection of the server's pool.
    /// `id` must be unique among the calls in flight on the session (every loop shares it): the server matches its
    /// answers to requests by it.
    static func writeRequest(server: FederatedServer, tool: String, arguments: JSONValue, id: Int, session: String?, revision: String,
                             host: [UInt8], into out: ByteBuffer) {
        let body = MCPWire.toolsCall(id: id, name: tool, arguments: arguments)
        out.append("POST ")
        out.append(server.config.path)
        out.append(" HTTP/1.1\r\nHost: ")
        out.append(host)
        out.append("\r\nUser-Agent: nexus\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: ")
        out.append(revision)
        if let session {
            out.append("\r\nMcp-Session-Id: ")
            out.append(session)
        }
        out.append("\r\n")
        out.append(server.credentialFields)
        out.append("Content-Length: ")
        out.appendDecimal(body.count)
        out.append("\r\n\r\n")
        out.append(body)
    }

    /// The server's answer as the caller's result, and the status to count it under: its result or JSON-RPC error
    /// passed on; anything else is an `isError` result that says why (never the server's body).
    static func result(server: FederatedServer, id: Int, status: Int, contentType: String?, body: UnsafeRawBufferPointer) -> (MCPCallResult, Int) {
        let name = server.config.name
        guard status == 200 else {
            let why = status == 401 || status == 403 ? "refused Nexus's credentials (\(status))" : "answered \(status)"
            return (.tool(["error": .string("the MCP server '\(name)' \(why)")], isError: true), 502)
        }
        switch MCPWire.answer(contentType: contentType, body: body, id: id) {
        case .result(let r):
            let failed = r["isError"] == .bool(true)
            return (.forwarded(r), failed ? 502 : 200)
        case .error(let code, let message, let data):
            return (.forwardedError(code: code, message: message, data: data), 400)
        case .invalid(let why):
            return (.tool(["error": .string("the MCP server '\(name)' gave no valid answer: \(why)")], isError: true), 502)
        }
    }
}
