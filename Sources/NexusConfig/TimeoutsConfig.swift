/// How long Nexus waits for each phase of a connection.
///
/// YAML: `timeouts`. Durations are written `500ms`, `10s`, `2m`, `1h`, or as a plain integer of seconds;
/// each must be greater than zero and at most 24h.
public struct TimeoutsConfig: Sendable, Equatable {
    /// From the first byte of a request to the end of its header. Default 10s. YAML: `header_read`.
    public var headerRead: Duration
    /// Between bytes of a request body. Default 30s. YAML: `body_read`.
    public var bodyRead: Duration
    /// An idle keep-alive connection waiting for its next request. Default 75s. YAML: `keepalive_idle`.
    public var keepAliveIdle: Duration
    /// A response write making no progress. Default 30s. YAML: `send`.
    public var send: Duration
    /// On shutdown, how long in-flight requests may finish before connections are closed. Default 10s.
    /// YAML: `shutdown_grace`.
    public var shutdownGrace: Duration

    public static let defaults = TimeoutsConfig()

    /// The longest accepted duration.
    public static let maximum = Duration.seconds(24 * 3600)

    public init(headerRead: Duration = .seconds(10), bodyRead: Duration = .seconds(30),
                keepAliveIdle: Duration = .seconds(75), send: Duration = .seconds(30),
                shutdownGrace: Duration = .seconds(10)) {
        self.headerRead = headerRead
        self.bodyRead = bodyRead
        self.keepAliveIdle = keepAliveIdle
        self.send = send
        self.shutdownGrace = shutdownGrace
    }
}
