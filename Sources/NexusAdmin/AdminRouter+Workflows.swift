import NexusAdminModel

extension AdminRouter {
    /// `/v1/workflows`, `/v1/workflows/{name}`.
    func respondWorkflows(_ endpoint: AdminEndpoint, _ request: RoutedRequest) -> AdminResponse? {
        guard AdminAPI.workflowEndpoints.contains(endpoint) else { return nil }
        guard let workflows = handlers.workflows else { return .problem(404, "this nexusd does not manage runtime workflows") }
        let caller = request.caller
        if endpoint == AdminAPI.workflowList { return .json(WorkflowList(workflows: workflows.list(caller))) }
        guard let name = request.parameter, Self.isWorkflowName(name) else {
            return .problem(404, AdminAPI.noSuchWorkflowDetail)
        }
        switch endpoint {
        case AdminAPI.workflowGet:
            guard let w = workflows.get(name, caller) else { return .problem(404, AdminAPI.noSuchWorkflowDetail) }
            return .json(w)
        case AdminAPI.workflowPut:
            guard (try? AdminJSON.decode(JSONValue.self, from: request.body)).map({ if case .object = $0 { true } else { false } }) == true else {
                return .problem(400, "the body must be a JSON object with the keys of a workflow in the configuration, like {\"handler\": \"echo\", \"input_schema\": {\"type\": \"object\"}}")
            }
            let replace: Bool
            switch request.query["replace"] {
            case nil, "false": replace = false
            case "true": replace = true
            default: return .problem(400, "replace must be true or false")
            }
            switch workflows.put(name, request.body, replace, caller) {
            case .success(let (w, created)): return .json(w, status: created ? 201 : 200)
            case .failure(let f): return .failure(f)
            }
        case AdminAPI.workflowRun:
            guard let run = workflows.run else { return .problem(404, "this nexusd does not run workflows through the admin API") }
            guard let r = try? AdminJSON.decode(RunWorkflowRequest.self, from: request.body) else {
                return .problem(400, "the body must be a JSON object like {\"input\": {...}, \"as\": \"CONSUMER\"} or {\"input\": {...}, \"key\": \"KEY\"}")
            }
            if r.as != nil && r.key != nil { return .problem(400, "give 'as' or 'key', not both") }
            switch run(name, r, caller) {
            case .success(let answer): return .json(answer)
            case .failure(let f): return .failure(f)
            }
        default:
            switch workflows.delete(name, caller) {
            case .success(let w): return .json(w)
            case .failure(let f): return .failure(f)
            }
        }
    }

    /// 1 to 64 characters of `A-Z a-z 0-9 _ . -`, the first a letter or digit (as in the configuration).
    static func isWorkflowName(_ name: String) -> Bool {
        let u = Array(name.utf8)
        func alnum(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        return (1...64).contains(u.count) && alnum(u[0])
            && u.allSatisfy { alnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
}
