import NexusAdmin
import NexusAdminModel
import NexusConfig

/// The admin API's route endpoints over the runtime layer; every change goes to the audit log.
enum RouteAdmin {
    static func handlers(_ reloader: Reloader, _ state: DurableState) -> RouteHandlers {
        RouteHandlers(
            list: { _ in infos(reloader) },
            get: { name, _ in infos(reloader).first { $0.name == name } },
            put: { name, body, replace, caller in
                let (file, entries, _) = reloader.view
                let inFile = file.routes.contains { $0.name == name }
                let hasRuntime = entries[name]?.spec != nil
                if !inFile && !RouteConfig.isValidName(name) {
                    return .failure(refuse(400, "a new route's name is 1 to 64 characters of A-Z a-z 0-9 _ . - and starts with a letter or digit",
                                           "routes.add", name, caller, state))
                }
                if (hasRuntime || (inFile && entries[name] == nil)) && !replace {
                    return .failure(refuse(409, "a route named '\(name)' exists; replace it with replace=true (nexusctl routes add --replace)",
                                           "routes.add", name, caller, state))
                }
                let spec = (try? AdminJSON.decode(JSONValue.self, from: body)).flatMap { try? AdminJSON.encode($0) }
                    .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                let action = replace ? "routes.replace" : "routes.add"
                if let f = apply(name, RouteLayer.Entry(name: name, spec: spec), action, caller, reloader, state) { return .failure(f) }
                let info = infos(reloader).first { $0.name == name }!
                return .success((info, created: !inFile && !hasRuntime))
            },
            delete: { name, caller in
                let (file, entries, _) = reloader.view
                let inFile = file.routes.contains { $0.name == name }
                let change: RouteLayer.Entry?
                switch (inFile, entries[name]) {
                case (true, let e) where e?.spec != nil || e == nil: change = RouteLayer.Entry(name: name, spec: nil)
                case (false, let e?) where e.spec != nil: change = nil
                case (_, _?): return .success(infos(reloader).first { $0.name == name }!)
                default: return .failure(AdminFailure(status: 404, detail: AdminAPI.noSuchRouteDetail))
                }
                if let f = apply(name, change, "routes.remove", caller, reloader, state) { return .failure(f) }
                return .success(infos(reloader).first { $0.name == name } ?? RouteInfo(name: name, source: "runtime", active: false, spec: .null))
            },
            reset: { name, caller in
                guard reloader.view.entries[name] != nil else {
                    return .failure(AdminFailure(status: 404, detail: "the route '\(name)' has no runtime change to reset"))
                }
                if let f = apply(name, nil, "routes.reset", caller, reloader, state) { return .failure(f) }
                guard let info = infos(reloader).first(where: { $0.name == name }) else {
                    return .failure(AdminFailure(status: 404, detail: AdminAPI.noSuchRouteDetail))
                }
                return .success(info)
            })
    }

    /// Applies a layer change; nil on success, else the failure (audited either way).
    private static func apply(_ name: String, _ entry: RouteLayer.Entry?, _ action: String, _ caller: AdminCaller,
                              _ reloader: Reloader, _ state: DurableState) -> AdminFailure? {
        StateAdmin.layerChange("route", name, action, caller, state) { () throws(Reloader.RouteChangeError) in
            try reloader.changeRoute(name, to: entry)
        }
    }

    private static func refuse(_ status: Int, _ detail: String, _ action: String, _ name: String, _ caller: AdminCaller,
                               _ state: DurableState) -> AdminFailure {
        StateAdmin.refuse(status, detail, action, name, caller, state)
    }

    /// Every route: those in force (file, override, runtime), then removed ones, each group by name.
    static func infos(_ reloader: Reloader) -> [RouteInfo] {
        let (file, entries, _) = reloader.view
        let inForce = Set(reloader.config.routes.map(\.name))
        let leftOut = reloader.view.leftOut
        var out: [RouteInfo] = []
        for r in file.routes {
            switch entries[r.name] {
            case nil: out.append(RouteInfo(name: r.name, source: "config", active: true, spec: RouteSpec.json(r)))
            case let e? where e.spec == nil: out.append(RouteInfo(name: r.name, source: "removed", active: false, spec: RouteSpec.json(r)))
            case let e?:
                out.append(RouteInfo(name: r.name, source: "override", active: inForce.contains(r.name),
                                     spec: RouteSpec.json(text: e.spec!), problem: leftOut[r.name]))
            }
        }
        let fileNames = Set(file.routes.map(\.name))
        for e in entries.values where !fileNames.contains(e.name) {
            if let spec = e.spec {
                out.append(RouteInfo(name: e.name, source: "runtime", active: inForce.contains(e.name), spec: RouteSpec.json(text: spec),
                                     problem: leftOut[e.name]))
            } else {
                out.append(RouteInfo(name: e.name, source: "removed", active: false, spec: .null))
            }
        }
        return out.sorted { ($0.active ? 0 : 1, $0.name) < ($1.active ? 0 : 1, $1.name) }
    }
}
