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

    /// `firstSlot` is the usage slot of the first workflow (the routes come before).
    init(_ configs: [WorkflowConfig], apis: [WorkflowAPIConfig], firstSlot: Int, limiters: LimiterRegistry?, authEnabled: Bool,
         sessions: MCPSessions, pools: [UpstreamPool] = []) throws(ServerError) {
        self.apis = apis
        self.authEnabled = authEnabled
        var list: [Workflow] = []
        var index: [String: Int] = [:]
        for (i, c) in configs.enumerated() {
            var route = RouteConfig(match: .exact("/"), handler: .echo)
            route.name = c.usageName
            route.anonymous = c.anonymous
            route.scopes = c.scopes
            route.rateLimits = c.rateLimits
            let access = (limiters ?? LimiterRegistry()).access(for: route, authEnabled: authEnabled)
                ?? RouteAccess(anonymous: true, scopes: [], limits: [])
            // A key presented to an anonymous workflow still names its caller (usage, per-consumer limits).
            let effective = access.anonymous && authEnabled
                ? RouteAccess(anonymous: false, scopes: [], limits: access.limits, credentialsOptional: true) : access
            list.append(try Workflow(c, access: effective, slot: firstSlot + i, pools: pools))
            index[c.name] = i
        }
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
