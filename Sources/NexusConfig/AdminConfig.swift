/// The local admin API. YAML: `admin`.
public struct AdminConfig: Sendable, Equatable {
    /// The Unix socket path; a relative path is taken from the configuration file's folder. Default
    /// `/run/nexus/admin.sock`; when its folder does not exist, nexusd runs without the admin API and says so.
    /// YAML: `socket`.
    public var socket: String
    /// The group that owns the socket (mode 0660), by name; nil keeps the process's group. YAML: `group`.
    public var group: String?

    public static let defaultSocket = "/run/nexus/admin.sock"
    public static let defaults = AdminConfig()

    public init(socket: String = Self.defaultSocket, group: String? = nil) {
        self.socket = socket
        self.group = group
    }
}
