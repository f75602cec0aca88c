import Testing
@testable import NexusConfig

/// `workflow_api`'s RFC 9728 keys: defaults resolved against `auth.jwt`, URLs checked and made canonical, and the
/// well-known paths in the clash check.
@Suite struct ResourceMetadataConfigTests {
    static let jwt = """
        auth:
          jwt:
            issuers: [https://idp.example.com]
            audiences: [https://api.example.com/mcp]
            keys: [{jwks_file: jwks.json}]
        workflows:
          - {name: add, handler: add, scopes: [math:run], input_schema: {type: object}}

        """

    @Test func onWithJWTWithIssuersAsAuthorizationServers() throws {
        let c = try ConfigLoader.parse(minimalListener + Self.jwt, file: "t.yaml")
        let api = try #require(c.workflowAPI)
        #expect(api.resourceMetadata)
        #expect(api.authorizationServers == ["https://idp.example.com"])
        #expect(api.resource == nil)
        #expect(api.resourceMetadataPaths == ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"])
    }

    @Test func offWithoutJWT() throws {
        let c = try ConfigLoader.parse(minimalListener + "workflows:\n  - {name: add, handler: add, input_schema: {type: object}}\n", file: "t.yaml")
        #expect(c.workflowAPI?.resourceMetadata == false)
        #expect(c.workflowAPI?.resourceMetadataPaths == [])
    }

    @Test func explicitKeysAreCanonical() throws {
        let c = try ConfigLoader.parse(minimalListener + Self.jwt + """
            workflow_api:
              mcp_path: /agents
              resource: HTTPS://API.Example.com:8443/v2/mcp/
              authorization_servers: [https://a.example.com/, https://b.example.com/tenant]
              resource_name: Orders
            """, file: "t.yaml")
        let api = try #require(c.workflowAPI)
        #expect(api.resource == "https://api.example.com:8443/v2/mcp")
        #expect(api.authorizationServers == ["https://a.example.com", "https://b.example.com/tenant"])
        #expect(api.resourceName == "Orders")
        // The resource's own path too: a proxy in front may map it to mcp_path.
        #expect(api.resourceMetadataPaths == ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/agents",
                                              "/.well-known/oauth-protected-resource/v2/mcp"])
        #expect(WorkflowAPIConfig.pathOf("https://h") == "" && WorkflowAPIConfig.originOf("https://h:1/a/b") == "https://h:1")
    }

    @Test func perListenerAndDisabled() throws {
        let c = try ConfigLoader.parse("""
            listeners:
              - address: 127.0.0.1:8080
              - address: 127.0.0.1:8081
                workflow_api: {resource_metadata: false}
            """ + "\n" + Self.jwt, file: "t.yaml")
        #expect(c.workflowAPI(forListener: 0)?.resourceMetadata == true)
        #expect(c.workflowAPI(forListener: 1)?.resourceMetadata == false)
    }

    @Test func badURLsNameTheirPlace() {
        let errors = configErrors(minimalListener + Self.jwt + """
            workflow_api:
              resource: http://api.example.com/mcp
              authorization_servers: [https://idp.example.com/#x, "ftp://x", http://localhost:9000]
              resource_name: ""
            """)
        #expect(errors.map { "\($0.line) \($0.key)" } == ["11 workflow_api.resource", "12 workflow_api.authorization_servers[0]",
                                                           "12 workflow_api.authorization_servers[1]", "13 workflow_api.resource_name"])
        #expect(errors.first?.message.contains("http:// only on localhost") == true)
    }

    @Test func needsAudiencesAuthAndAnAuthorizationServer() {
        let noAudience = singleError(minimalListener + Self.jwt.replacingOccurrences(of: "audiences: [https://api.example.com/mcp]", with: "audiences: []"))
        #expect(noAudience?.key == "auth.jwt.audiences")
        let noServer = singleError(minimalListener + Self.jwt.replacingOccurrences(of: "issuers: [https://idp.example.com]", with: "issuers: []"))
        #expect(noServer?.key == "workflow_api.authorization_servers")
        let noAuth = singleError(minimalListener + """
            workflow_api: {resource_metadata: true, authorization_servers: [https://idp.example.com]}
            """)
        #expect(summary(noAuth, \.line, \.key) == "3 workflow_api.resource_metadata")
    }

    @Test func wellKnownPathsJoinTheClashCheck() {
        let clash = singleError(minimalListener + Self.jwt + """
            routes:
              - {name: wk, path: /.well-known/oauth-protected-resource/mcp, handler: echo}
            """)
        #expect(clash?.message.contains("'/.well-known/oauth-protected-resource/mcp' clashes with the route 'wk'") == true)
        #expect(clash?.message.contains("resource_metadata") == true)
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { $0.contains(a) ? String($0).replacing(a, with: b) : String($0) }
            .joined(separator: "\n")
    }
}
