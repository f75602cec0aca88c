import NexusAdminModel

/// Maps a request (method, path, body) to a handler and its answer; no I/O, so it is tested with plain values.
struct AdminRouter: Sendable {
    let handlers: AdminHandlers

    /// The answer to one request. Unknown path: 404; known path, other method: 405 with Allow; bad body: 400.
    /// `target` is the request target, query included.
    func respond(method: String, path target: String, body: [UInt8], caller: AdminCaller) -> AdminResponse {
        var request = RoutedRequest(method: method, target: target, body: body, caller: caller)
        var parameter: Substring?
        let matches = AdminAPI.endpoints.filter { endpoint in
            guard let m = Self.match(endpoint.path, request.path) else { return false }
            parameter = m.parameter
            return true
        }
        guard !matches.isEmpty else {
            return .problem(404, "no such endpoint; the admin API is described in docs/admin-api.yaml")
        }
        guard let endpoint = matches.first(where: { $0.method == method }) else {
            return .problem(405, "this endpoint does not take this method", allow: matches.map(\.method).joined(separator: ", "))
        }
        request.parameter = parameter.map(String.init)
        switch endpoint {
        case AdminAPI.status:
            return .json(handlers.status(caller))
        case AdminAPI.configReload:
            return .json(handlers.reload(caller))
        case AdminAPI.configCheck:
            let check: ConfigCheckRequest
            if request.bodyIsBlank {
                check = ConfigCheckRequest(path: nil)
            } else {
                guard let decoded = try? AdminJSON.decode(ConfigCheckRequest.self, from: body) else {
                    return .problem(400, "the body must be a JSON object like {\"path\": \"/etc/nexus/nexus.yaml\"}")
                }
                check = decoded
            }
            if let p = check.path, p.isEmpty || p.utf8.contains(0) {
                return .problem(400, "path must be a non-empty file path")
            }
            return .json(handlers.configCheck(check.path, caller))
        case AdminAPI.stateVerify:
            guard let verify = handlers.stateVerify else {
                return .problem(404, "this nexusd runs without durable state")
            }
            return .json(verify(caller))
        default:
            for group in Self.groups {
                if let response = group(self, endpoint, request) { return response }
            }
            preconditionFailure("AdminAPI.endpoints has an endpoint AdminRouter does not route: \(endpoint)")
        }
    }

    /// The endpoint groups, each in a file of its own (`AdminRouter+Consumers.swift`, ...): each answers the
    /// endpoints it owns and returns nil for the others.
    static let groups: [@Sendable (AdminRouter, AdminEndpoint, RoutedRequest) -> AdminResponse?] = [
        { $0.respondConsumers($1, $2) },
        { $0.respondKeys($1, $2) },
        { $0.respondAudit($1, $2) },
        { $0.respondRoutes($1, $2) },
        { $0.respondUsage($1, $2) },
        { $0.respondBackup($1, $2) },
        { $0.respondWorkflows($1, $2) },
    ]

    /// Whether `path` matches `template` segment by segment, a `{...}` segment matching any one non-empty segment;
    /// nil if not, else the parameter's value (nil when the template has none).
    static func match(_ template: String, _ path: String) -> Match? {
        if !template.contains("{") { return template == path ? Match(parameter: nil) : nil }
        let t = template.split(separator: "/", omittingEmptySubsequences: false)
        let p = path.split(separator: "/", omittingEmptySubsequences: false)
        guard t.count == p.count else { return nil }
        var parameter: Substring?
        for (ts, ps) in zip(t, p) {
            if ts.hasPrefix("{") && ts.hasSuffix("}") {
                guard !ps.isEmpty else { return nil }
                parameter = ps
            } else if ts != ps {
                return nil
            }
        }
        return Match(parameter: parameter)
    }

    /// A path that matched a template.
    struct Match {
        /// The `{...}` segment's value; nil when the template has none.
        var parameter: Substring?
    }
}
