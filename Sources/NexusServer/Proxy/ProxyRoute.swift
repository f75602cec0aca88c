import NexusConfig
import NexusHTTP1

/// What a proxied route does with a request: which pool, how the path is rewritten, which fields change.
/// Built once per configuration and shared read-only by every loop.
final class ProxyRoute: Sendable {
    /// Index of the pool in the loops' `LoopUpstreams`.
    let poolIndex: Int
    /// How the route is named in problem bodies (its path pattern; never a backend address).
    let label: String
    let stripPrefix: Bool
    let rewritePrefix: [UInt8]?
    /// Request forwarding per backend (the Host differs when the route does not preserve the client's).
    let requestOptions: [ForwardingOptions]
    let responseOptions: ResponseForwardingOptions

    init(_ t: ProxyTarget, pool: UpstreamPool, label: String) throws(ServerError) {
        poolIndex = pool.index
        self.label = label
        stripPrefix = t.stripPrefix
        rewritePrefix = t.rewritePrefix.map { Array($0.utf8) }
        guard let requestEdits = NexusHTTP1.HeaderEdits(remove: t.requestHeaders.remove, add: t.requestHeaders.add.map { ($0.0, $0.1) }),
              let responseEdits = NexusHTTP1.HeaderEdits(remove: t.responseHeaders.remove, add: t.responseHeaders.add.map { ($0.0, $0.1) })
        else { throw ServerError("route \(label): invalid header edits") }
        var options: [ForwardingOptions] = []
        for b in pool.backends {
            guard let o = ForwardingOptions(upstreamHost: b.hostField, preserveHost: t.preserveHost, edits: requestEdits) else {
                throw ServerError("route \(label): backend \(b.name) is not a valid Host value")
            }
            options.append(o)
        }
        requestOptions = options
        responseOptions = ResponseForwardingOptions(edits: responseEdits)
    }
}
