import NexusBytes
import NexusMCP
import NexusSchema

/// A workflow run waiting for its upstream: kept on the client connection (`Connection.workflowCall`) from the
/// moment its request goes to the pool until the answer is written, on the REST or the MCP channel.
final class WorkflowCall {
    let workflow: Workflow
    let input: JSONValue
    /// When the run times out (the loop's monotonic ms): the workflow's `timeout` from the start of the call.
    let deadline: Int64
    /// Where the answer goes.
    let out: WorkflowOutput
    /// The MCP endpoint, the registry and the RFC 9728 challenge of a tools/call (nil: REST), and the pending JSON-RPC
    /// call to resume.
    let mcp: (endpoint: MCPEndpoint, registry: WorkflowRegistry, challenge: String?)?
    var pending: MCPPendingCall?
    /// The upstream's response: status and (decoded) body, at most `maxBody` bytes.
    var status = 0
    let body = ByteBuffer(capacity: 256)
    let maxBody: Int
    /// The body grew past `maxBody`.
    var tooLarge = false
    /// The client asked to close after this response (or the server is draining).
    var closeAfter = false

    init(workflow: Workflow, input: JSONValue, deadline: Int64, out: WorkflowOutput,
         mcp: (endpoint: MCPEndpoint, registry: WorkflowRegistry, challenge: String?)?, maxBody: Int) {
        self.workflow = workflow
        self.input = input
        self.deadline = deadline
        self.out = out
        self.mcp = mcp
        self.maxBody = maxBody
    }
}
