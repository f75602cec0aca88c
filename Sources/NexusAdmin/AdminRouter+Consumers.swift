import NexusAdminModel

extension AdminRouter {
    /// `/v1/consumers` and `/v1/consumers/{id}`.
    func respondConsumers(_ endpoint: AdminEndpoint, _ request: RoutedRequest) -> AdminResponse? {
        guard AdminAPI.consumerEndpoints.contains(endpoint) else { return nil }
        guard let consumers = handlers.consumers else {
            return .problem(404, "this nexusd does not manage consumers")
        }
        let caller = request.caller
        switch endpoint {
        case AdminAPI.consumerList:
            return .json(ConsumerList(consumers: consumers.list(caller)))
        case AdminAPI.consumerCreate:
            guard let create = try? AdminJSON.decode(CreateConsumerRequest.self, from: request.body) else {
                return .problem(400, "the body must be a JSON object like {\"name\": \"billing\", \"scopes\": [\"orders:read\"]}")
            }
            if let detail = ConsumerRules.problem(with: create) {
                return .problem(400, detail)
            }
            switch consumers.create(create, caller) {
            case .success(let consumer): return .json(consumer, status: 201)
            case .failure(let f): return .failure(f)
            }
        default:
            // GET or DELETE /v1/consumers/{id}: an id that breaks the rules names no consumer.
            guard let id = request.parameter, ConsumerRules.isValidID(id) else {
                return .problem(404, AdminAPI.noSuchConsumerDetail)
            }
            if endpoint == AdminAPI.consumerGet {
                guard let consumer = consumers.get(id, caller) else {
                    return .problem(404, AdminAPI.noSuchConsumerDetail)
                }
                return .json(consumer)
            }
            switch consumers.delete(id, caller) {
            case .success: return .noContent
            case .failure(let f): return .failure(f)
            }
        }
    }
}
