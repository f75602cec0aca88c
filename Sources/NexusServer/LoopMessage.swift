import NexusAuth
import NexusSystem
import NexusTLS

/// What the main thread posts to an event loop through its mailbox.
enum LoopMessage: Sendable {
    /// Stop accepting, finish in-flight requests, close everything by `deadline` (monotonic ms), then exit.
    case shutdown(deadline: Int64)
    /// A new configuration snapshot (routes, limits, pools and the listeners' TLS contexts, by listener position);
    /// requests already parsed finish on the old one, connections keep the TLS context they started with.
    case configure(RouteTable, EngineSettings, [UpstreamPool], [TLSServerContext?])
    /// A new table of API keys.
    case credentials(CredentialTable)
    /// New addresses for backend `index` of `pool` (a host name re-resolved by the upstream monitor).
    case addresses(UpstreamPool, Int, [SocketAddress])
    /// What the federation monitor knows of the upstream MCP servers now.
    case federation(FederationCatalog)
}
