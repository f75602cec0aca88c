import NexusSchema

extension ConfigDecoder {
    static let workflowKeys = ["name", "title", "description", "input_schema", "output_schema", "handler", "upstream", "method",
                               "path", "anonymous", "scopes", "rate_limits", "timeout"]
    static let workflowAPIKeys = ["rest_path", "mcp_path", "openapi_path", "allowed_origins", "resource_metadata", "resource",
                                  "authorization_servers", "resource_name"]

    /// Decodes `workflows`: names unique, schemas compiled, targets known.
    mutating func decodeWorkflows(_ node: YAMLNode, path: String) -> [WorkflowConfig] {
        guard let items = items(node, path: path, expected: "a sequence of workflows") else { return [] }
        var workflows: [WorkflowConfig] = []
        var names: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            guard let fields = fields(item, path: itemPath, allowed: Self.workflowKeys),
                  let w = decodeWorkflow(fields) else { continue }
            if let line = names[w.name] {
                fail(fields.keyMark("name") ?? fields.mark, fields.path("name"),
                     "the workflow at line \(line) has the name '\(w.name)' already; workflow names are unique")
                continue
            }
            names[w.name] = w.line
            workflows.append(w)
        }
        return workflows
    }

    private mutating func decodeWorkflow(_ fields: Fields) -> WorkflowConfig? {
        let errorCount = errors.count
        let name = required(fields, "name", expected: "a workflow name") { text throws(InvalidValue) in
            try ValueParsers.name(text, what: "a workflow name")
        }
        let title: String? = value(fields, "title", default: nil, expected: "a title") { $0 }
        let description = value(fields, "description", default: "", expected: "a description") { $0 }
        let input = fields["input_schema"].flatMap { schema($0, path: fields.path("input_schema"), input: true) }
        if fields["input_schema"] == nil {
            fail(fields.mark, fields.path("input_schema"), "missing required key 'input_schema' (the JSON Schema of the input)")
        }
        let output = fields["output_schema"].flatMap { schema($0, path: fields.path("output_schema"), input: false) }
        var target: WorkflowTarget?
        if let node = fields["upstream"] {
            if let mark = fields.keyMark("handler") {
                fail(mark, fields.path("handler"), "a workflow has either a built-in 'handler' or an 'upstream', not both")
            }
            target = decodeWorkflowUpstream(node, fields, input: input).map(WorkflowTarget.upstream)
        } else if fields["method"] != nil || fields["path"] != nil {
            fail(fields.keyMark("method") ?? fields.keyMark("path") ?? fields.mark, fields.path(fields["method"] != nil ? "method" : "path"),
                 "'method' and 'path' belong to an upstream target: add 'upstream' (a pool of 'upstreams')")
        } else {
            target = required(fields, "handler", expected: "a built-in handler or an upstream") { text throws(InvalidValue) in
                guard let b = BuiltinWorkflow(rawValue: text) else {
                    throw InvalidValue("expected one of \(BuiltinWorkflow.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                }
                return WorkflowTarget.builtin(b)
            }
        }
        // Access rules are a route's: decode them through one.
        var access = RouteConfig(match: .exact("/"), handler: .echo)
        decodeRouteAccess(fields, into: &access)
        let timeout = duration(fields, "timeout", default: .seconds(30))
        guard errors.count == errorCount, let name, let input, let target else { return nil }
        var w = WorkflowConfig(name: name, title: title, description: description, inputSchema: input, outputSchema: output,
                               target: target, line: fields.mark.line)
        w.anonymous = access.anonymous
        w.scopes = access.scopes
        w.rateLimits = access.rateLimits
        w.timeout = timeout
        return w
    }

    /// `upstream`, `method` and `path`: the pool exists, the method is one a workflow can use, every `{variable}`
    /// of the path is a required scalar property of the input.
    private mutating func decodeWorkflowUpstream(_ node: YAMLNode, _ fields: Fields, input: JSONValue?) -> WorkflowUpstream? {
        let pool = upstreamName(node, path: fields.path("upstream"))
        let method = value(fields, "method", default: "POST", expected: "an HTTP method") { text throws(InvalidValue) in
            guard WorkflowUpstream.methods.contains(text) else {
                throw InvalidValue("expected one of \(WorkflowUpstream.methods.joined(separator: ", ")), got '\(text)'")
            }
            return text
        }
        let path = value(fields, "path", default: "/", expected: "a path template") { text throws(InvalidValue) in
            _ = try WorkflowUpstream.parse(text).get()
            return text
        }
        guard let pool, let upstream = try? WorkflowUpstream(pool: pool, method: method, path: path) else { return nil }
        if let input {
            var required: Set<String> = []
            if case .array(let names)? = input["required"] {
                for case .string(let n) in names { required.insert(n) }
            }
            for v in upstream.variables {
                guard required.contains(v) else {
                    fail(fields.keyMark("path") ?? fields.mark, fields.path("path"),
                         "the path variable '{\(v)}' must name a required property of the input schema (add '\(v)' to its 'required')")
                    return nil
                }
                if case .string(let t)? = input["properties"]?[v]?["type"], !["string", "integer", "number", "boolean"].contains(t) {
                    fail(fields.keyMark("path") ?? fields.mark, fields.path("path"),
                         "the path variable '{\(v)}' must be a string, number, integer or boolean property, not \(t)")
                    return nil
                }
            }
        }
        return upstream
    }

    /// A schema given as YAML, turned into JSON and compiled (so every refusal is reported here, with its place).
    private mutating func schema(_ node: YAMLNode, path: String, input: Bool) -> JSONValue? {
        guard case .mapping = node else {
            fail(node.mark, path, "expected a JSON Schema as a mapping, got \(node.kindDescription)")
            return nil
        }
        let json = Self.json(node)
        do {
            _ = try Schema(json)
        } catch {
            fail(node.mark, path, "the schema is refused: \(error.problems.map(\.description).joined(separator: "; "))")
            return nil
        }
        if input, json["type"] != .string("object") {
            fail(node.mark, path, "an input schema describes an object: it needs \"type: object\"")
            return nil
        }
        return json
    }

    /// YAML to JSON: quoted scalars are strings; plain ones are null, booleans or numbers when they read as such.
    static func json(_ node: YAMLNode) -> JSONValue {
        switch node {
        case .scalar(let text, _, let quoted):
            if quoted { return .string(text) }
            if node.isNull { return .null }
            if text == "true" { return .bool(true) }
            if text == "false" { return .bool(false) }
            if let n = JSONNumber(literal: text) { return .number(n) }
            return .string(text)
        case .sequence(let items, _):
            return .array(items.map(json))
        case .mapping(let pairs, _):
            return .object(JSONObject(pairs.map { JSONMember(key: $0.key, value: json($0.value)) }))
        }
    }

    mutating func decodeWorkflowAPI(_ node: YAMLNode, path: String, listener: Bool = false) -> WorkflowAPIConfig? {
        guard let fields = fields(node, path: path, allowed: Self.workflowAPIKeys + (listener ? ["enabled"] : [])) else { return nil }
        var api = WorkflowAPIConfig()
        api.enabled = value(fields, "enabled", default: true, expected: "true or false", ValueParsers.boolean)
        func p(_ key: String, _ fallback: String) -> String {
            value(fields, key, default: fallback, expected: "a path") { text throws(InvalidValue) in
                try Self.plainPath(text, key: key)
            }
        }
        api.restPath = p("rest_path", api.restPath)
        api.mcpPath = p("mcp_path", api.mcpPath)
        api.openAPIPath = p("openapi_path", api.openAPIPath)
        if Set(api.paths).count != 3 {
            fail(fields.mark, path, "rest_path, mcp_path and openapi_path must differ")
        }
        if let node = fields["allowed_origins"], let items = items(node, path: fields.path("allowed_origins"), expected: "a sequence of origins") {
            for (i, item) in items.enumerated() {
                if let o = convert(item, path: Self.join(fields.path("allowed_origins"), index: i), expected: "an origin", { text throws(InvalidValue) in
                    guard text.hasPrefix("http://") || text.hasPrefix("https://"), !text.dropFirst(8).contains("/") else {
                        throw InvalidValue("an origin is scheme://host[:port], got '\(text)'")
                    }
                    return text.lowercased()
                }) { api.allowedOrigins.append(o) }
            }
        }
        let explicit: Bool? = value(fields, "resource_metadata", default: nil, expected: "true or false") { text throws(InvalidValue) in
            try ValueParsers.boolean(text)
        }
        workflowAPIMarks[path] = (fields.mark, explicit)
        api.resource = value(fields, "resource", default: nil, expected: "an https:// URL") { text throws(InvalidValue) in
            try Self.resourceURL(text, what: "resource")
        }
        if let node = fields["authorization_servers"],
           let items = items(node, path: fields.path("authorization_servers"), expected: "a sequence of issuer URLs") {
            for (i, item) in items.enumerated() {
                if let url = convert(item, path: Self.join(fields.path("authorization_servers"), index: i), expected: "an https:// URL", { text throws(InvalidValue) in
                    try Self.resourceURL(text, what: "an authorization server")
                }), !api.authorizationServers.contains(url) { api.authorizationServers.append(url) }
            }
            if items.isEmpty { fail(node.mark, fields.path("authorization_servers"), "list at least one authorization server (an issuer URL)") }
        }
        api.resourceName = value(fields, "resource_name", default: nil, expected: "a name") { text throws(InvalidValue) in
            guard (1...200).contains(text.count), !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw InvalidValue("a resource name is 1 to 200 characters without control characters")
            }
            return text
        }
        return api
    }

    /// An absolute URL for RFC 9728 metadata (`resource`, `authorization_servers`): `https://` (or `http://` on a
    /// loopback host, for development), a host, an optional port and path, no query, fragment or user info.
    static func resourceURL(_ text: String, what: String) throws(InvalidValue) -> String {
        let lower = text.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https://" : lower.hasPrefix("http://") ? "http://" : nil
        guard let scheme else { throw InvalidValue("\(what) is an https:// URL, got '\(text)'") }
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let host = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }) + "]"
                                            : String(authority.prefix { $0 != ":" })
        let hostOK = !host.isEmpty && host != "[]" && host.utf8.allSatisfy {
            ValueParsers.isIdentifierByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: ":")
        }
        let port = authority.dropFirst(host.count)
        let portOK = port.isEmpty || (port.hasPrefix(":") && port.count > 1 && port.count <= 6 && port.dropFirst().allSatisfy(\.isNumber))
        guard hostOK, portOK else { throw InvalidValue("\(what) needs a host (and an optional port), got '\(text)'") }
        guard !path.contains("?"), !path.contains("#"), !path.utf8.contains(where: { $0 <= 0x20 || $0 == 0x22 || $0 == 0x5C || $0 >= 0x7F }) else {
            throw InvalidValue("\(what) has no query, fragment, spaces, quotes or backslashes, got '\(text)'")
        }
        if scheme == "http://" {
            guard ["localhost", "127.0.0.1", "[::1]"].contains(host.lowercased()) else {
                throw InvalidValue("\(what) is an https:// URL (http:// only on localhost, 127.0.0.1 or [::1]), got '\(text)'")
            }
        }
        // Canonical form (RFC 8707, the MCP authorization spec): lowercase scheme and host, no trailing slash.
        var canonical = scheme + host.lowercased() + port + path
        while canonical.hasSuffix("/") && canonical.count > scheme.count + host.count + port.count { canonical.removeLast() }
        return canonical
    }

    /// A route that would take requests meant for a workflow path, and the path.
    static func workflowPathClash(_ api: WorkflowAPIConfig, routes: [RouteConfig]) -> (RouteConfig, String)? {
        let probes = [api.restPath, api.restPath + "/x", api.mcpPath, api.openAPIPath] + api.resourceMetadataPaths
        for r in routes {
            for probe in probes {
                let hit: Bool
                switch r.match {
                case .exact(let p): hit = p == probe
                case .prefix(let p): hit = probe.hasPrefix(p)
                case .template(let p):
                    let a = p.split(separator: "/", omittingEmptySubsequences: false)
                    let b = probe.split(separator: "/", omittingEmptySubsequences: false)
                    hit = a.count == b.count && zip(a, b).allSatisfy { $0.hasPrefix("{") ? !$1.isEmpty : $0 == $1 }
                }
                if hit { return (r, probe.hasSuffix("/x") ? api.restPath + "/{name}" : probe) }
            }
        }
        return nil
    }
}
