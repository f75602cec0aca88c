import NexusAdminModel

extension AdminRouter {
    /// `/v1/routes`, `/v1/routes/{name}`, `/v1/routes/{name}/reset`.
    func respondRoutes(_ endpoint: AdminEndpoint, _ request: RoutedRequest) -> AdminResponse? {
        guard AdminAPI.routeEndpoints.contains(endpoint) else { return nil }
        guard let routes = handlers.routes else { return .problem(404, "this nexusd does not manage runtime routes") }
        let caller = request.caller
        if endpoint == AdminAPI.routeList { return .json(RouteList(routes: routes.list(caller))) }
        guard let segment = request.parameter, let name = RouteNamePath.decode(segment) else {
            return .problem(404, AdminAPI.noSuchRouteDetail)
        }
        switch endpoint {
        case AdminAPI.routeGet:
            guard let route = routes.get(name, caller) else { return .problem(404, AdminAPI.noSuchRouteDetail) }
            return .json(route)
        case AdminAPI.routePut:
            guard (try? AdminJSON.decode(JSONValue.self, from: request.body)).map({ if case .object = $0 { true } else { false } }) == true else {
                return .problem(400, "the body must be a JSON object with the keys of a route in the configuration, like {\"path_prefix\": \"/v2/\", \"upstream\": \"api\"}")
            }
            let replace: Bool
            switch request.query["replace"] {
            case nil, "false": replace = false
            case "true": replace = true
            default: return .problem(400, "replace must be true or false")
            }
            switch routes.put(name, request.body, replace, caller) {
            case .success(let (route, created)): return .json(route, status: created ? 201 : 200)
            case .failure(let f): return .failure(f)
            }
        case AdminAPI.routeDelete:
            switch routes.delete(name, caller) {
            case .success(let route): return .json(route)
            case .failure(let f): return .failure(f)
            }
        default:
            switch routes.reset(name, caller) {
            case .success(let route): return .json(route)
            case .failure(let f): return .failure(f)
            }
        }
    }
}
