import NexusAdmin
import NexusAdminModel
import NexusConfig
import NexusSchema

/// The admin API's workflow endpoints over the runtime layer; every change goes to the audit log.
enum WorkflowAdmin {
    static func handlers(_ reloader: Reloader, _ state: DurableState,
                         run: (@Sendable (String, RunWorkflowRequest, AdminCaller) -> Result<RunWorkflowResponse, AdminFailure>)? = nil) -> WorkflowHandlers {
        WorkflowHandlers(
            list: { _ in infos(reloader) },
            get: { name, _ in infos(reloader).first { $0.name == name } },
            put: { name, body, replace, caller in
                let view = reloader.workflowView
                let inFile = view.file.contains { $0.name == name }
                let hasRuntime = view.entries[name] != nil
                if (inFile || hasRuntime) && !replace {
                    return .failure(refuse(409, "a workflow named '\(name)' exists; replace it with replace=true (nexusctl workflows add --replace)",
                                           "workflows.add", name, caller, state))
                }
                let spec = (try? AdminJSON.decode(NexusAdminModel.JSONValue.self, from: body)).flatMap { try? AdminJSON.encode($0) }
                    .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                let action = replace && (inFile || hasRuntime) ? "workflows.replace" : "workflows.add"
                if let f = apply(name, WorkflowLayer.Entry(name: name, spec: spec), action, caller, reloader, state) { return .failure(f) }
                return .success((infos(reloader).first { $0.name == name }!, created: !inFile && !hasRuntime))
            },
            delete: { name, caller in
                let view = reloader.workflowView
                guard view.entries[name] != nil else {
                    if view.file.contains(where: { $0.name == name }) {
                        return .failure(refuse(409, "the workflow '\(name)' is defined in the configuration file; remove it there and reload",
                                               "workflows.remove", name, caller, state))
                    }
                    return .failure(AdminFailure(status: 404, detail: AdminAPI.noSuchWorkflowDetail))
                }
                let before = infos(reloader).first { $0.name == name }!
                if let f = apply(name, nil, "workflows.remove", caller, reloader, state) { return .failure(f) }
                return .success(before)
            },
            run: run)
    }

    /// Applies a layer change; nil on success, else the failure (audited either way).
    private static func apply(_ name: String, _ entry: WorkflowLayer.Entry?, _ action: String, _ caller: AdminCaller,
                              _ reloader: Reloader, _ state: DurableState) -> AdminFailure? {
        StateAdmin.layerChange("workflow", name, action, caller, state) { () throws(Reloader.RouteChangeError) in
            try reloader.changeWorkflow(name, to: entry)
        }
    }

    private static func refuse(_ status: Int, _ detail: String, _ action: String, _ name: String, _ caller: AdminCaller,
                               _ state: DurableState) -> AdminFailure {
        StateAdmin.refuse(status, detail, action, name, caller, state)
    }

    /// Every workflow in name order: the file's (or their overrides), then the runtime ones.
    static func infos(_ reloader: Reloader) -> [WorkflowInfo] {
        let view = reloader.workflowView
        let inForce = Set(view.effective.map(\.name))
        var out: [WorkflowInfo] = []
        let fileNames = Set(view.file.map(\.name))
        for w in view.file {
            if let e = view.entries[w.name] {
                out.append(WorkflowInfo(name: w.name, source: "override", active: view.leftOut["workflow:" + w.name] == nil,
                                        spec: json(text: e.spec), problem: view.leftOut["workflow:" + w.name]))
            } else {
                out.append(WorkflowInfo(name: w.name, source: "config", active: inForce.contains(w.name), spec: json(w)))
            }
        }
        for e in view.entries.values where !fileNames.contains(e.name) {
            out.append(WorkflowInfo(name: e.name, source: "runtime", active: inForce.contains(e.name), spec: json(text: e.spec),
                                    problem: view.leftOut["workflow:" + e.name]))
        }
        return out.sorted { $0.name < $1.name }
    }

    /// A workflow of the file as the keys of an item of `workflows`.
    static func json(_ w: WorkflowConfig) -> NexusAdminModel.JSONValue {
        var o = NexusSchema.JSONObject()
        func put(_ k: String, _ v: NexusSchema.JSONValue) { o.members.append(NexusSchema.JSONMember(key: k, value: v)) }
        if let t = w.title { put("title", .string(t)) }
        if !w.description.isEmpty { put("description", .string(w.description)) }
        switch w.target {
        case .builtin(let b): put("handler", .string(b.rawValue))
        case .upstream(let u):
            put("upstream", .string(u.pool))
            put("method", .string(u.method))
            put("path", .string(u.path))
        }
        put("input_schema", w.inputSchema)
        if let out = w.outputSchema { put("output_schema", out) }
        if w.timeout != .seconds(30) { put("timeout", .string(w.timeoutText)) }
        if w.anonymous { put("anonymous", true) }
        if !w.scopes.isEmpty { put("scopes", .array(w.scopes.map { .string($0) })) }
        if !w.rateLimits.isEmpty {
            put("rate_limits", .array(w.rateLimits.map { l in
                ["per": .string(l.per.rawValue), "rate": .string("\(l.rate.count)/\(l.rate.periodSeconds == 3600 ? "h" : l.rate.periodSeconds == 60 ? "m" : "s")"), "burst": .number(NexusSchema.JSONNumber(l.rate.burst))]
            }))
        }
        return json(text: NexusSchema.JSONValue.object(o).serialized)
    }

    static func json(text: String) -> NexusAdminModel.JSONValue {
        (try? AdminJSON.decode(NexusAdminModel.JSONValue.self, from: Array(text.utf8))) ?? .null
    }
}
