/// How a route forwards requests to its upstream: built once from configuration, shared by every request.
public struct ForwardingOptions: Sendable, Equatable {
    /// Send the client's Host (true, the default), or `upstreamHost`.
    public var preserveHost: Bool
    /// The upstream's authority, "host[:port]": the Host when `preserveHost` is false or the client sent none
    /// (an HTTP/1.0 request).
    public private(set) var upstreamHost: [UInt8]
    /// Fields to remove and to add.
    public var edits: HeaderEdits
    /// Add the client to X-Forwarded-For and set X-Forwarded-Proto / X-Forwarded-Host.
    public var xForwarded: Bool
    /// Add a `Forwarded` element (RFC 7239).
    public var forwarded: Bool
    /// Send X-Request-Id: the client's when it is valid, else a generated one.
    public var requestID: Bool
    /// Append a Via entry ("1.1 nexus").
    public var via: Bool
    /// Pass a request's `Upgrade` (WebSocket) on, with `Connection: upgrade`; otherwise Upgrade is dropped.
    public var allowUpgrade: Bool

    /// Options for an upstream at `upstreamHost`; nil when it is not a valid authority (RFC 3986 host[:port]).
    public init?(upstreamHost: String, preserveHost: Bool = true, edits: HeaderEdits = HeaderEdits(),
                 xForwarded: Bool = true, forwarded: Bool = true, requestID: Bool = true, via: Bool = true,
                 allowUpgrade: Bool = true) {
        let h = Array(upstreamHost.utf8)
        let valid = h.withUnsafeBufferPointer { Authority.isValid($0, 0..<h.count, requirePort: false) }
        guard valid else { return nil }
        self.upstreamHost = h
        self.preserveHost = preserveHost
        self.edits = edits
        self.xForwarded = xForwarded
        self.forwarded = forwarded
        self.requestID = requestID
        self.via = via
        self.allowUpgrade = allowUpgrade
    }
}

/// How responses are forwarded to clients: built once from configuration.
public struct ResponseForwardingOptions: Sendable, Equatable {
    /// Fields to remove and to add.
    public var edits: HeaderEdits
    /// Append a Via entry ("1.1 nexus", or "1.0 nexus" for an HTTP/1.0 upstream).
    public var via: Bool

    public init(edits: HeaderEdits = HeaderEdits(), via: Bool = true) {
        self.edits = edits
        self.via = via
    }
}
