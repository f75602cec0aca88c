import NexusAdminModel

/// One admin request as the router and the endpoint groups see it: the path without its query, the decoded query
/// parameters, the `{id}` segment's value (if the endpoint has one), the body and the kernel-vouched caller.
struct RoutedRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var parameter: String?
    var body: [UInt8]
    var caller: AdminCaller

    /// Splits `target` (`/v1/audit?limit=5`) into path and query; a parameter given twice keeps its last value.
    init(method: String, target: String, body: [UInt8], caller: AdminCaller) {
        self.method = method
        self.body = body
        self.caller = caller
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = AdminQuery.parse(target[target.index(after: q)...])
        } else {
            path = target
            query = [:]
        }
    }

    /// Whether the body is empty or only white space.
    var bodyIsBlank: Bool { body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A } }
}
