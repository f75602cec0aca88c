/// The public endpoints of the workflows (paths from `workflow_api`).
enum WorkflowEndpoint: Sendable {
    /// `GET /v1/workflows`: what the caller may run.
    case list
    /// `GET /v1/workflows/NAME` describes one, `POST` runs it.
    case item
    /// The MCP endpoint (Streamable HTTP).
    case mcp
    /// `GET /openapi.json`.
    case openAPI
    /// `GET /.well-known/oauth-protected-resource[<mcp_path>]`: RFC 9728 metadata of the MCP endpoint.
    case resourceMetadata
}
