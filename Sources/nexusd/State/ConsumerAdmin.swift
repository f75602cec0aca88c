import Glibc
import NexusAdmin
import NexusAdminModel
import NexusState

/// The admin API's consumer endpoints over the durable registry; every change goes to the audit log.
enum ConsumerAdmin {
    static func handlers(_ state: DurableState, _ credentials: CredentialPublisher) -> ConsumerHandlers {
        ConsumerHandlers(
            list: { _ in state.consumers.list().map(model) },
            create: { request, caller in
                if let plan = request.plan, !credentials.planNames.contains(plan) {
                    return .failure(StateAdmin.failure(.invalid("unknown plan '\(plan)': the plans are those under 'plans' in the configuration"),
                                                       action: "consumers.create", caller: caller, audit: state.audit))
                }
                do throws(StoreChangeError) {
                    let r = try state.consumers.create(name: request.name, scopes: request.scopes, plan: request.plan, now: Int(time(nil)),
                                                       in: state.store)
                    state.audit.record("consumers.create", outcome: "ok", caller: caller, consumer: r.id, detail: "name \(r.name)")
                    return .success(model(r))
                } catch {
                    return .failure(StateAdmin.failure(error, action: "consumers.create", caller: caller, audit: state.audit))
                }
            },
            get: { id, _ in state.consumers.get(id).map(model) },
            delete: { id, caller in
                do throws(StoreChangeError) {
                    try state.consumers.remove(id, in: state.store) { w throws(StoreChangeError) in
                        try state.keys.removeAll(of: id, w)
                    }
                    credentials.publish()
                    state.audit.record("consumers.delete", outcome: "ok", caller: caller, consumer: id)
                    return .success(())
                } catch {
                    return .failure(StateAdmin.failure(error, action: "consumers.delete", caller: caller, consumer: id,
                                                       audit: state.audit, notFound: AdminAPI.noSuchConsumerDetail))
                }
            })
    }

    static func model(_ r: ConsumerRegistry.Record) -> Consumer {
        Consumer(id: r.id, name: r.name, scopes: r.scopes, createdAt: r.createdAt, plan: r.plan)
    }
}

/// Maps store refusals to admin API problems, recording the refusal in the audit log.
enum StateAdmin {
    /// Runs a change of a runtime layer (routes, workflows) and audits it: nil on success, else the failure,
    /// a 400 naming what `kind` is not valid, or the store's refusal.
    static func layerChange(_ kind: String, _ name: String, _ action: String, _ caller: AdminCaller, _ state: DurableState,
                            _ change: () throws(Reloader.RouteChangeError) -> Void) -> AdminFailure? {
        do throws(Reloader.RouteChangeError) {
            try change()
            state.audit.record(action, outcome: "ok", caller: caller, target: name)
            return nil
        } catch {
            switch error {
            case .invalid(let lines): return refuse(400, "the \(kind) is not valid: " + lines.joined(separator: "; "), action, name, caller, state)
            case .store(let e): return failure(e, action: action, caller: caller, target: name, audit: state.audit)
            }
        }
    }

    /// A refusal with `status`, audited.
    static func refuse(_ status: Int, _ detail: String, _ action: String, _ name: String, _ caller: AdminCaller,
                       _ state: DurableState) -> AdminFailure {
        state.audit.record(action, outcome: "refused", caller: caller, target: name, detail: detail)
        return AdminFailure(status: status, detail: detail)
    }

    static func failure(_ e: StoreChangeError, action: String, caller: AdminCaller, consumer: String? = nil, target: String? = nil,
                        audit: AuditLog, notFound: String = "not found") -> AdminFailure {
        let f: AdminFailure
        switch e {
        case .conflict(let why): f = AdminFailure(status: 409, detail: why)
        case .notFound(let what): f = AdminFailure(status: 404, detail: what.contains(" ") ? what : notFound)
        case .invalid(let why): f = AdminFailure(status: 400, detail: why)
        case .storage(.noSpace): f = AdminFailure(status: 507, detail: "the state folder's disk is full; nothing was written")
        case .storage(let s): f = AdminFailure(status: 500, detail: "the state log refused the write: \(s)")
        }
        let outcome = f.status >= 500 ? "failed" : "refused"
        audit.record(action, outcome: outcome, caller: caller, consumer: consumer, target: target, detail: f.detail)
        return f
    }
}
