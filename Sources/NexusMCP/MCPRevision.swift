/// The MCP protocol revisions this server speaks, and what each has (docs/mcp.md has the table).
public enum MCPRevision: String, Sendable, CaseIterable, Comparable {
    case v2025_03_26 = "2025-03-26"
    case v2025_06_18 = "2025-06-18"
    case v2025_11_25 = "2025-11-25"
    case v2026_07_28 = "2026-07-28"

    /// Newest first, as `supported` lists in errors and `server/discover` give them.
    public static let newestFirst: [MCPRevision] = allCases.reversed()
    /// The newest revision that has an `initialize` handshake: what `initialize` answers when it is asked for a
    /// revision it does not know.
    public static let newestLegacy = MCPRevision.v2025_11_25

    /// Stateless: no initialize, no sessions, no GET stream; version, method and name checked on every request.
    public var isStateless: Bool { self >= .v2026_07_28 }
    /// JSON-RPC batches (arrays) in one POST: only 2025-03-26.
    public var allowsBatches: Bool { self == .v2025_03_26 }
    /// `outputSchema` on tools and `structuredContent` in results, and `title` on tools.
    public var hasStructuredContent: Bool { self >= .v2025_06_18 }
    /// Input that fails the tool's schema is a tool execution error (`isError: true`), not a protocol error
    /// (2025-11-25, SEP-1303).
    public var argumentErrorsAreToolErrors: Bool { self >= .v2025_11_25 }
    /// The `MCP-Protocol-Version` header exists (clients send it after initialization).
    public var hasVersionHeader: Bool { self >= .v2025_06_18 }

    public static func < (a: MCPRevision, b: MCPRevision) -> Bool { a.rawValue < b.rawValue }
}
