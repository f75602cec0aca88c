import NexusAuth
import NexusConfig
import NexusMCP
import NexusSchema

/// One workflow as the loops run it: its schemas compiled, its access rules and usage slot.
final class Workflow: Sendable {
    let config: WorkflowConfig
    let input: Schema
    /// The output schema, when declared: a result that fails it is a failed run, never sent as structured content.
    let output: Schema?
    let access: RouteAccess
    /// Its usage slot in the route table's `names` (`workflow:NAME`).
    let slot: Int
    let tool: MCPTool
    /// The pool and request of an upstream-targeted workflow (nil: a built-in handler).
    let upstream: UpstreamWorkflow?

    init(_ config: WorkflowConfig, access: RouteAccess, slot: Int, pools: [UpstreamPool]) throws(ServerError) {
        self.config = config
        do { input = try Schema(config.inputSchema) } catch {
            throw ServerError("workflow '\(config.name)': the input schema is refused: \(error)")
        }
        do { output = try config.outputSchema.map { try Schema($0) } } catch {
            throw ServerError("workflow '\(config.name)': the output schema is refused: \(error)")
        }
        self.access = access
        self.slot = slot
        switch config.target {
        case .builtin:
            upstream = nil
        case .upstream(let target):
            guard let pool = pools.first(where: { $0.name == target.pool }) else {
                throw ServerError("workflow '\(config.name)': unknown upstream '\(target.pool)'")
            }
            let route = try ProxyRoute(ProxyTarget(upstream: target.pool, preserveHost: false), pool: pool, label: "workflow \(config.name)")
            upstream = UpstreamWorkflow(target: target, route: route)
        }
        tool = MCPTool(name: config.name, title: config.title, description: config.description,
                       inputSchema: config.inputSchema, outputSchema: config.outputSchema)
    }

    /// Whether `principal` may see and run it (anonymous workflows: anyone; others: a key with every scope).
    func visible(to principal: Principal?, authEnabled: Bool) -> Bool {
        if !authEnabled || config.anonymous { return true }
        guard let principal else { return false }
        return principal.allows(config.scopes)
    }
}

/// The workflows of one configuration, an immutable snapshot published with the route table (so the loops read it
/// without a lock), and the endpoints that serve them.
final class WorkflowRegistry: Sendable {
    /// The distinct workflow APIs of the listeners (paths, origins); a request names its own by index.
    let apis: [WorkflowAPIConfig]
    /// In configuration order (tools/list and GET list keep it: deterministic).
    let workflows: [Workflow]
    private let byName: [String: Int]
    /// One MCP endpoint per API (their allowed origins), sharing the sessions.
    let mcps: [MCPEndpoint]
    let authEnabled: Bool
    /// The access rule of the endpoints themselves: a key is checked when one is presented, none is required
    /// (what a caller without one sees is the anonymous workflows).
    let endpointAccess: RouteAccess
    /// The MCP endpoint's access rule behind RFC 9728 metadata (an OAuth protected resource): credentials required,
    /// so that a client without a token gets the 401 that starts its authorization flow.
    let protectedEndpointAccess: RouteAccess
    /// The upstream MCP servers whose tools follow the workflows' (federation), in configuration order.
    let federated: [FederatedServer]

    /// `firstSlot` is the usage slot of the first workflow (the routes come before; the MCP servers follow).
    init(_ configs: [WorkflowConfig], apis: [WorkflowAPIConfig], firstSlot: Int, limiters: LimiterRegistry?, authEnabled: Bool,
         sessions: MCPSessions, pools: [UpstreamPool] = [], mcpServers: [MCPServerConfig] = [], secrets: [String: String] = [:])
        throws(ServerError) {
        self.apis = apis
        self.authEnabled = authEnabled
        var list: [Workflow] = []
        var index: [String: Int] = [:]
        /// The access rule of a workflow or an MCP server, as a route's. A key presented to an anonymous one still
        /// names its caller (usage, per-consumer limits).
        func access(name: String, anonymous: Bool, scopes: [String], rateLimits: [RouteRateLimit]) -> RouteAccess {
            var route = RouteConfig(match: .exact("/"), handler: .echo)
            route.name = name
            route.anonymous = anonymous
            route.scopes = scopes
            route.rateLimits = rateLimits
            let access = (limiters ?? LimiterRegistry()).access(for: route, authEnabled: authEnabled)
                ?? RouteAccess(anonymous: true, scopes: [], limits: [])
            return access.anonymous && authEnabled
                ? RouteAccess(anonymous: false, scopes: [], limits: access.limits, credentialsOptional: true) : access
        }
        for (i, c) in configs.enumerated() {
            let rule = access(name: c.usageName, anonymous: c.anonymous, scopes: c.scopes, rateLimits: c.rateLimits)
            list.append(try Workflow(c, access: rule, slot: firstSlot + i, pools: pools))
            index[c.name] = i
        }
        var servers: [FederatedServer] = []
        for (i, m) in mcpServers.enumerated() {
            let rule = access(name: m.poolName, anonymous: m.anonymous, scopes: m.scopes, rateLimits: m.rateLimits)
            servers.append(try FederatedServer(m, index: i, access: rule, slot: firstSlot + configs.count + i, pools: pools, secrets: secrets))
        }
        federated = servers
        workflows = list
        byName = index
        mcps = apis.map { MCPEndpoint(serverVersion: NexusVersion.string, allowedOrigins: $0.allowedOrigins, sessions: sessions) }
        endpointAccess = RouteAccess(anonymous: !authEnabled, scopes: [], limits: [], credentialsOptional: true)
        protectedEndpointAccess = RouteAccess(anonymous: !authEnabled, scopes: [], limits: [])
    }

    func named(_ name: some StringProtocol) -> Workflow? {
        byName[String(name)].map { workflows[$0] }
    }
}
