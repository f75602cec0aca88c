import NexusAuth
import NexusConfig
import NexusMCP
import NexusTLS

/// An upstream MCP server as the loops use it, per configuration: its access rules and usage slot (`mcp:NAME`),
/// the pool its calls go through, and the header fields of its own credentials. Its tools and session come from
/// the `FederationCatalog`, which the `FederationMonitor` refreshes.
final class FederatedServer: Sendable {
    let config: MCPServerConfig
    /// Position in the configuration's `mcp_servers` (the catalog's index).
    let index: Int
    let access: RouteAccess
    let slot: Int
    let route: ProxyRoute
    /// `Name: value\r\n` for each configured header and the bearer token: the server's credentials (never logged).
    let credentialFields: [UInt8]

    init(_ config: MCPServerConfig, index: Int, access: RouteAccess, slot: Int, pools: [UpstreamPool], secrets: [String: String])
        throws(ServerError) {
        self.config = config
        self.index = index
        self.access = access
        self.slot = slot
        guard let pool = pools.first(where: { $0.name == config.poolName }) else {
            throw ServerError("MCP server '\(config.name)': its pool is missing")
        }
        route = try ProxyRoute(ProxyTarget(upstream: config.poolName, preserveHost: false), pool: pool, label: "MCP server \(config.name)")
        credentialFields = Array(FederationSetup.credentialFields(config, secrets: secrets).utf8)
    }

    /// Whether `principal` may see and call its tools (as a workflow's rule).
    func visible(to principal: Principal?, authEnabled: Bool) -> Bool {
        if !authEnabled || config.anonymous { return true }
        guard let principal else { return false }
        return principal.allows(config.scopes)
    }
}

/// The bearer tokens of the MCP servers that name a `bearer_token_file`, read at start and at each reload (and by
/// `--check-config`): the file must not be readable by other users.
public enum FederationSetup {
    public static func secrets(_ config: NexusConfig) throws(ConfigErrors) -> [String: String] {
        var out: [String: String] = [:]
        var errors: [ConfigError] = []
        for s in config.mcpServers {
            guard let file = s.bearerTokenFile else { continue }
            do { out[s.name] = try SecretFile.read(file, what: "bearer token file") } catch { errors.append(error) }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return out
    }

    /// `Name: value\r\n` for each of the server's `headers`, then its bearer token: what it is sent on every request.
    static func credentialFields(_ config: MCPServerConfig, secrets: [String: String]) -> String {
        var fields = ""
        for h in config.headers { fields += "\(h.name): \(h.value)\r\n" }
        if let token = secrets[config.name] { fields += "Authorization: Bearer \(token)\r\n" }
        return fields
    }
}
