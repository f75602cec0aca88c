/// A named group of backends that proxy routes send requests to.
///
/// YAML: an item of `upstreams`. Routes name it with `upstream:`; a name no upstream has is an error.
public struct UpstreamConfig: Sendable, Equatable {
    /// Unique; letters, digits, `.`, `_` and `-`, at most 64. YAML: `name` (required).
    public var name: String
    /// Where requests go; at least one, no address twice. YAML: `backends` (required).
    public var backends: [BackendConfig]
    /// How a backend is chosen for each request. Default `.roundRobin`. YAML: `balance`.
    public var balance: Balance
    /// Timeouts of the exchanges with the backends. YAML: `timeouts`.
    public var timeouts: UpstreamTimeouts
    /// Open connections to one backend from one process (all loops together), >= 1. Default 1024.
    /// YAML: `max_connections_per_backend`.
    public var maxConnectionsPerBackend: Int
    /// Idle connections kept for reuse. YAML: `keepalive`.
    public var keepAlive: KeepAliveConfig
    /// Whether a request that failed on one backend is sent once more to another, when that is safe (nothing of
    /// the response was sent to the client, and the request is idempotent or never reached the backend).
    /// Default true. YAML: `retry`.
    public var retry: Bool
    /// How often backend host names are resolved again. Default 30s. YAML: `resolve_interval`.
    public var resolveInterval: Duration
    /// Active checks; nil (the default) sends none. YAML: `health_check`.
    public var healthCheck: HealthCheckConfig?
    /// Ejection of a backend after failed requests. YAML: `passive`.
    public var passive: PassiveHealthConfig
    /// TLS to the backends; nil (the default) is plain HTTP. YAML: `tls` (`tls: {}` for the defaults).
    public var tls: UpstreamTLSConfig?
    /// The line of the upstream in its file, for logs and messages; 0 when built in code.
    public var line: Int

    /// How the proxy picks a backend.
    public enum Balance: String, Sendable, CaseIterable {
        /// Smooth weighted round robin, as nginx does it: with weights 5, 1, 1 the order is a a b a c a a.
        case roundRobin = "round_robin"
        /// The backend with the fewest requests in flight relative to its weight; ties go round robin.
        case leastConnections = "least_connections"
    }

    public static let maxConnectionsPerBackendRange = 1...Int(Int32.max)
    public static let defaultMaxConnectionsPerBackend = 1024
    public static let defaultResolveInterval = Duration.seconds(30)

    public init(name: String, backends: [BackendConfig], balance: Balance = .roundRobin,
                timeouts: UpstreamTimeouts = .defaults,
                maxConnectionsPerBackend: Int = Self.defaultMaxConnectionsPerBackend,
                keepAlive: KeepAliveConfig = .defaults, retry: Bool = true,
                resolveInterval: Duration = Self.defaultResolveInterval, healthCheck: HealthCheckConfig? = nil,
                passive: PassiveHealthConfig = .defaults, tls: UpstreamTLSConfig? = nil, line: Int = 0) {
        self.name = name
        self.backends = backends
        self.balance = balance
        self.timeouts = timeouts
        self.maxConnectionsPerBackend = maxConnectionsPerBackend
        self.keepAlive = keepAlive
        self.retry = retry
        self.resolveInterval = resolveInterval
        self.healthCheck = healthCheck
        self.passive = passive
        self.tls = tls
        self.line = line
    }
}

/// One backend of an upstream. YAML: an item of `backends`, e.g. `{address: 127.0.0.1:19000, weight: 2}`.
public struct BackendConfig: Sendable, Hashable {
    /// The host without brackets: `127.0.0.1`, `::1`, or a host name in lowercase (`api.internal`).
    public var host: String
    /// The port, 1...65535.
    public var port: UInt16
    /// What `host` is. A `.hostname` is resolved at start and every `resolve_interval`.
    public var kind: Kind
    /// The share of requests, 1...1000. Default 1. YAML: `weight`.
    public var weight: Int

    public enum Kind: Sendable, Hashable {
        case ipv4
        case ipv6
        case hostname
    }

    public static let weightRange = 1...1000

    public init(host: String, port: UInt16, kind: Kind, weight: Int = 1) {
        self.host = host
        self.port = port
        self.kind = kind
        self.weight = weight
    }

    /// The address as written in YAML: `127.0.0.1:19000`, `[::1]:19000` or `api.internal:80`; also the
    /// `host:port` the proxy sends as Host when a route has `preserve_host: false`.
    public var address: String {
        kind == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// How long the proxy waits on a backend. YAML: `upstreams[].timeouts`; durations as in `timeouts`.
public struct UpstreamTimeouts: Sendable, Equatable {
    /// To establish the connection. Default 5s. YAML: `connect`.
    public var connect: Duration
    /// Between two reads from the backend (including the wait for the response head). Default 60s. YAML: `read`.
    public var read: Duration
    /// Between two writes to the backend. Default 60s. YAML: `write`.
    public var write: Duration
    /// The whole exchange, from choosing a backend to the end of the response. Not applied to upgraded
    /// connections (WebSocket) or event streams, which `idle` bounds instead. Default 300s. YAML: `total`.
    public var total: Duration
    /// A WebSocket tunnel or event stream with no bytes either way. Default 600s. YAML: `idle`.
    public var idle: Duration

    public static let defaults = UpstreamTimeouts()

    public init(connect: Duration = .seconds(5), read: Duration = .seconds(60), write: Duration = .seconds(60),
                total: Duration = .seconds(300), idle: Duration = .seconds(600)) {
        self.connect = connect
        self.read = read
        self.write = write
        self.total = total
        self.idle = idle
    }
}

/// Reuse of backend connections. YAML: `upstreams[].keepalive`.
public struct KeepAliveConfig: Sendable, Equatable {
    /// Idle connections kept per backend per event loop, 0 (close after each response)...10000. Default 64.
    /// YAML: `max_idle`.
    public var maxIdle: Int
    /// An idle connection is closed after this long. Default 60s. YAML: `idle_timeout`.
    public var idleTimeout: Duration

    public static let defaults = KeepAliveConfig()
    public static let maxIdleRange = 0...10_000

    public init(maxIdle: Int = 64, idleTimeout: Duration = .seconds(60)) {
        self.maxIdle = maxIdle
        self.idleTimeout = idleTimeout
    }
}

/// Active health checks: a GET to every backend every `interval`. YAML: `upstreams[].health_check`.
public struct HealthCheckConfig: Sendable, Equatable {
    /// The request target, starting with `/` (a query is allowed). YAML: `path` (required).
    public var path: String
    /// Time between two checks of a backend. Default 5s. YAML: `interval`.
    public var interval: Duration
    /// A check with no full response after this long failed; at most `interval`. Default 2s. YAML: `timeout`.
    public var timeout: Duration
    /// Consecutive passed checks that bring a backend back, 1...100. Default 2. YAML: `rise`.
    public var rise: Int
    /// Consecutive failed checks that take a backend out, 1...100. Default 3. YAML: `fall`.
    public var fall: Int
    /// The statuses that pass, as ranges (a single status is a one-status range), each within 100...599.
    /// Default `[200...399]`. YAML: `expect_status`, `200`, `"200-399"` or a list `[200, 204, 300-399]`.
    public var expectStatus: [ClosedRange<Int>]
    /// The Host field of the check; nil sends the backend's `host:port`. YAML: `host`.
    public var host: String?

    public static let countRange = 1...100
    public static let statusRange = 100...599
    public static let defaultExpectStatus = [200...399]

    public init(path: String, interval: Duration = .seconds(5), timeout: Duration = .seconds(2), rise: Int = 2,
                fall: Int = 3, expectStatus: [ClosedRange<Int>] = Self.defaultExpectStatus, host: String? = nil) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
        self.expectStatus = expectStatus
        self.host = host
    }

    /// True when `status` passes the check.
    public func expects(_ status: Int) -> Bool {
        expectStatus.contains { $0.contains(status) }
    }
}

/// Passive health: a backend whose requests keep failing is left out for a while.
/// YAML: `upstreams[].passive`.
public struct PassiveHealthConfig: Sendable, Equatable {
    /// Consecutive failed requests (connection refused or reset, timeout, invalid response) that eject a
    /// backend, 0...1000; 0 disables ejection. Default 5. YAML: `max_failures`.
    public var maxFailures: Int
    /// How long an ejected backend is left out. Default 30s. YAML: `eject_for`.
    public var ejectFor: Duration

    public static let defaults = PassiveHealthConfig()
    public static let maxFailuresRange = 0...1000

    public init(maxFailures: Int = 5, ejectFor: Duration = .seconds(30)) {
        self.maxFailures = maxFailures
        self.ejectFor = ejectFor
    }
}
