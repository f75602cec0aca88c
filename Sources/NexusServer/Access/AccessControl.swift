import NexusAuth
import NexusConfig
import Synchronization

/// A route's access rules as the engine applies them: whether credentials are needed, the scopes required, and
/// its rate limits (tables shared by every loop).
final class RouteAccess: Sendable {
    struct Limit: Sendable {
        var per: RouteRateLimit.Key
        var table: GCRATable
        /// The policy's name in RateLimit fields: `ip`, `route` or `consumer`.
        var name: String
    }

    let anonymous: Bool
    let scopes: [String]
    let limits: [Limit]
    /// A key is checked when one is presented, but none is required (the workflow endpoints, anonymous
    /// workflows): the caller is then anonymous.
    let credentialsOptional: Bool

    init(anonymous: Bool, scopes: [String], limits: [Limit], credentialsOptional: Bool = false) {
        self.anonymous = anonymous
        self.scopes = scopes
        self.limits = limits
        self.credentialsOptional = credentialsOptional
    }
}

/// Authentication and limits for the whole server, built with each configuration: where keys come from, the
/// trusted proxies, the lockout, the plans' limit tables and the quota counters.
final class AccessControl: Sendable {
    let keyHeaders: [AuthConfig.KeyHeader]
    /// Whether a verified client certificate authenticates its connection.
    let clientCertificates: Bool
    let trustedProxies: [AddressPattern]
    /// Failed authentications per client address (rate `failures / window`, burst `failures - 1`), and the
    /// addresses locked out until a time (a cell's TAT is its lock's end).
    let failures: GCRATable?
    let lockedUntil: GCRATable?
    let lockoutMicros: Int64
    /// One dense table per plan with a rate (cells indexed by the principal's index).
    let planTables: [String: GCRATable]
    let quotas: QuotaTable

    init(_ auth: AuthConfig, plans: [PlanConfig], registry: LimiterRegistry, quotas: QuotaTable) {
        keyHeaders = auth.keyHeaders
        clientCertificates = auth.clientCertificates
        trustedProxies = auth.trustedProxies.compactMap(AddressPattern.init)
        if let l = auth.lockout {
            let window = max(1, Int(l.window.components.seconds))
            // GCRA after a pause admits burst + 2 (one interval of catch-up): the `failures`-th failure is the
            // first one refused, and locks the address.
            failures = registry.table("lockout-failures", RateLimit(rate: l.failures, periodSeconds: window, burst: max(0, l.failures - 3)), hashed: true)
            lockedUntil = registry.table("lockout-until", RateLimit(rate: 1, periodSeconds: 1, burst: 0), hashed: true)
            lockoutMicros = Int64(l.duration.components.seconds) * 1_000_000
        } else {
            failures = nil
            lockedUntil = nil
            lockoutMicros = 0
        }
        var tables: [String: GCRATable] = [:]
        for p in plans {
            guard let r = p.rate else { continue }
            tables[p.name] = registry.table("plan:" + p.name, RateLimit(rate: r.count, periodSeconds: r.periodSeconds, burst: r.burst), hashed: false)
        }
        planTables = tables
        self.quotas = quotas
    }
}

/// Limit tables by name, kept across reloads: a route or plan whose limit is unchanged keeps its table (and so its
/// state); a changed limit starts a fresh one. Used by the main thread while it builds a configuration.
final class LimiterRegistry: Sendable {
    private let tables = Mutex<[String: GCRATable]>([:])
    /// Cells of a hashed table (client addresses, consumer and route pairs), and of a dense one (consumers).
    static let hashedCells = 65_536
    static let denseCells = 65_536

    func table(_ name: String, _ limit: RateLimit, hashed: Bool, cells: Int? = nil) -> GCRATable {
        tables.withLock { t in
            if let existing = t[name], existing.limit == limit { return existing }
            let new = GCRATable(limit: limit, count: cells ?? (hashed ? Self.hashedCells : Self.denseCells))
            t[name] = new
            return new
        }
    }

    /// The access rules of `route`, or nil when it has none to apply (no auth section and no limits).
    func access(for route: RouteConfig, authEnabled: Bool) -> RouteAccess? {
        if !authEnabled && route.rateLimits.isEmpty { return nil }
        let limits = route.rateLimits.map { l in
            RouteAccess.Limit(per: l.per,
                              table: table("route:\(route.name):\(l.per.rawValue)",
                                           RateLimit(rate: l.rate.count, periodSeconds: l.rate.periodSeconds, burst: l.rate.burst),
                                           hashed: l.per != .route, cells: l.per == .route ? 1 : nil),
                              name: l.per.rawValue)
        }
        return RouteAccess(anonymous: !authEnabled || route.anonymous, scopes: route.scopes, limits: limits)
    }
}
