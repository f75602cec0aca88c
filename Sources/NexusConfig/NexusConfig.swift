/// The checked configuration of one nexusd process.
///
/// Produced by `ConfigLoader` from YAML (see examples/nexus.yaml), or built directly in code and tests.
/// Every value has been validated: ranges, addresses, tokens, duplicate names and routes, and every upstream
/// a route names exists.
public struct NexusConfig: Sendable, Equatable {
    /// Event loops (one thread each). nil means `auto`: one loop per CPU the process may run on. YAML: `threads`.
    public var threads: Int?
    /// The I/O backend. Default `.auto`. YAML: `io`.
    public var io: IOChoice
    /// Where to accept connections; at least one. YAML: `listeners` (required).
    public var listeners: [ListenerConfig]
    /// Connection and request size limits. YAML: `limits`.
    public var limits: LimitsConfig
    /// Timeouts. YAML: `timeouts`.
    public var timeouts: TimeoutsConfig
    /// Logging. YAML: `log`.
    public var log: LogConfig
    /// The local admin API. YAML: `admin`.
    public var admin: AdminConfig = .defaults
    /// The durable state folder. YAML: `state`.
    public var state: StateConfig = .defaults
    /// The Prometheus metrics listener; nil: none. YAML: `metrics`.
    public var metrics: MetricsConfig?
    /// The JSON access log; nil: none. YAML: `access_log`.
    public var accessLog: AccessLogConfig?
    /// Backend groups that proxy routes forward to, in file order, names unique. Default none. YAML: `upstreams`.
    public var upstreams: [UpstreamConfig]
    /// Routes in file order. Default none. YAML: `routes`.
    public var routes: [RouteConfig]
    /// Authentication; nil: none (every route is open). YAML: `auth`.
    public var auth: AuthConfig?
    /// Consumer plans, names unique. YAML: `plans`.
    public var plans: [PlanConfig] = []
    /// Consumers defined in the file, names unique. YAML: `consumers`.
    public var consumers: [ConsumerConfig] = []
    /// Workflows, names unique (docs/configuration.md, "Workflows"). YAML: `workflows`.
    public var workflows: [WorkflowConfig] = []
    /// Upstream MCP servers whose tools are re-exported (federation). YAML: `mcp_servers`.
    public var mcpServers: [MCPServerConfig] = []
    /// Where the workflow channels are served; nil: not served (no `workflows` and no `workflow_api`).
    /// YAML: `workflow_api`.
    public var workflowAPI: WorkflowAPIConfig?

    /// Where listener `index` serves the workflow channels: its own `workflow_api`, else the top level's; nil: none.
    public func workflowAPI(forListener index: Int) -> WorkflowAPIConfig? {
        let api = index < listeners.count ? (listeners[index].workflowAPI ?? workflowAPI) : workflowAPI
        return api?.enabled == false ? nil : api
    }

    /// The accepted range of `threads`.
    public static let threadRange = 1...256

    public init(threads: Int? = nil, io: IOChoice = .auto, listeners: [ListenerConfig],
                limits: LimitsConfig = .defaults, timeouts: TimeoutsConfig = .defaults,
                log: LogConfig = .defaults, upstreams: [UpstreamConfig] = [], routes: [RouteConfig] = []) {
        self.threads = threads
        self.io = io
        self.listeners = listeners
        self.limits = limits
        self.timeouts = timeouts
        self.log = log
        self.upstreams = upstreams
        self.routes = routes
    }
}

/// Which I/O backend the event loops use.
public enum IOChoice: String, Sendable, CaseIterable {
    /// io_uring when the kernel supports what Nexus needs, otherwise epoll. The default.
    case auto
    /// io_uring only; fail at start if it is unavailable.
    case uring
    /// epoll only.
    case epoll
}
