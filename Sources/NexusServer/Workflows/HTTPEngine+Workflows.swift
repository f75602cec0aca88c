import NexusBytes
import NexusConfig
import NexusHTTP1
import NexusMCP
import NexusSchema

/// The workflow channels on the event loop: REST, MCP and the OpenAPI document. Every run goes through `admit`
/// with the workflow's access rules (keys, scopes, limits, quotas) and is counted under `workflow:NAME`,
/// whichever the channel. Built-in handlers answer synchronously, here; upstream-targeted workflows start an
/// exchange and answer when it ends (HTTPEngine+WorkflowCalls).
extension HTTPEngine {
    func respondWorkflow(_ c: Connection, _ endpoint: WorkflowEndpoint, api: Int, prefixLength: Int, connection: ConnectionField, headOnly: Bool) {
        guard let registry = routes.workflows, api < registry.apis.count else { preconditionFailure("a workflow endpoint without workflows") }
        let paths = registry.apis[api]
        let bytes = c.headBytes.readable
        let out = WorkflowOutput(engine: self, c: c, connection: connection, headOnly: headOnly)
        // With RFC 9728 metadata, every 401 and 403 here names it, and the MCP endpoint needs credentials.
        let resource = paths.resourceMetadata ? ResourceMetadata.resource(paths, host: header(c, "host"), tls: c.tls != nil) : nil
        let challenge = resource.map(ResourceMetadata.challenge(resource:))
        switch endpoint {
        case .list:
            guard admitted(c, registry.endpointAccess, headBytes: bytes, challenge: challenge) else { return }
            let visible = registry.workflows.filter { $0.visible(to: c.principal, authEnabled: registry.authEnabled) }
            out.json(200, ["workflows": .array(visible.map { describe($0, paths) })])
        case .openAPI:
            guard admitted(c, registry.endpointAccess, headBytes: bytes, challenge: challenge) else { return }
            let visible = registry.workflows.filter { $0.visible(to: c.principal, authEnabled: registry.authEnabled) }
            out.json(200, OpenAPIDocument.make(visible, api: paths, authEnabled: registry.authEnabled))
        case .item:
            let path = UnsafeRawBufferPointer(rebasing: bytes[c.head.pathRange])
            let name = String(decoding: path[min(prefixLength, path.count)...], as: UTF8.self)
            guard !name.isEmpty, !name.contains("/"), let w = registry.named(name) else {
                if c.head.method == .post || admitted(c, registry.endpointAccess, headBytes: bytes, challenge: challenge) {
                    out.problem(404, "no workflow named '\(name)'")
                }
                return
            }
            if c.head.method == .post {
                run(c, w, out: out, challenge: challenge)
            } else {
                guard admitted(c, registry.endpointAccess, headBytes: bytes, challenge: challenge) else { return }
                guard w.visible(to: c.principal, authEnabled: registry.authEnabled) else {
                    out.problem(404, "no workflow named '\(name)'")
                    return
                }
                out.json(200, describe(w, paths))
            }
        case .mcp:
            guard admitted(c, resource != nil ? registry.protectedEndpointAccess : registry.endpointAccess, headBytes: bytes,
                           challenge: challenge) else { return }
            mcp(c, registry, registry.mcps[api], out: out, challenge: challenge)
        case .resourceMetadata:
            out.json(200, ResourceMetadata.document(paths, resource: resource ?? ResourceMetadata.resource(paths, host: nil, tls: false),
                                                    workflows: registry.workflows))
        }
    }

    /// `POST /v1/workflows/NAME`: admit, parse, validate, run.
    private func run(_ c: Connection, _ w: Workflow, out: WorkflowOutput, challenge: String?) {
        c.routeSlot = w.slot
        guard admitted(c, w.access, headBytes: c.headBytes.readable, challenge: challenge) else { return }
        let contentType = header(c, "content-type")?.lowercased() ?? ""
        guard contentType.split(separator: ";").first.map({ $0.trimmingCharacters(in: " \t") }) == "application/json" else {
            countWorkflow(c, w, 415)
            out.problem(415, "the input must be sent as application/json")
            return
        }
        let input: JSONValue
        do { input = try JSONParser().parse(Array(c.body.readable)) } catch {
            countWorkflow(c, w, 400)
            out.problem(400, "the body is not valid JSON: \(error)")
            return
        }
        let violations = w.input.validate(input)
        guard violations.isEmpty else {
            countWorkflow(c, w, 400)
            out.problem(400, "the input does not match the workflow's input schema (\(violations.count) violation\(violations.count == 1 ? "" : "s"))",
                        extra: [("violations", .array(violations.map(\.json)))])
            return
        }
        if let upstream = w.upstream {
            c.workflowCall = WorkflowCall(workflow: w, upstream: upstream, input: input, now: now, out: out, mcp: nil,
                                          maxBody: settings.limits.maxBodyBytes)
            startWorkflowCall(c)
            return
        }
        switch execute(w, input) {
        case .success(let result):
            countWorkflow(c, w, 200)
            out.json(200, result)
        case .failure(let f):
            countWorkflow(c, w, f.status)
            out.problem(f.status, "the workflow failed: \(f.message)")
        }
    }

    /// `admit`, for a request `respond` has counted already (a refusal counts itself: not twice).
    private func admitted(_ c: Connection, _ access: RouteAccess, headBytes: UnsafeRawBufferPointer, challenge: String?) -> Bool {
        if admit(c, access, headBytes: headBytes, challenge: challenge) { return true }
        requestsServed &-= 1
        return false
    }

    /// Runs a built-in workflow.
    private func execute(_ w: Workflow, _ input: JSONValue) -> Result<JSONValue, WorkflowFailure> {
        guard case .builtin(let b) = w.config.target else { preconditionFailure("execute runs built-in workflows") }
        let result = BuiltinHandlers.run(b, input: input)
        if case .success(let value) = result, let output = w.output, !output.isValid(value) {
            return .failure(WorkflowFailure("the result does not match the workflow's output schema"))
        }
        return result
    }

    /// Usage, and the workflow metrics by channel: MCP for the MCP endpoint, `cli` for `nexusctl run` (it presents
    /// a run-as key or comes from the admin thread on loopback), REST otherwise.
    func countWorkflow(_ c: Connection, _ w: Workflow, _ status: Int, mcp: Bool = false) {
        usage.count(slot: w.slot, consumer: c.principal, status: status)
        let channel = mcp ? "mcp" : (c.principal?.keyID == "run-as" || c.head.value(of: "x-nexus-channel", in: c.headBytes.readable) != nil ? "cli" : "rest")
        metrics.recordWorkflow(w.config.name, channel: channel, status: status)
        auditRun(c, action: "workflow.run", target: w.config.name, channel: channel, status: status)
    }

    /// The MCP endpoint: the protocol is NexusMCP's; tools are the workflows the caller may see.
    private func mcp(_ c: Connection, _ registry: WorkflowRegistry, _ endpoint: MCPEndpoint, out: WorkflowOutput, challenge: String?) {
        let request = MCPRequest(method: String(decoding: UnsafeRawBufferPointer(rebasing: c.headBytes.readable[c.head.methodRange]), as: UTF8.self),
                                 accept: header(c, "accept"), contentType: header(c, "content-type"),
                                 protocolVersion: header(c, "mcp-protocol-version"), sessionID: header(c, "mcp-session-id"),
                                 origin: header(c, "origin"), mcpMethod: header(c, "mcp-method"), mcpName: header(c, "mcp-name"),
                                 body: Array(c.body.readable))
        switch endpoint.serve(request, tools: toolHost(c, registry, endpoint, out: out, challenge: challenge)) {
        case .response(let response):
            out.write(response.status, contentType: response.contentType, fields: response.fields, body: response.body)
        case .answered:
            return // a limit answered it
        case .pending(let p):
            guard let call = c.workflowCall else { preconditionFailure("a pending tools/call without its state") }
            call.pending = p
            startWorkflowCall(c)
        }
    }

    /// The tools of an MCP request: the workflows `c`'s caller may see, then the tools of the upstream MCP servers it
    /// may use (those that are up); a call is admitted (scopes, limits), validated and run; one that goes upstream
    /// is left in `c.workflowCall` for the endpoint to resume.
    func toolHost(_ c: Connection, _ registry: WorkflowRegistry, _ endpoint: MCPEndpoint, out: WorkflowOutput, challenge: String?) -> MCPToolHost {
        let caller = c.principal
        let catalog = federation
        return MCPToolHost(
            list: {
                var tools = registry.workflows.filter { $0.visible(to: caller, authEnabled: registry.authEnabled) }.map(\.tool)
                for server in registry.federated where server.visible(to: caller, authEnabled: registry.authEnabled) {
                    if let state = catalog.state(of: server), state.healthy { tools += state.tools }
                }
                return tools
            },
            call: { [unowned self] name, arguments in
                guard let w = registry.named(name) else {
                    return self.callFederated(c, registry, catalog, name, arguments, endpoint: endpoint, out: out, challenge: challenge)
                }
                // A tool the caller may not run is unknown to it; behind RFC 9728 metadata (OAuth), a token that
                // lacks the tool's scopes gets 403 insufficient_scope naming them instead (admit answers it), so that
                // the client can ask for them (the MCP authorization spec's step-up).
                guard w.visible(to: caller, authEnabled: registry.authEnabled) || (challenge != nil && caller != nil) else { return .unknownTool }
                c.routeSlot = w.slot
                guard self.admitted(c, w.access, headBytes: c.headBytes.readable, challenge: challenge) else { return .answered }
                let violations = w.input.validate(arguments)
                guard violations.isEmpty else {
                    self.countWorkflow(c, w, 400, mcp: true)
                    return .invalidArguments(violations)
                }
                if let upstream = w.upstream {
                    c.workflowCall = WorkflowCall(workflow: w, upstream: upstream, input: arguments, now: self.now, out: out,
                                                  mcp: (endpoint, registry, challenge), maxBody: self.settings.limits.maxBodyBytes)
                    return .pending
                }
                switch self.execute(w, arguments) {
                case .success(let v):
                    self.countWorkflow(c, w, 200, mcp: true)
                    return .result(v, isError: false)
                case .failure(let f):
                    self.countWorkflow(c, w, f.status, mcp: true)
                    return .result(["error": .string(f.message)], isError: true)
                }
            })
    }

    /// A call of a tool of an upstream MCP server (its name starts with the server's prefix): admitted with the
    /// server's rules, then forwarded; the server validates the arguments. A server that is down answers an error
    /// result that says so.
    private func callFederated(_ c: Connection, _ registry: WorkflowRegistry, _ catalog: FederationCatalog, _ name: String,
                               _ arguments: JSONValue, endpoint: MCPEndpoint, out: WorkflowOutput, challenge: String?) -> MCPToolOutcome {
        // The server that lists the name; else (it is down) the one whose prefix it has (the longest, when prefixes nest).
        let candidates = registry.federated.filter { name.hasPrefix($0.config.prefix) }
        guard let server = candidates.first(where: { catalog.state(of: $0)?.original[name] != nil })
                ?? candidates.max(by: { $0.config.prefix.count < $1.config.prefix.count }),
              server.visible(to: c.principal, authEnabled: registry.authEnabled) || (challenge != nil && c.principal != nil) else {
            return .unknownTool
        }
        let state = catalog.state(of: server)
        if let state, state.healthy, state.original[name] == nil { return .unknownTool }
        c.routeSlot = server.slot
        guard admitted(c, server.access, headBytes: c.headBytes.readable, challenge: challenge) else { return .answered }
        guard let state, state.healthy, let tool = state.original[name] else {
            usage.count(slot: server.slot, consumer: c.principal, status: 503)
            return .result(["error": .string("the MCP server '\(server.config.name)' is unavailable; try again later")], isError: true)
        }
        c.workflowCall = WorkflowCall(server: server, tool: tool, exported: name, session: state.sessionID, revision: state.revision,
                                      arguments: arguments, now: now, out: out, mcp: (endpoint, registry, challenge),
                                      maxBody: settings.limits.maxBodyBytes)
        return .pending
    }

    private func describe(_ w: Workflow, _ paths: WorkflowAPIConfig) -> JSONValue {
        var o = JSONObject([JSONMember(key: "name", value: .string(w.config.name))])
        if let t = w.config.title { o.members.append(JSONMember(key: "title", value: .string(t))) }
        o.members.append(JSONMember(key: "description", value: .string(w.config.description)))
        o.members.append(JSONMember(key: "inputSchema", value: w.config.inputSchema))
        if let s = w.config.outputSchema { o.members.append(JSONMember(key: "outputSchema", value: s)) }
        o.members.append(JSONMember(key: "scopes", value: .array(w.config.scopes.map { .string($0) })))
        o.members.append(JSONMember(key: "path", value: .string(paths.restPath + "/" + w.config.name)))
        return .object(o)
    }

    /// A header field's value (the first), as a string.
    private func header(_ c: Connection, _ name: StaticString) -> String? {
        let bytes = c.headBytes.readable
        return c.head.value(of: name, in: bytes).map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
    }
}

/// Writes a workflow endpoint's response into a connection's outbox.
struct WorkflowOutput {
    let engine: HTTPEngine
    let c: Connection
    let connection: ConnectionField
    let headOnly: Bool

    func json(_ status: Int, _ value: JSONValue) {
        var body: [UInt8] = []
        value.write(to: &body)
        body.append(UInt8(ascii: "\n"))
        write(status, contentType: "application/json", fields: [], body: body)
    }

    /// An RFC 9457 problem, with extension members.
    func problem(_ status: Int, _ detail: String, extra: [(String, JSONValue)] = []) {
        var o = JSONObject([JSONMember(key: "type", value: "about:blank"),
                            JSONMember(key: "title", value: .string(String(describing: ResponseWriter.reason(status)))),
                            JSONMember(key: "status", value: .number(JSONNumber(status))),
                            JSONMember(key: "detail", value: .string(detail))])
        for (k, v) in extra { o.members.append(JSONMember(key: k, value: v)) }
        var body: [UInt8] = []
        JSONValue.object(o).write(to: &body)
        body.append(UInt8(ascii: "\n"))
        write(status, contentType: "application/problem+json", fields: [], body: body)
    }

    func write(_ status: Int, contentType: String?, fields: [(String, String)], body: [UInt8]) {
        c.responseStatus = status // for metrics and the access log (respond records it)
        let out = c.outbox
        ResponseWriter.head(status: status, into: out)
        if let contentType { out.append("Content-Type: "); out.append(contentType); out.append("\r\n") }
        out.append("Content-Length: ")
        out.appendDecimal(body.count)
        out.append("\r\n")
        out.append(engine.dateLine.readable)
        connection.write(into: out)
        for (name, value) in fields { out.append(name); out.append(": "); out.append(value); out.append("\r\n") }
        for (name, value) in c.rateLimitFields { out.append(name); out.append(": "); out.append(value); out.append("\r\n") }
        out.append("\r\n")
        if !headOnly { out.append(body) }
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
