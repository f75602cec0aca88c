import NexusBytes
import NexusMCP
import NexusSchema

/// A run waiting for its upstream: kept on the client connection (`Connection.workflowCall`) from the moment its
/// request goes to the pool until the answer is written. Either a workflow with an `upstream` (REST or MCP) or a
/// tool of an upstream MCP server (federation; MCP only).
final class WorkflowCall {
    enum Target {
        case workflow(Workflow)
        /// A federated tool: the server, the tool's own name and its exported (prefixed) name, and the session
        /// and revision to call it with.
        case federated(FederatedServer, tool: String, exported: String, session: String?, revision: String)
    }

    let target: Target
    /// The input (the tool's arguments).
    let input: JSONValue
    /// The pool the request goes to.
    let route: ProxyRoute
    /// The request carries a body (no retry on another backend).
    let sendsBody: Bool
    /// When the run times out (the loop's monotonic ms), and that timeout as the configuration wrote it.
    let deadline: Int64
    let timeoutText: String
    /// Where the answer goes.
    let out: WorkflowOutput
    /// The MCP endpoint, the registry and the RFC 9728 challenge of a tools/call (nil: REST), and the pending JSON-RPC
    /// call to resume.
    let mcp: (endpoint: MCPEndpoint, registry: WorkflowRegistry, challenge: String?)?
    var pending: MCPPendingCall?
    /// The JSON-RPC id of a forwarded tools/call (random, below 2^53: unique among the calls in flight on a session
    /// that every loop shares).
    var rpcID = 0
    /// The upstream's response: status, content type and (decoded) body, at most `maxBody` bytes.
    var status = 0
    var contentType: String?
    let body = ByteBuffer(capacity: 256)
    let maxBody: Int
    /// The client asked to close after this response (or the server is draining).
    var closeAfter = false

    init(workflow: Workflow, upstream: UpstreamWorkflow, input: JSONValue, now: Int64, out: WorkflowOutput,
         mcp: (endpoint: MCPEndpoint, registry: WorkflowRegistry, challenge: String?)?, maxBody: Int) {
        target = .workflow(workflow)
        self.input = input
        route = upstream.route
        sendsBody = upstream.target.sendsBody
        deadline = now + EngineSettings.ms(workflow.config.timeout)
        timeoutText = workflow.config.timeoutText
        self.out = out
        self.mcp = mcp
        self.maxBody = maxBody
    }

    init(server: FederatedServer, tool: String, exported: String, session: String?, revision: String, arguments: JSONValue,
         now: Int64, out: WorkflowOutput, mcp: (endpoint: MCPEndpoint, registry: WorkflowRegistry, challenge: String?), maxBody: Int) {
        target = .federated(server, tool: tool, exported: exported, session: session, revision: revision)
        input = arguments
        route = server.route
        sendsBody = true
        deadline = now + EngineSettings.ms(server.config.timeout)
        timeoutText = server.config.timeoutText
        self.out = out
        self.mcp = mcp
        self.maxBody = maxBody
    }
}
