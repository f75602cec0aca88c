/// The Prometheus metrics listener. YAML: `metrics: {address}`. Absent: no metrics listener.
///
/// It serves `GET /metrics` (the Prometheus text format 0.0.4), `GET /healthz` and `GET /readyz` over plain
/// HTTP/1.1 on a thread of its own, never on the event loops. The listener has no authentication: bind it to a
/// loopback or private address.
public struct MetricsConfig: Sendable, Equatable {
    /// `IPv4:port` or `[IPv6]:port`; port 0 picks a free port (logged as `metrics listening address=`).
    /// YAML: `address`.
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool

    public init(host: String = "127.0.0.1", port: UInt16 = 9464, isIPv6: Bool = false) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }
}

/// The JSON access log. YAML: `access_log: {path, log_query}`. Absent: no access log.
///
/// One JSON object per request, written by a thread of its own; the loops hand it lines through a lock-free ring
/// and never wait: a full ring drops the line and counts it (`nexus_access_log_dropped_total`). SIGUSR1 reopens
/// the file (logrotate's postrotate).
public struct AccessLogConfig: Sendable, Equatable {
    /// The file, appended to (created 0640 if missing); a relative path is taken from the configuration file's
    /// folder. YAML: `path`.
    public var path: String
    /// Whether the query string goes into `path` (default true). Some APIs carry tokens in the query: set false
    /// to log the path alone. YAML: `log_query`.
    public var logQuery: Bool

    public init(path: String, logQuery: Bool = true) {
        self.path = path
        self.logQuery = logQuery
    }
}
