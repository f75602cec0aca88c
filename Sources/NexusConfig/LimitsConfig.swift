/// Limits that bound what one client can make the process hold.
///
/// YAML: `limits`. Sizes are written as plain integers (bytes) or with a 1024-based unit: `B`, `KiB`/`K`,
/// `MiB`/`M`, `GiB`/`G` (case-insensitive; `8KiB`, `8k`, `1 MiB`). `KB`/`MB`/`GB` are refused as ambiguous.
public struct LimitsConfig: Sendable, Equatable {
    /// Open client connections per process, >= 1. Default 10000. YAML: `max_connections`.
    public var maxConnections: Int
    /// Longest request line, 64 B...1 MiB. Default 8 KiB. YAML: `max_request_line`.
    public var maxRequestLineBytes: Int
    /// Most bytes of header fields in one request, 256 B...16 MiB. Default 32 KiB. YAML: `max_header_bytes`.
    public var maxHeaderBytes: Int
    /// Most header fields in one request, 1...10000. Default 100. YAML: `max_headers`.
    public var maxHeaderCount: Int
    /// Largest request body, 0 B (no bodies)...1 TiB. Default 1 MiB. YAML: `max_body_bytes`.
    public var maxBodyBytes: Int

    public static let defaults = LimitsConfig()

    public static let maxConnectionsRange = 1...Int(Int32.max)
    public static let requestLineRange = 64...(1 << 20)
    public static let headerBytesRange = 256...(16 << 20)
    public static let headerCountRange = 1...10_000
    public static let bodyBytesRange = 0...(1 << 40)

    public init(maxConnections: Int = 10_000, maxRequestLineBytes: Int = 8 << 10, maxHeaderBytes: Int = 32 << 10,
                maxHeaderCount: Int = 100, maxBodyBytes: Int = 1 << 20) {
        self.maxConnections = maxConnections
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
