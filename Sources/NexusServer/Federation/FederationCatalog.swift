import NexusMCP
import NexusSchema

/// What the monitor knows of each MCP server, published to the loops as one immutable snapshot (a loop message):
/// healthy or not, its session and revision, and its tools under their exported names.
final class FederationCatalog: Sendable {
    struct Server: Sendable {
        /// `mcp_servers[index].name`, to check a snapshot against the configuration it is read with.
        var name: String
        var healthy: Bool
        var sessionID: String?
        var revision: String
        /// Exported (prefixed) tools, in the server's order.
        var tools: [MCPTool]
        /// Exported name -> the server's own name.
        var original: [String: String]

        static func down(_ name: String) -> Server {
            Server(name: name, healthy: false, sessionID: nil, revision: MCPWire.clientRevision, tools: [], original: [:])
        }
    }

    let servers: [Server]
    /// Tells the monitor that a server lost the session (a loop got 404): it starts a new one at once.
    let sessionLost: @Sendable (Int) -> Void

    init(servers: [Server], sessionLost: @escaping @Sendable (Int) -> Void) {
        self.servers = servers
        self.sessionLost = sessionLost
    }

    static let empty = FederationCatalog(servers: [], sessionLost: { _ in })

    /// The state of `server` if this snapshot is about it.
    func state(of server: FederatedServer) -> Server? {
        guard server.index < servers.count, servers[server.index].name == server.config.name else { return nil }
        return servers[server.index]
    }
}
