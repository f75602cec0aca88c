/// The route table of the gateway: rules built once, resolved per request without I/O.
///
/// Which rule answers a request (the most specific match):
/// 1. Host. An exact host beats a wildcard; a longer wildcard suffix beats a shorter one; `.any` comes last. A
///    less specific host tier is tried only if no path pattern of the more specific tiers matches the path: the
///    answer comes from the best host tier that has a path match.
/// 2. Path, within that tier. An exact path beats a template, which beats a prefix. Among templates that match:
///    more literal segments first, then fewer parameters (a `{name...}` counts as one), then file order. Among
///    prefixes, the longest.
/// 3. Method, among the rules of that host and path pattern (templates differing only in parameter names are one
///    pattern): the first in file order that lists the method or lists none; failing that, for `HEAD`, the first
///    that lists `GET`. If none does, the answer is `.methodNotAllowed(allow:)` with those rules' methods (plus
///    `HEAD` when `GET` is there). A method mismatch does not fall through to a less specific path pattern or
///    host tier: the most specific path decides (as Envoy does).
///
/// Hosts are compared case-insensitively (ASCII), after removing a `:port` and a trailing dot; a request with no
/// host matches `.any` rules only. Paths and methods are compared byte for byte: percent-decoding and path
/// normalisation are the caller's business, before `resolve`.
///
/// `init` refuses malformed templates and hosts, and a rule whose (host, path pattern, method) an earlier rule
/// already has (it could never answer). Lookups: per host tier, hash tables of exact paths and of prefixes (one
/// pass over the path finds the longest prefix), and a trie of template segments. `resolve` allocates only the
/// parameter array of a template match that has parameters.
public final class Router<Payload: Sendable>: Sendable {
    private let index: RouteIndex
    private let payloads: [Payload]

    /// Builds the table; throws for the first rule refused, with its index in `rules`.
    public init(_ rules: [RouteRule<Payload>]) throws(RouterError) {
        index = try RouteIndex(rules.map { (host: $0.host, path: $0.path, methods: $0.methods) })
        payloads = rules.map(\.payload)
    }

    /// The rule that answers a request.
    ///
    /// - Parameters:
    ///   - host: the `Host` value as received (any case, maybe with `:port` or a trailing dot); nil if none.
    ///   - path: the path as received (without the query); parameter ranges index these bytes.
    ///   - method: the method token.
    /// The buffers are only read during the call.
    public func resolve(host: UnsafeRawBufferPointer?, path: UnsafeRawBufferPointer,
                        method: UnsafeRawBufferPointer) -> RouteResolution<Payload> {
        switch index.resolve(host: host, path: path, method: method) {
        case .notFound:
            return .notFound
        case .methodNotAllowed(let group):
            return .methodNotAllowed(allow: index.groups[group].allow)
        case .matched(let rule, let prefixLength):
            let params = index.parameterTemplates[rule]?.parameters(in: path) ?? []
            return .matched(RouteMatch(payload: payloads[rule], params: params, prefixLength: prefixLength))
        }
    }
}
