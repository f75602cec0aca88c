import NexusRouting

/// A rule whose payload is its name, to say which rule answered.
func rule(_ name: String, host: HostPattern = .any, _ path: PathPattern, _ methods: [String]? = nil) -> RouteRule<String> {
    RouteRule(host: host, path: path, methods: methods, payload: name)
}

extension Router {
    /// `resolve` with string arguments.
    func resolve(_ host: String?, _ path: String, _ method: String = "GET") -> RouteResolution<Payload> {
        Array(path.utf8).withUnsafeBytes { path in
            Array(method.utf8).withUnsafeBytes { method in
                if let host {
                    return Array(host.utf8).withUnsafeBytes { host in resolve(host: host, path: path, method: method) }
                }
                return resolve(host: nil, path: path, method: method)
            }
        }
    }
}

extension Router where Payload == String {
    /// Which rule answered: its name, `405 GET,HEAD` for a method not allowed, or `404`.
    func winner(_ host: String?, _ path: String, _ method: String = "GET") -> String {
        switch resolve(host, path, method) {
        case .matched(let match): match.payload
        case .methodNotAllowed(let allow): "405 " + allow.joined(separator: ",")
        case .notFound: "404"
        }
    }

    /// The parameters of the match as `name=value` (values cut out of `path` by their ranges); nil if no match.
    func params(_ path: String, host: String? = nil, _ method: String = "GET") -> [String]? {
        guard case .matched(let match) = resolve(host, path, method) else { return nil }
        let bytes = Array(path.utf8)
        return match.params.map { "\($0.name)=" + String(decoding: bytes[$0.value], as: UTF8.self) }
    }

    func prefixLength(_ path: String, host: String? = nil) -> Int? {
        guard case .matched(let match) = resolve(host, path, "GET") else { return nil }
        return match.prefixLength
    }
}

/// The error `Router.init` throws for `rules`, or nil if it builds.
func refusal(_ rules: [RouteRule<String>]) -> RouterError? {
    do {
        _ = try Router(rules)
        return nil
    } catch {
        return error
    }
}
