import NexusSchema
import Testing
@testable import NexusConfig

@Suite struct WorkflowConfigTests {
    @Test func schemasReadAsJSON() throws {
        let c = try ConfigLoader.parse(minimalListener + """
            workflows:
              - name: add
                title: Add
                handler: add
                input_schema:
                  type: object
                  properties:
                    a: {type: number, minimum: 0.5}
                    b: {type: number, enum: [1, "1", true, null]}
                  required: [a, b]
                  additionalProperties: false
            """, file: "t.yaml")
        let w = try #require(c.workflows.first)
        #expect(w.target == .builtin(.add))
        #expect(w.inputSchema["properties"]?["a"]?["minimum"] == .number(JSONNumber(literal: "0.5")!))
        #expect(w.inputSchema["properties"]?["b"]?["enum"] == [1, "1", true, nil])
        #expect(w.inputSchema["additionalProperties"] == false)
        #expect(c.workflowAPI == .defaults)
        #expect(c.workflowAPI(forListener: 0)?.mcpPath == "/mcp")
    }

    @Test func errorsNameTheKey() {
        let errors = configErrors(minimalListener + """
            workflows:
              - name: a
                handler: nope
                input_schema: {type: object}
              - name: b
                handler: echo
                input_schema: {type: string}
              - name: c
                upstream: api
                method: POST
                path: /x
                input_schema: {type: object}
              - name: d
                handler: echo
                input_schema: {type: object, properties: {x: {pattern: "(?<=a)"}}}
              - name: e
                handler: echo
              - name: ok
                handler: echo
                input_schema: {type: object}
              - name: ok
                handler: echo
                input_schema: {type: object}
            """)
        let keys = errors.map(\.key)
        #expect(keys.contains("workflows[0].handler"))
        #expect(keys.contains("workflows[1].input_schema"))
        #expect(keys.contains("workflows[2].upstream"))
        #expect(errors.contains { $0.message.contains("unknown upstream") })
        #expect(keys.contains("workflows[3].input_schema"))
        #expect(keys.contains("workflows[4].input_schema"))
        #expect(errors.contains { $0.message.contains("workflow names are unique") })
    }

    @Test func pathsClashWithRoutes() {
        let e = configErrors(minimalListener + """
            routes:
              - name: api
                path_prefix: /v1/
                handler: echo
            workflow_api:
              mcp_path: /agents/mcp
            """)
        #expect(e.count == 1)
        #expect(e.first?.message.contains("'/v1/workflows' clashes with the route 'api'") == true)
        #expect(configErrors(minimalListener + """
            routes:
              - name: api
                path: /v1/workflows/{name}
                handler: echo
            workflow_api: {}
            """).first?.message.contains("/v1/workflows/{name}") == true)
        #expect(configErrors(minimalListener + "workflow_api: {rest_path: /mcp}\n").first?.message.contains("must differ") == true)
    }

    @Test func scopesNeedAuth() {
        let e = configErrors(minimalListener + """
            workflows:
              - name: a
                handler: echo
                scopes: [x]
                input_schema: {type: object}
            """)
        #expect(e.first?.message.contains("need an 'auth' section") == true)
    }

    @Test func upstreamTargets() throws {
        let config = try ConfigLoader.parse(minimalListener + """
            upstreams:
              - name: weather
                backends: [{address: "127.0.0.1:9000"}]
            workflows:
              - name: forecast
                upstream: weather
                method: GET
                path: /cities/{city}/days/{n}?units=metric
                timeout: 250ms
                input_schema: {type: object, properties: {city: {type: string}, n: {type: integer}}, required: [city, n]}
              - name: post
                upstream: weather
                input_schema: {type: object}
            """, file: "u.yaml")
        guard case .upstream(let u) = config.workflows[0].target, case .upstream(let p) = config.workflows[1].target else {
            Issue.record("not upstream targets")
            return
        }
        #expect(u.pool == "weather" && u.method == "GET" && !u.sendsBody)
        #expect(u.pieces == [.literal("/cities/"), .variable("city"), .literal("/days/"), .variable("n"), .literal("?units=metric")])
        #expect(config.workflows[0].timeout == .milliseconds(250) && config.workflows[0].timeoutText == "250ms")
        #expect(p.method == "POST" && p.path == "/" && p.sendsBody)
        let errors = configErrors(minimalListener + """
            upstreams:
              - name: weather
                backends: [{address: "127.0.0.1:9000"}]
            workflows:
              - name: a
                upstream: weather
                path: /x/{city}
                input_schema: {type: object, properties: {city: {type: string}}}
              - name: b
                upstream: weather
                path: "/x/{c}"
                input_schema: {type: object, properties: {c: {type: array}}, required: [c]}
              - name: c
                upstream: weather
                method: TRACE
                input_schema: {type: object}
              - name: d
                upstream: weather
                path: "/x/{}"
                input_schema: {type: object}
              - name: e
                upstream: weather
                handler: echo
                input_schema: {type: object}
              - name: f
                handler: echo
                method: GET
                input_schema: {type: object}
            """)
        let messages = errors.map(\.message)
        #expect(messages.contains { $0.contains("'{city}' must name a required property") })
        #expect(messages.contains { $0.contains("must be a string, number, integer or boolean property, not array") })
        #expect(messages.contains { $0.contains("expected one of GET, POST, PUT, PATCH, DELETE, got 'TRACE'") })
        #expect(messages.contains { $0.contains("an empty variable") })
        #expect(messages.contains { $0.contains("either a built-in 'handler' or an 'upstream'") })
        #expect(messages.contains { $0.contains("belong to an upstream target") })
        #expect(errors.count == 6)
    }

    @Test func mcpServers() throws {
        let config = try ConfigLoader.parse(minimalListener + """
            mcp_servers:
              - name: github
                url: https://mcp.example.com/v1/mcp
                headers: {X-Api-Token: abc}
                timeout: 5s
              - name: local
                url: http://[::1]:9100
                prefix: l.
                bearer_token_file: secrets/local.token
            """, file: "/etc/nexus/m.yaml")
        let g = config.mcpServers[0], l = config.mcpServers[1]
        #expect(g.host == "mcp.example.com" && g.port == 443 && g.path == "/v1/mcp" && g.isTLS && g.prefix == "github_")
        #expect(g.headers == [.init(name: "X-Api-Token", value: "abc")] && g.timeout == .seconds(5))
        #expect(g.pool.name == "mcp:github" && g.pool.tls != nil && !g.pool.retry && g.pool.timeouts.read == .seconds(5))
        #expect(l.host == "::1" && l.port == 9100 && l.path == "/" && !l.isTLS && l.prefix == "l." && l.pool.tls == nil)
        #expect(l.bearerTokenFile?.path == "/etc/nexus/secrets/local.token")
        #expect(config.workflowAPI != nil)
        #expect(config.allUpstreams.map(\.name) == ["mcp:github", "mcp:local"])
        let errors = configErrors(minimalListener + """
            mcp_servers:
              - {name: a, url: "ftp://user:secret@x/mcp"}
              - {name: b, url: "http://u:p@x/mcp"}
              - {name: c, url: "http://x/mcp", tls: {}}
              - {name: d, url: "http://x/mcp", headers: {Host: y}}
              - {name: e, url: "http://x/mcp", headers: {Authorization: x}, bearer_token_file: /t}
              - {name: f, url: "http://x/mcp", scopes: [s]}
              - {name: f, url: "http://y/mcp"}
              - {name: g, url: "http://z/mcp", prefix: f_}
            """)
        let messages = errors.map(\.message)
        #expect(messages.contains { $0.contains("expected an http:// or https:// URL") })
        #expect(!messages.contains { $0.contains("secret") }) // a URL that may carry credentials is not echoed
        #expect(messages.contains { $0.contains("not in the URL") })
        #expect(messages.contains { $0.contains("'tls' needs an https:// url") })
        #expect(messages.contains { $0.contains("written by Nexus itself") })
        #expect(messages.contains { $0.contains("not both") })
        #expect(messages.contains { $0.contains("need an 'auth' section") })
        #expect(messages.contains { $0.contains("names are unique") })
        #expect(messages.contains { $0.contains("prefixes are unique") })
    }

    @Test func runtimeDefinitionsParseLikeTheFile() throws {
        let w = try ConfigLoader.parseWorkflow(Array(#"{"handler": "echo", "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}"#.utf8),
                                               name: "flow", upstreams: [], source: "runtime")
        #expect(w.name == "flow")
        #expect(w.inputSchema["properties"]?["n"]?["type"] == "integer")
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader.parseWorkflow(Array(#"{"name": "other", "handler": "echo", "input_schema": {"type": "object"}}"#.utf8), name: "flow", upstreams: [], source: "r")
        }
        let remote = try ConfigLoader.parseWorkflow(Array(#"{"upstream": "up", "path": "/run", "input_schema": {"type": "object"}}"#.utf8),
                                                    name: "flow", upstreams: ["up"], source: "runtime")
        #expect(remote.target == .upstream(try WorkflowUpstream(pool: "up", path: "/run")))
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader.parseWorkflow(Array(#"{"upstream": "gone", "input_schema": {"type": "object"}}"#.utf8), name: "flow", upstreams: ["up"], source: "r")
        }
    }
}
