import NexusAdminModel

/// Maps a request (method, path, body) to a handler and its answer; no I/O, so it is tested with plain values.
struct AdminRouter: Sendable {
    let handlers: AdminHandlers

    /// The answer to one request. Unknown path: 404; known path, other method: 405 with Allow; bad body: 400.
    func respond(method: String, path: String, body: [UInt8], caller: AdminCaller) -> AdminResponse {
        let matches = AdminAPI.endpoints.filter { $0.path == path }
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
        default:
            preconditionFailure("AdminAPI.endpoints has an endpoint AdminRouter does not route: \(endpoint)")
        }
    }
}
