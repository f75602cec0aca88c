/// An upstream MCP server whose tools Nexus re-exports under a prefix (MCP federation).
///
/// YAML: an item of `mcp_servers`. Nexus keeps a session with it in the background (initialize, tools/list, again
/// every `refresh_interval`), lists its tools after the workflows on its own MCP endpoint, and forwards calls of them
/// with the server's own `headers` / `bearer_token_file`, never the caller's credentials. The calls go through a pool
/// of its own, `mcp:NAME` (keep-alive connections, TLS).
public struct MCPServerConfig: Sendable, Equatable {
    /// Unique; 1 to 64 of `A-Z a-z 0-9 _ . -`. YAML: `name` (required).
    public var name: String
    /// Its Streamable HTTP endpoint, `http://` or `https://` host[:port] and path. YAML: `url` (required).
    public var url: String
    /// The parts of `url`.
    public var host: String
    public var port: UInt16
    public var kind: BackendConfig.Kind
    public var path: String
    public var isTLS: Bool
    /// Put before each of its tool names. YAML: `prefix`. Default `NAME_`.
    public var prefix: String
    /// Header fields sent with every request to it (its credentials). YAML: `headers`.
    public var headers: [HeaderField] = []
    /// A file whose content (trimmed) is sent as `Authorization: Bearer ...`; not readable by other users.
    /// YAML: `bearer_token_file`, relative to the configuration file's folder.
    public var bearerTokenFile: FileSetting?
    /// TLS to it, as an upstream's; only with an `https` URL (which verifies against the system store by default).
    /// YAML: `tls`.
    public var tls: UpstreamTLSConfig?
    /// The longest a request to it (a call, or a discovery step) may take. YAML: `timeout`. Default 30s.
    public var timeout: Duration = .seconds(30)
    /// How often its tools are listed again; a server that is down is retried after 1 s, doubling up to this.
    /// YAML: `refresh_interval`. Default 30s.
    public var refreshInterval: Duration = .seconds(30)
    /// Access to its tools, as a workflow's. YAML: `anonymous`, `scopes`, `rate_limits`.
    public var anonymous = false
    public var scopes: [String] = []
    public var rateLimits: [RouteRateLimit] = []
    /// Its line in the file.
    public var line: Int

    public struct HeaderField: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(name: String, url: String, host: String, port: UInt16, kind: BackendConfig.Kind, path: String, isTLS: Bool,
                prefix: String? = nil, line: Int = 0) {
        self.name = name
        self.url = url
        self.host = host
        self.port = port
        self.kind = kind
        self.path = path
        self.isTLS = isTLS
        self.prefix = prefix ?? name + "_"
        self.line = line
    }

    /// `timeout` as the configuration writes it.
    public var timeoutText: String { ValueParsers.formatDuration(timeout) }

    /// The name of its pool and its usage counters: `mcp:NAME` (outside the names `upstreams` may use).
    public var poolName: String { "mcp:" + name }

    /// The pool its calls go through: one backend, no retry (a tools/call is not idempotent), its timeout as the
    /// read and total timeouts.
    public var pool: UpstreamConfig {
        var timeouts = UpstreamTimeouts.defaults
        timeouts.read = timeout
        timeouts.total = timeout
        timeouts.connect = min(timeouts.connect, timeout)
        return UpstreamConfig(name: poolName, backends: [BackendConfig(host: host, port: port, kind: kind)], timeouts: timeouts,
                              retry: false, tls: isTLS ? (tls ?? UpstreamTLSConfig()) : nil, line: line)
    }
}

extension NexusConfig {
    /// The upstream pools: the file's, then one per MCP server.
    public var allUpstreams: [UpstreamConfig] { upstreams + mcpServers.map(\.pool) }
}
