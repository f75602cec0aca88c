import NexusAdminModel

/// Maps a request (method, path, body) to a handler and its answer; no I/O, so it is tested with plain values.
struct AdminRouter: Sendable {
    let handlers: AdminHandlers

    /// The answer to one request. Unknown path: 404; known path, other method: 405 with Allow; bad body: 400.
    func respond(method: String, path: String, body: [UInt8], caller: AdminCaller) -> AdminResponse {
        var parameter: Substring?
        let matches = AdminAPI.endpoints.filter { endpoint in
            guard let m = Self.match(endpoint.path, path) else { return false }
            parameter = m.parameter
            return true
        }
        guard !matches.isEmpty else {
            return .problem(404, "no such endpoint; the admin API is described in docs/admin-api.yaml")
        }
        guard let endpoint = matches.first(where: { $0.method == method }) else {
            return .problem(405, "this endpoint does not take this method", allow: matches.map(\.method).joined(separator: ", "))
        }
        switch endpoint {
        case AdminAPI.status:
            return .json(handlers.status(caller))
        case AdminAPI.configReload:
            return .json(handlers.reload(caller))
        case AdminAPI.configCheck:
            let request: ConfigCheckRequest
            if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) {
                request = ConfigCheckRequest(path: nil)
            } else {
                guard let decoded = try? AdminJSON.decode(ConfigCheckRequest.self, from: body) else {
                    return .problem(400, "the body must be a JSON object like {\"path\": \"/etc/nexus/nexus.yaml\"}")
                }
                request = decoded
            }
            if let p = request.path, p.isEmpty || p.utf8.contains(0) {
                return .problem(400, "path must be a non-empty file path")
            }
            return .json(handlers.configCheck(request.path, caller))
        case AdminAPI.stateVerify:
            guard let verify = handlers.stateVerify else {
                return .problem(404, "this nexusd runs without durable state")
            }
            return .json(verify(caller))
        case AdminAPI.consumerList, AdminAPI.consumerCreate, AdminAPI.consumerGet, AdminAPI.consumerDelete:
            guard let consumers = handlers.consumers else {
                return .problem(404, "this nexusd does not manage consumers")
            }
            return respond(consumers, endpoint, id: parameter, body: body, caller: caller)
        default:
            preconditionFailure("AdminAPI.endpoints has an endpoint AdminRouter does not route: \(endpoint)")
        }
    }

    private func respond(_ consumers: ConsumerHandlers, _ endpoint: AdminEndpoint, id: Substring?, body: [UInt8],
                         caller: AdminCaller) -> AdminResponse {
        switch endpoint {
        case AdminAPI.consumerList:
            return .json(ConsumerList(consumers: consumers.list(caller)))
        case AdminAPI.consumerCreate:
            guard let request = try? AdminJSON.decode(CreateConsumerRequest.self, from: body) else {
                return .problem(400, "the body must be a JSON object like {\"name\": \"billing\", \"scopes\": [\"orders:read\"]}")
            }
            if let detail = ConsumerRules.problem(with: request) {
                return .problem(400, detail)
            }
            switch consumers.create(request, caller) {
            case .success(let consumer): return .json(consumer, status: 201)
            case .failure(let f): return .failure(f)
            }
        default:
            // GET or DELETE /v1/consumers/{id}: an id that breaks the rules names no consumer.
            guard let id, ConsumerRules.isValidID(id) else {
                return .problem(404, AdminAPI.noSuchConsumerDetail)
            }
            if endpoint == AdminAPI.consumerGet {
                guard let consumer = consumers.get(String(id), caller) else {
                    return .problem(404, AdminAPI.noSuchConsumerDetail)
                }
                return .json(consumer)
            }
            switch consumers.delete(String(id), caller) {
            case .success: return .noContent
            case .failure(let f): return .failure(f)
            }
        }
    }

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
