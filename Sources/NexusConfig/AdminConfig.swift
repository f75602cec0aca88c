/// The local admin API. YAML: `admin`.
public struct AdminConfig: Sendable, Equatable {
    /// The Unix socket path; a relative path is taken from the configuration file's folder. Default
    /// `/run/nexus/admin.sock`; when its folder does not exist, nexusd runs without the admin API and says so.
    /// YAML: `socket`.
    public var socket: String
    /// The group that owns the socket (mode 0660), by name; nil keeps the process's group. YAML: `group`.
    public var group: String?

    /// The admin API on TCP as well, for remote administration; nil (the default): Unix socket only. YAML: `tcp`.
    public var tcp: AdminTCPConfig?

    public static let defaultSocket = "/run/nexus/admin.sock"
    public static let defaults = AdminConfig()

    public init(socket: String = Self.defaultSocket, group: String? = nil) {
        self.socket = socket
        self.group = group
    }
}

/// The admin API on a TCP listener: every request must carry `Authorization: Bearer <token>` (compared in constant
/// time with the token file), and the connection is TLS (required unless the address is a loopback one).
/// YAML: `admin.tcp: {address, token_file, tls}`.
public struct AdminTCPConfig: Sendable, Equatable {
    /// `IPv4:port` or `[IPv6]:port`. YAML: `address`.
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool
    /// A file holding the admin token (at least 32 characters; a trailing newline is ignored), readable only by
    /// nexusd's user and group. YAML: `token_file`.
    public var tokenFile: String
    /// The listener's TLS: the same keys as a listener's `tls`. YAML: `tls`.
    public var tls: ListenerTLSConfig?

    public init(host: String, port: UInt16, isIPv6: Bool, tokenFile: String, tls: ListenerTLSConfig?) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
        self.tokenFile = tokenFile
        self.tls = tls
    }

    /// Whether the address is a loopback one (127.0.0.0/8 or ::1), where plain HTTP is allowed.
    public var isLoopback: Bool { host == "::1" || host.hasPrefix("127.") }
}
