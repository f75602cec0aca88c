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
    case workflows(WorkflowEndpoint, prefixLength: Int)
}

/// The routes of the configuration over NexusRouting's `Router`: host (exact, wildcard), path (exact, template,
/// prefix) and method, with the most specific match winning (docs/configuration.md gives the rule).
final class RouteTable: Sendable {
    enum Target: Sendable {
        case fixed(StaticResponse)
        case echo
        case proxy(ProxyRoute)
        case workflows(WorkflowEndpoint)
    }

    let router: Router<Routed>
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
         workflows: [WorkflowConfig] = [], workflowAPI: WorkflowAPIConfig? = nil, sessions: MCPSessions? = nil)
        throws(ServerError) {
        var rules: [RouteRule<Routed>] = []
        var routeAccesses = routes.map { limiters?.access(for: $0, authEnabled: authEnabled) }
        if let api = workflowAPI {
            let registry = try WorkflowRegistry(workflows, api: api, firstSlot: routes.count, limiters: limiters, authEnabled: authEnabled,
                                                sessions: sessions ?? MCPSessions(capacity: 1024))
            self.workflows = registry
            names = routes.map(\.name) + workflows.map(\.usageName)
            routeAccesses += workflows.map { _ in nil }
            // The endpoints are rules like any route's (no usage slot of their own: runs count per workflow).
            let endpoints: [(PathPattern, [String]?, WorkflowEndpoint)] = [
                (.exact(api.restPath), ["GET", "HEAD"], .list),
                (.prefix(api.restPath + "/"), ["GET", "HEAD", "POST"], .item),
                (.exact(api.mcpPath), nil, .mcp),
                (.exact(api.openAPIPath), ["GET", "HEAD"], .openAPI),
            ]
            for (path, methods, e) in endpoints {
                rules.append(RouteRule(host: .any, path: path, methods: methods, payload: Routed(target: .workflows(e), slot: -1)))
            }
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
        do { router = try Router(rules) } catch {
            throw ServerError("routes: \(error)")
        }
    }

    /// Finds the target for a request (host, path and method as raw bytes of its head), and the route's usage slot
    /// (-1 when no route matched).
    @inline(__always)
    func resolve(host: UnsafeRawBufferPointer?, path: UnsafeRawBufferPointer, method: UnsafeRawBufferPointer) -> (RouteTarget, slot: Int) {
        switch router.resolve(host: host, path: path, method: method) {
        case .matched(let m):
            switch m.payload.target {
            case .fixed(let s): return (.fixed(s), m.payload.slot)
            case .echo: return (.echo, m.payload.slot)
            case .proxy(let p): return (.proxy(p, prefixLength: m.prefixLength), m.payload.slot)
            case .workflows(let e): return (.workflows(e, prefixLength: m.prefixLength), -1)
            }
        case .methodNotAllowed(let allow):
            return (.methodNotAllowed(allow.joined(separator: ", ")), -1)
        case .notFound:
            return (.notFound, -1)
        }
    }
}
