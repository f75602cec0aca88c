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
