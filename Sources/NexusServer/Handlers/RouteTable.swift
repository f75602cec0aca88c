import NexusConfig
import NexusHTTP1
import NexusMCP
import NexusRouting

/// Where a request goes.
enum RouteTarget {
    case fixed(StaticResponse)
    case echo
    /// To an upstream pool; `prefixLength` is how much of the path a prefix route matched (for strip/rewrite).
    case proxy(ProxyRoute, prefixLength: Int)
    case notFound
    /// The path matched, the method did not; the value is the Allow field.
    case methodNotAllowed(String)
    /// One of the workflow endpoints (REST, MCP, OpenAPI): NexusServer/Workflows.
    case workflows(WorkflowEndpoint, api: Int, prefixLength: Int)
}

/// The routes of the configuration over NexusRouting's `Router`: host (exact, wildcard), path (exact, template,
/// prefix) and method, with the most specific match winning (docs/configuration.md gives the rule).
final class RouteTable: Sendable {
    enum Target: Sendable {
        case fixed(StaticResponse)
        case echo
        case proxy(ProxyRoute)
        case workflows(WorkflowEndpoint, api: Int)
    }

    let router: Router<Routed>
    /// The router of each listener (by position) when the listeners serve the workflow channels differently;
    /// empty when `router` serves them all.
    let listenerRouters: [Router<Routed>]
    /// The routes' names, indexed by their usage slot.
    let names: [String]
    /// The routes' access rules, indexed by slot (nil: none to apply).
    let accesses: [RouteAccess?]
    /// The workflows and their endpoints (nil: not served).
    let workflows: WorkflowRegistry?

    /// A route's target and its usage slot (its index in `names`).
    struct Routed: Sendable {
        var target: Target
        var slot: Int
    }

    /// Builds the table; `pools` are the upstream pools the proxied routes name (by name, checked by the
    /// configuration already).
    init(_ routes: [RouteConfig], pools: [UpstreamPool] = [], limiters: LimiterRegistry? = nil, authEnabled: Bool = false,
         workflows: [WorkflowConfig] = [], workflowAPIs: [WorkflowAPIConfig?] = [], sessions: MCPSessions? = nil,
         mcpServers: [MCPServerConfig] = [], secrets: [String: String] = [:])
        throws(ServerError) {
        var rules: [RouteRule<Routed>] = []
        var routeAccesses = routes.map { limiters?.access(for: $0, authEnabled: authEnabled) }
        // The distinct workflow APIs of the listeners (`workflowAPIs`, one per listener, nil: none there).
        var apis: [WorkflowAPIConfig] = []
        let apiOfListener: [Int?] = workflowAPIs.map { a in
            guard let a else { return nil }
            if let i = apis.firstIndex(of: a) { return i }
            apis.append(a)
            return apis.count - 1
        }
        if !apis.isEmpty {
            let registry = try WorkflowRegistry(workflows, apis: apis, firstSlot: routes.count, limiters: limiters, authEnabled: authEnabled,
                                                sessions: sessions ?? MCPSessions(capacity: 1024), pools: pools, mcpServers: mcpServers,
                                                secrets: secrets)
            self.workflows = registry
            names = routes.map(\.name) + workflows.map(\.usageName) + mcpServers.map(\.poolName)
            routeAccesses += workflows.map { _ in nil } + mcpServers.map { _ in nil }
        } else {
            self.workflows = nil
            names = routes.map(\.name)
        }
        accesses = routeAccesses
        for (slot, r) in routes.enumerated() {
            let target: Target
            switch r.handler {
            case .static(let s): target = .fixed(StaticResponse(s))
            case .echo: target = .echo
            case .proxy(let p):
                guard let pool = pools.first(where: { $0.name == p.upstream }) else {
                    throw ServerError("route at line \(r.line): unknown upstream '\(p.upstream)'")
                }
                target = .proxy(try ProxyRoute(p, pool: pool, label: r.match.path))
            }
            let host: HostPattern
            switch r.host {
            case nil: host = .any
            case .exact(let h)?: host = .exact(h)
            case .wildcard(let suffix)?: host = .wildcard(suffix: suffix)
            }
            let path: PathPattern
            switch r.match {
            case .exact(let p): path = .exact(p)
            case .prefix(let p): path = .prefix(p)
            case .template(let p): path = .template(p)
            }
            rules.append(RouteRule(host: host, path: path, methods: r.methods, payload: Routed(target: target, slot: slot)))
        }
        // The workflow endpoints are rules like any route's (no usage slot of their own: runs count per workflow).
        func endpointRules(_ index: Int?) -> [RouteRule<Routed>] {
            guard let index else { return [] }
            let api = apis[index]
            let endpoints: [(PathPattern, [String]?, WorkflowEndpoint)] = [
                (.exact(api.restPath), ["GET", "HEAD"], .list),
                (.prefix(api.restPath + "/"), ["GET", "HEAD", "POST"], .item),
                (.exact(api.mcpPath), nil, .mcp),
                (.exact(api.openAPIPath), ["GET", "HEAD"], .openAPI),
            ] + api.resourceMetadataPaths.map { (.exact($0), ["GET", "HEAD"], .resourceMetadata) }
            return endpoints.map { RouteRule(host: .any, path: $0.0, methods: $0.1, payload: Routed(target: .workflows($0.2, api: index), slot: -1)) }
        }
        do {
            router = try Router(rules + endpointRules(apiOfListener.first ?? nil))
            if Set(apiOfListener.map { $0 ?? -1 }).count > 1 {
                var built: [Int: Router<Routed>] = [:]
                var perListener: [Router<Routed>] = []
                for a in apiOfListener {
                    if let r = built[a ?? -1] { perListener.append(r); continue }
                    let r = try Router(rules + endpointRules(a))
                    built[a ?? -1] = r
                    perListener.append(r)
                }
                listenerRouters = perListener
            } else {
                listenerRouters = []
            }
        } catch {
            throw ServerError("routes: \(error)")
        }
    }

    /// Finds the target for a request (host, path and method as raw bytes of its head), and the route's usage slot
    /// (-1 when no route matched).
    @inline(__always)
    func resolve(listener: Int = -1, host: UnsafeRawBufferPointer?, path: UnsafeRawBufferPointer, method: UnsafeRawBufferPointer) -> (RouteTarget, slot: Int) {
        let router = listener >= 0 && listener < listenerRouters.count ? listenerRouters[listener] : self.router
        switch router.resolve(host: host, path: path, method: method) {
        case .matched(let m):
            switch m.payload.target {
            case .fixed(let s): return (.fixed(s), m.payload.slot)
            case .echo: return (.echo, m.payload.slot)
            case .proxy(let p): return (.proxy(p, prefixLength: m.prefixLength), m.payload.slot)
            case .workflows(let e, let api): return (.workflows(e, api: api, prefixLength: m.prefixLength), -1)
            }
        case .methodNotAllowed(let allow):
            return (.methodNotAllowed(allow.joined(separator: ", ")), -1)
        case .notFound:
            return (.notFound, -1)
        }
    }
}
