import NexusConfig
import NexusSchema
@testable import NexusServer
import Testing

/// RFC 9728 metadata of the MCP endpoint: the resource URL (configured or from the request), where the document
/// is, and what it says.
@Suite struct ResourceMetadataTests {
    static func api(resource: String? = nil, name: String? = nil) -> WorkflowAPIConfig {
        var a = WorkflowAPIConfig()
        a.resourceMetadata = true
        a.resource = resource
        a.resourceName = name
        a.authorizationServers = ["https://idp.example.com"]
        return a
    }

    @Test func resourceFromConfigOrRequest() {
        #expect(ResourceMetadata.resource(Self.api(resource: "https://api.example.com/mcp"), host: "evil.example", tls: false) == "https://api.example.com/mcp")
        #expect(ResourceMetadata.resource(Self.api(), host: "Example.COM:8443", tls: true) == "https://example.com:8443/mcp")
        #expect(ResourceMetadata.resource(Self.api(), host: "[::1]:80", tls: false) == "http://[::1]:80/mcp")
        // A Host value a host never has cannot reach a header or the document.
        #expect(ResourceMetadata.resource(Self.api(), host: "a\"b, c", tls: false) == "http://localhost/mcp")
        #expect(ResourceMetadata.resource(Self.api(), host: nil, tls: false) == "http://localhost/mcp")
    }

    @Test func wellKnownURLInsertsThePrefix() {
        #expect(ResourceMetadata.url(resource: "https://api.example.com/v1/mcp") == "https://api.example.com/.well-known/oauth-protected-resource/v1/mcp")
        #expect(ResourceMetadata.url(resource: "https://api.example.com") == "https://api.example.com/.well-known/oauth-protected-resource")
        #expect(ResourceMetadata.challenge(resource: "https://a.example/mcp") == "resource_metadata=\"https://a.example/.well-known/oauth-protected-resource/mcp\"")
    }

    @Test func documentListsScopesOnce() throws {
        func workflow(_ name: String, _ scopes: [String]) throws -> Workflow {
            var c = WorkflowConfig(name: name, inputSchema: ["type": "object"], target: .builtin(.echo))
            c.scopes = scopes
            return try Workflow(c, access: RouteAccess(anonymous: false, scopes: scopes, limits: []), slot: 0, pools: [])
        }
        let doc = ResourceMetadata.document(Self.api(name: "Orders"), resource: "https://api.example.com/mcp",
                                            workflows: [try workflow("a", ["x", "y"]), try workflow("b", []), try workflow("c", ["y", "z"])])
        var bytes: [UInt8] = []
        doc.write(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"resource":"https://api.example.com/mcp","authorization_servers":["https://idp.example.com"],"bearer_methods_supported":["header"],"scopes_supported":["x","y","z"],"resource_name":"Orders"}"#)
    }
}
