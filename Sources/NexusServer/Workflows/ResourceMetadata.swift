import NexusConfig
import NexusSchema

/// OAuth 2.0 protected resource metadata (RFC 9728) of one workflow API's MCP endpoint, as the MCP authorization
/// spec asks of a protected MCP server: the document, where it is, and the challenge parameter that names it.
enum ResourceMetadata {
    /// The MCP endpoint's resource URL: `workflow_api.resource`, else `http(s)://HOST<mcp_path>` from the
    /// request (https on a TLS listener; a Host value with characters a host never has reads as `localhost`).
    static func resource(_ api: WorkflowAPIConfig, host: String?, tls: Bool) -> String {
        if let configured = api.resource { return configured }
        var h = (host ?? "").lowercased()
        let allowed = h.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
                || b == UInt8(ascii: "[") || b == UInt8(ascii: "]")
        }
        if h.isEmpty || !allowed { h = "localhost" }
        return (tls ? "https://" : "http://") + h + api.mcpPath
    }

    /// Where the metadata of `resource` is (RFC 9728 §3.1): the well-known path between its origin and its path.
    static func url(resource: String) -> String {
        let path = WorkflowAPIConfig.pathOf(resource)
        return WorkflowAPIConfig.originOf(resource) + WorkflowAPIConfig.resourceMetadataPrefix + (path == "/" ? "" : path)
    }

    /// The auth-param that 401 and 403 answers of the workflow channels add to their Bearer challenge.
    static func challenge(resource: String) -> String {
        "resource_metadata=\"\(url(resource: resource))\""
    }

    /// The metadata document: `resource`, `authorization_servers`, `scopes_supported` (the scopes the workflows
    /// require, in configuration order), `bearer_methods_supported` (the Authorization header only: RFC 6750's
    /// form and query methods are not accepted) and `resource_name` when configured.
    static func document(_ api: WorkflowAPIConfig, resource: String, workflows: [Workflow]) -> JSONValue {
        var scopes: [String] = []
        for w in workflows {
            for s in w.config.scopes where !scopes.contains(s) { scopes.append(s) }
        }
        var o = JSONObject([JSONMember(key: "resource", value: .string(resource)),
                            JSONMember(key: "authorization_servers", value: .array(api.authorizationServers.map { .string($0) })),
                            JSONMember(key: "bearer_methods_supported", value: ["header"]),
                            JSONMember(key: "scopes_supported", value: .array(scopes.map { .string($0) }))])
        if let name = api.resourceName { o.members.append(JSONMember(key: "resource_name", value: .string(name))) }
        return .object(o)
    }
}
