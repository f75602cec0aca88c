import NexusSchema

/// A workflow: a named operation with a JSON Schema for its input, served over REST (`/v1/workflows/NAME`), MCP
/// (as a tool) and `nexusctl run`.
///
/// YAML: an item of `workflows`. Names are unique; the input schema is compiled when the configuration is checked,
/// so a schema NexusSchema refuses (docs/json-schema.md) is a configuration error.
public struct WorkflowConfig: Sendable, Equatable {
    /// The workflow's name: the tool name over MCP and the last segment of its REST path. YAML: `name`, 1 to 64
    /// characters of `A-Z a-z 0-9 _ . -` starting with a letter or digit.
    public var name: String
    /// A short human title. YAML: `title`. Default none.
    public var title: String?
    /// What it does, for people and models. YAML: `description`. Default empty.
    public var description: String
    /// The JSON Schema (2020-12) of the input, an object schema. YAML: `input_schema`, a mapping (plain scalars
    /// read as JSON: `1` is a number, `true` a boolean; quote a scalar to make it a string).
    public var inputSchema: JSONValue
    /// The JSON Schema of the result, when it is declared. YAML: `output_schema`. Default none.
    public var outputSchema: JSONValue?
    /// What runs it. YAML: `handler` (a built-in), or `upstream` with `method` and `path` (a call to a pool).
    public var target: WorkflowTarget
    /// With `auth`: true lets callers without a key run it. YAML: `anonymous`. Default false.
    public var anonymous = false
    /// Scopes a caller must hold to see and run it. YAML: `scopes`.
    public var scopes: [String] = []
    /// Rate limits, as a route's (per ip, workflow or consumer). YAML: `rate_limits`.
    public var rateLimits: [RouteRateLimit] = []
    /// The longest a run may take: an upstream call that has not answered by then is a 504 (REST) or an error
    /// result (MCP). Checked on the loops' 250 ms tick. YAML: `timeout`. Default 30s.
    public var timeout: Duration = .seconds(30)
    /// Its line in the file (0 when built in code).
    public var line: Int

    public init(name: String, title: String? = nil, description: String = "", inputSchema: JSONValue,
                outputSchema: JSONValue? = nil, target: WorkflowTarget, line: Int = 0) {
        self.name = name
        self.title = title
        self.description = description
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.target = target
        self.line = line
    }

    /// `timeout` as the configuration writes it (`30s`, `250ms`).
    public var timeoutText: String { ValueParsers.formatDuration(timeout) }

    /// The route name its usage is counted under: `workflow:NAME`.
    public var usageName: String { "workflow:" + name }
}

/// What executes a workflow.
public enum WorkflowTarget: Sendable, Equatable {
    /// A handler built into nexusd, answered on the event loop.
    case builtin(BuiltinWorkflow)
    /// A request to an upstream pool, made from the input.
    case upstream(WorkflowUpstream)
}

/// A workflow served by an upstream pool: one HTTP request per run, its answer the result.
///
/// The request: `method` to `path` with its `{field}` variables filled from the input (percent-encoded); POST, PUT
/// and PATCH send the whole input as a JSON body, GET and DELETE send the fields not in the path as the query.
public struct WorkflowUpstream: Sendable, Equatable {
    /// The pool (a name of `upstreams`). YAML: `upstream`.
    public var pool: String
    /// GET, POST, PUT, PATCH or DELETE. YAML: `method`. Default POST.
    public var method: String
    /// The request target, with `{field}` variables naming required top-level properties of the input. YAML: `path`.
    public var path: String
    /// `path` split into literal text and variables.
    public var pieces: [Piece]

    public enum Piece: Sendable, Equatable {
        case literal(String)
        case variable(String)
    }

    public static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// Whether the input goes as a JSON body (else as the query).
    public var sendsBody: Bool { method == "POST" || method == "PUT" || method == "PATCH" }

    /// The pieces of a path template; nil with why when it is not one (an origin-form target: starts with `/`,
    /// visible ASCII, no `#`, balanced `{name}` variables).
    public static func parse(_ template: String) -> Result<[Piece], InvalidValue> {
        guard template.hasPrefix("/") else { return .failure(InvalidValue("a path starts with '/', got '\(template)'")) }
        var pieces: [Piece] = []
        var literal = ""
        var variable: String?
        for ch in template {
            guard let a = ch.asciiValue, a > 0x20, a < 0x7F, ch != "#" else {
                return .failure(InvalidValue("a path is visible ASCII without '#' (percent-encode the rest), got '\(template)'"))
            }
            if ch == "{" {
                guard variable == nil else { return .failure(InvalidValue("'{' inside a variable in '\(template)'")) }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                variable = ""
            } else if ch == "}" {
                guard let v = variable else { return .failure(InvalidValue("'}' without '{' in '\(template)'")) }
                guard !v.isEmpty else { return .failure(InvalidValue("an empty variable '{}' in '\(template)'")) }
                pieces.append(.variable(v))
                variable = nil
            } else if variable != nil {
                variable!.append(ch)
            } else {
                literal.append(ch)
            }
        }
        guard variable == nil else { return .failure(InvalidValue("a '{' is not closed in '\(template)'")) }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return .success(pieces)
    }

    /// The names of the variables, in order.
    public var variables: [String] { pieces.compactMap { if case .variable(let v) = $0 { v } else { nil } } }

    public init(pool: String, method: String = "POST", path: String) throws(InvalidValue) {
        self.pool = pool
        self.method = method
        self.path = path
        pieces = try Self.parse(path).get()
    }
}

/// The built-in workflow handlers.
public enum BuiltinWorkflow: String, Sendable, Equatable, CaseIterable {
    /// Returns its input object unchanged.
    case echo
    /// Adds the numbers `a` and `b` of its input: `{"sum": a + b}`.
    case add
}

/// Where the workflow channels are served. YAML: `workflow_api`.
public struct WorkflowAPIConfig: Sendable, Hashable {
    /// `GET PATH` lists, `GET PATH/NAME` describes, `POST PATH/NAME` runs. YAML: `rest_path`. Default `/v1/workflows`.
    public var restPath = "/v1/workflows"
    /// The MCP endpoint (Streamable HTTP). YAML: `mcp_path`. Default `/mcp`.
    public var mcpPath = "/mcp"
    /// The OpenAPI 3.1 document. YAML: `openapi_path`. Default `/openapi.json`.
    public var openAPIPath = "/openapi.json"
    /// Origins (`scheme://host[:port]`) allowed to call the MCP endpoint besides localhost ones; a request with
    /// another Origin gets 403. YAML: `allowed_origins`. Default none.
    public var allowedOrigins: [String] = []
    /// False on a listener that serves no workflow channel. YAML: `enabled` (in a listener's `workflow_api`).
    public var enabled = true
    /// Whether OAuth 2.0 protected resource metadata (RFC 9728) is served for the MCP endpoint, at
    /// `/.well-known/oauth-protected-resource` and `/.well-known/oauth-protected-resource<mcp_path>`; every 401 and
    /// 403 of the workflow channels then names it (`WWW-Authenticate: Bearer resource_metadata="..."`) and the MCP
    /// endpoint needs credentials. YAML: `resource_metadata`. Default: on when `auth.jwt` is configured (the decoder
    /// resolves it).
    public var resourceMetadata = false
    /// The MCP endpoint's canonical URL, the metadata's `resource` (an `https://` URL, or `http://` on a loopback
    /// host; no query or fragment). nil: `http(s)://HOST<mcp_path>` from the request's Host field and the listener's
    /// TLS. YAML: `resource`.
    public var resource: String?
    /// The authorization servers (issuer URLs) whose tokens the resource accepts, the metadata's
    /// `authorization_servers`. YAML: `authorization_servers`. Default: `auth.jwt.issuers` (the decoder resolves it).
    public var authorizationServers: [String] = []
    /// A human-readable name, the metadata's `resource_name`. YAML: `resource_name`. Default none.
    public var resourceName: String?

    public init() {}

    public static let defaults = WorkflowAPIConfig()

    /// RFC 9728's well-known path (§3): the metadata is at this path, and at this path followed by the resource's path.
    public static let resourceMetadataPrefix = "/.well-known/oauth-protected-resource"

    /// The public paths, for clash checks.
    public var paths: [String] { [restPath, mcpPath, openAPIPath] }

    /// The paths the protected resource metadata is served at (none when it is off): the well-known path, the
    /// well-known path followed by `mcp_path`, and by the path of `resource` when that one differs.
    public var resourceMetadataPaths: [String] {
        guard resourceMetadata else { return [] }
        var paths = [Self.resourceMetadataPrefix, Self.resourceMetadataPrefix + mcpPath]
        if let p = resource.map(Self.pathOf), !p.isEmpty, p != "/", !paths.contains(Self.resourceMetadataPrefix + p) {
            paths.append(Self.resourceMetadataPrefix + p)
        }
        return paths
    }

    /// The path of an absolute URL (`https://host/a/b` gives `/a/b`; no path gives the empty string).
    public static func pathOf(_ url: String) -> String {
        let parts = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // "https:", "", "host", "rest of the path"
        guard parts.count == 4, parts[0].hasSuffix(":"), parts[1].isEmpty else { return "" }
        return "/" + parts[3]
    }

    /// The scheme and authority of an absolute URL (`https://host:8443/a` gives `https://host:8443`).
    public static func originOf(_ url: String) -> String {
        String(url.dropLast(pathOf(url).count))
    }
}
