/// One listening socket.
///
/// YAML: an item of `listeners`, e.g. `{name: public, address: 127.0.0.1:8080, backlog: 4096}`.
public struct ListenerConfig: Sendable, Hashable {
    /// A name for logs. Default `listener-N`, N being the 0-based position in `listeners`; unique.
    /// Letters, digits, `.`, `_` and `-`, at most 64.
    public var name: String
    /// The numeric address without brackets: `127.0.0.1`, `::1`, or `0.0.0.0` for `*:port` and `:port`.
    public var host: String
    /// The port; 0 asks the kernel for any free port (used by tests).
    public var port: UInt16
    /// True when `host` is an IPv6 address (written `[host]:port` in YAML).
    public var isIPv6: Bool
    /// The listen(2) backlog, 1...65535. Default 4096.
    public var backlog: Int
    /// TLS termination; nil (the default) serves plain HTTP. YAML: `tls`.
    public var tls: ListenerTLSConfig?
    /// Where this listener serves the workflow channels, instead of the top-level `workflow_api`; `enabled: false`
    /// serves none here. YAML: `workflow_api`. Default: the top level's.
    public var workflowAPI: WorkflowAPIConfig?

    public static let defaultBacklog = 4096
    public static let backlogRange = 1...65535

    public init(name: String, host: String, port: UInt16, isIPv6: Bool = false, backlog: Int = Self.defaultBacklog,
                tls: ListenerTLSConfig? = nil) {
        self.name = name
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
        self.backlog = backlog
        self.tls = tls
    }

    /// The address as written in YAML: `127.0.0.1:8080` or `[::1]:8080`.
    public var address: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
