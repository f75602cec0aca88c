/// `GET /v1/status`: what the daemon is and how busy it is.
public struct StatusResponse: Codable, Sendable, Equatable {
    /// nexusd's version, e.g. "0.3.0".
    public var version: String
    /// Seconds since nexusd started.
    public var uptimeSeconds: Int
    /// The I/O back end in use: "io_uring" or "epoll".
    public var ioBackend: String
    /// The number of event-loop threads.
    public var loops: Int
    /// Client connections open now, over all loops.
    public var connections: Int
    /// Requests answered since start.
    public var requestsTotal: Int
    /// Requests per second, averaged over the last few seconds.
    public var requestsPerSecond: Double
    /// nexusd's process id.
    public var pid: Int32

    public init(version: String, uptimeSeconds: Int, ioBackend: String, loops: Int, connections: Int,
                requestsTotal: Int, requestsPerSecond: Double, pid: Int32) {
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.ioBackend = ioBackend
        self.loops = loops
        self.connections = connections
        self.requestsTotal = requestsTotal
        self.requestsPerSecond = requestsPerSecond
        self.pid = pid
    }

    enum CodingKeys: String, CodingKey {
        case version
        case uptimeSeconds = "uptime_seconds"
        case ioBackend = "io_backend"
        case loops
        case connections
        case requestsTotal = "requests_total"
        case requestsPerSecond = "requests_per_second"
        case pid
    }
}
