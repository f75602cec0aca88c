/// The route that answers a request.
public struct RouteMatch<Payload> {
    public let payload: Payload
    /// The template's parameters in template order, as ranges of byte offsets into the path given to `resolve`.
    /// Empty (and not allocated) for exact and prefix patterns and templates without parameters.
    public let params: [(name: String, value: Range<Int>)]
    /// How many bytes of the path the pattern matched: the prefix's length for a prefix pattern (what a
    /// `strip_prefix` removes), the whole path's length for exact and template patterns.
    public let prefixLength: Int
}

extension RouteMatch: Sendable where Payload: Sendable {}

/// What the route table says about a request.
public enum RouteResolution<Payload> {
    case matched(RouteMatch<Payload>)
    /// The path matched but no rule of its most specific pattern allows the method: answer 405 with these methods
    /// in `Allow` (file order; `HEAD` added after the rest when `GET` is there).
    case methodNotAllowed(allow: [String])
    case notFound
}

extension RouteResolution: Sendable where Payload: Sendable {}
