import NexusAdminModel

extension AdminRouter {
    /// `GET /v1/audit`.
    func respondAudit(_ endpoint: AdminEndpoint, _ request: RoutedRequest) -> AdminResponse? {
        guard endpoint == AdminAPI.audit else { return nil }
        guard let audit = handlers.audit else { return .problem(404, "this nexusd keeps no audit log") }
        switch AuditQuery.parse(request.query) {
        case .success(let q): return .json(AuditList(entries: audit(q, request.caller)))
        case .failure(let e): return .problem(400, e.detail)
        }
    }
}

extension AdminRouter {
    /// `GET /v1/usage`.
    func respondUsage(_ endpoint: AdminEndpoint, _ request: RoutedRequest) -> AdminResponse? {
        guard endpoint == AdminAPI.usage else { return nil }
        guard let usage = handlers.usage else { return .problem(404, "this nexusd keeps no usage counters") }
        switch UsageQuery.parse(request.query) {
        case .success(let q): return .json(UsageList(period: q.period.rawValue, rows: usage(q, request.caller)))
        case .failure(let e): return .problem(400, e.detail)
        }
    }
}

extension AdminRouter {
    /// `GET /v1/state/backup`, `POST /v1/state/restore`.
    func respondBackup(_ endpoint: AdminEndpoint, _ request: RoutedRequest) -> AdminResponse? {
        guard endpoint == AdminAPI.stateBackup || endpoint == AdminAPI.stateRestore else { return nil }
        guard let backup = handlers.backup else { return .problem(404, "this nexusd runs without durable state") }
        if endpoint == AdminAPI.stateBackup {
            switch backup.backup(request.caller) {
            case .success(let bytes): return .binary(bytes)
            case .failure(let f): return .failure(f)
            }
        }
        guard !request.body.isEmpty else { return .problem(400, "the body must be a backup file (nexusctl backup FILE makes one)") }
        switch backup.restore(request.body, request.caller) {
        case .success(let r): return .json(r)
        case .failure(let f): return .failure(f)
        }
    }
}
