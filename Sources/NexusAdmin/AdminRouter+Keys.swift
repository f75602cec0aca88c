import NexusAdminModel

extension AdminRouter {
    /// `/v1/keys`, `/v1/keys/{id}`, `/v1/keys/{id}/revoke`, `/v1/keys/{id}/rotate`.
    func respondKeys(_ endpoint: AdminEndpoint, _ request: RoutedRequest) -> AdminResponse? {
        guard AdminAPI.keyEndpoints.contains(endpoint) else { return nil }
        guard let keys = handlers.keys else {
            return .problem(404, "this nexusd does not manage keys")
        }
        let caller = request.caller
        switch endpoint {
        case AdminAPI.keyList:
            let consumer = request.query["consumer"]
            if let consumer, !ConsumerRules.isValidID(consumer) {
                return .problem(400, "consumer must be a consumer id")
            }
            return .json(KeyList(keys: keys.list(consumer, caller)))
        case AdminAPI.keyCreate:
            guard let create = try? AdminJSON.decode(CreateKeyRequest.self, from: request.body) else {
                return .problem(400, "the body must be a JSON object like {\"consumer\": \"c_0123456789abcdef\", \"name\": \"ci\"}")
            }
            if let detail = KeyRules.problem(with: create) { return .problem(400, detail) }
            switch keys.create(create, caller) {
            case .success(let created): return .json(created, status: 201)
            case .failure(let f): return .failure(f)
            }
        default:
            guard let id = request.parameter, KeyRules.isValidID(id) else {
                return .problem(404, AdminAPI.noSuchKeyDetail)
            }
            switch endpoint {
            case AdminAPI.keyGet:
                guard let key = keys.get(id, caller) else { return .problem(404, AdminAPI.noSuchKeyDetail) }
                return .json(key)
            case AdminAPI.keyRevoke:
                switch keys.revoke(id, caller) {
                case .success(let key): return .json(key)
                case .failure(let f): return .failure(f)
                }
            default:
                var rotate = RotateKeyRequest()
                if !request.bodyIsBlank {
                    guard let decoded = try? AdminJSON.decode(RotateKeyRequest.self, from: request.body) else {
                        return .problem(400, "the body must be empty or a JSON object like {\"grace\": 3600}")
                    }
                    rotate = decoded
                }
                guard (0...KeyRules.maxSeconds).contains(rotate.grace) else {
                    return .problem(400, "grace must be 0 to \(KeyRules.maxSeconds) seconds")
                }
                switch keys.rotate(id, rotate.grace, caller) {
                case .success(let created): return .json(created, status: 201)
                case .failure(let f): return .failure(f)
                }
            }
        }
    }
}
