/// One endpoint of the admin API: its method and path.
public struct AdminEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP method, e.g. "GET".
    public let method: String
    /// The path, e.g. "/v1/status".
    public let path: String

    public init(method: String, path: String) {
        self.method = method
        self.path = path
    }

    /// `GET /v1/status`.
    public var description: String { "\(method) \(path)" }

    /// This endpoint with its `{id}` segment replaced by `id`, e.g. `GET /v1/consumers/c_1`.
    ///
    /// `id` is put in as is: check it first (`ConsumerRules.isValidID`), so it cannot change the request line.
    public func with(id: String) -> AdminEndpoint {
        AdminEndpoint(method: method, path: path.replacing("{id}", with: id))
    }

    /// This endpoint with a query string (from `AdminQuery.encode`) appended; an empty query changes nothing.
    public func with(query: String) -> AdminEndpoint {
        query.isEmpty ? self : AdminEndpoint(method: method, path: path + "?" + query)
    }
}

/// The admin API's endpoints, socket defaults and media types: the contract nexusd serves and nexusctl calls.
///
/// Described for people in docs/admin-api.yaml (OpenAPI 3.1). Paths are versioned; a breaking change gets /v2.
public enum AdminAPI {
    /// `GET /v1/status`: a `StatusResponse`.
    public static let status = AdminEndpoint(method: "GET", path: "/v1/status")
    /// `POST /v1/config/reload`: re-reads the configuration file, answers when the reload is done (`ReloadResponse`).
    public static let configReload = AdminEndpoint(method: "POST", path: "/v1/config/reload")
    /// `POST /v1/config/check`: checks a file (body: an optional `ConfigCheckRequest`), `ConfigCheckResponse`.
    public static let configCheck = AdminEndpoint(method: "POST", path: "/v1/config/check")
    /// `GET /v1/state/verify`: verifies the durable state's checksums (`StateVerifyResponse`).
    public static let stateVerify = AdminEndpoint(method: "GET", path: "/v1/state/verify")

    /// `GET /v1/consumers`: every consumer (`ConsumerList`).
    public static let consumerList = AdminEndpoint(method: "GET", path: "/v1/consumers")
    /// `POST /v1/consumers`: creates one (body: `CreateConsumerRequest`); 201 and the `Consumer`.
    public static let consumerCreate = AdminEndpoint(method: "POST", path: "/v1/consumers")
    /// `GET /v1/consumers/{id}`: one `Consumer`, or 404.
    public static let consumerGet = AdminEndpoint(method: "GET", path: "/v1/consumers/{id}")
    /// `DELETE /v1/consumers/{id}`: 204 with no body, or 404.
    public static let consumerDelete = AdminEndpoint(method: "DELETE", path: "/v1/consumers/{id}")

    /// `GET /v1/state/backup`: a consistent copy of the whole state (consumers, keys, runtime routes, usage) as
    /// application/octet-stream, in the snapshot file format; taken while serving.
    public static let stateBackup = AdminEndpoint(method: "GET", path: "/v1/state/backup")
    /// `POST /v1/state/restore` (body: a backup file): replaces the whole state with the backup's, durably, and puts
    /// its runtime routes in force (`RestoreResponse`); 400 if the file is not a valid backup (nothing changes).
    public static let stateRestore = AdminEndpoint(method: "POST", path: "/v1/state/restore")

    /// `GET /v1/keys?consumer=ID`: the keys (`KeyList`), of one consumer if `consumer` is given.
    public static let keyList = AdminEndpoint(method: "GET", path: "/v1/keys")
    /// `POST /v1/keys`: creates a key (body: `CreateKeyRequest`); 201 and a `CreatedKey` with the secret, once.
    public static let keyCreate = AdminEndpoint(method: "POST", path: "/v1/keys")
    /// `GET /v1/keys/{id}`: one `ApiKey`, or 404.
    public static let keyGet = AdminEndpoint(method: "GET", path: "/v1/keys/{id}")
    /// `POST /v1/keys/{id}/revoke`: the key stops working now; the revoked `ApiKey`.
    public static let keyRevoke = AdminEndpoint(method: "POST", path: "/v1/keys/{id}/revoke")
    /// `POST /v1/keys/{id}/rotate` (body: optional `RotateKeyRequest`): a new key for the same consumer, name and
    /// scopes; the old one works `grace` seconds more. 201 and a `CreatedKey` with `previous`.
    public static let keyRotate = AdminEndpoint(method: "POST", path: "/v1/keys/{id}/rotate")

    /// The key endpoints.
    public static let keyEndpoints: [AdminEndpoint] = [keyList, keyCreate, keyGet, keyRevoke, keyRotate]

    /// The `detail` of the 404 for an id no key has.
    public static let noSuchKeyDetail = "no key has this id"

    /// `GET /v1/routes`: every route with its source (`RouteList`).
    public static let routeList = AdminEndpoint(method: "GET", path: "/v1/routes")
    /// `GET /v1/routes/{name}` (the name percent-encoded, see `RouteNamePath`): one `RouteInfo`, or 404.
    public static let routeGet = AdminEndpoint(method: "GET", path: "/v1/routes/{id}")
    /// `PUT /v1/routes/{name}[?replace=true]` (body: the route's definition as JSON): adds a runtime route (201), or
    /// with `replace=true` replaces one of that name (200); 409 if the name is taken without it; 400 with the
    /// configuration's messages if the route is not valid. Answers once it is durable and in force.
    public static let routePut = AdminEndpoint(method: "PUT", path: "/v1/routes/{id}")
    /// `DELETE /v1/routes/{name}`: removes a runtime route, or leaves a tombstone over the file's route of that
    /// name; the `RouteInfo` after it.
    public static let routeDelete = AdminEndpoint(method: "DELETE", path: "/v1/routes/{id}")
    /// `POST /v1/routes/{name}/reset`: drops the runtime change to the file's route of that name (an override or a
    /// tombstone), so the file's definition is in force again; the `RouteInfo` after it.
    public static let routeReset = AdminEndpoint(method: "POST", path: "/v1/routes/{id}/reset")

    /// The route endpoints.
    public static let routeEndpoints: [AdminEndpoint] = [routeList, routeGet, routePut, routeDelete, routeReset]

    /// The `detail` of the 404 for a name no route has.
    public static let noSuchRouteDetail = "no route has this name"

    /// `GET /v1/usage?consumer=&route=&since=&until=&period=hour|day|total`: request counts (`UsageList`).
    public static let usage = AdminEndpoint(method: "GET", path: "/v1/usage")

    /// `GET /v1/audit?since=&until=&consumer=&action=&limit=`: the newest matching audit entries (`AuditList`).
    public static let audit = AdminEndpoint(method: "GET", path: "/v1/audit")

    /// `GET /v1/workflows`: every workflow with its source (`WorkflowList`).
    public static let workflowList = AdminEndpoint(method: "GET", path: "/v1/workflows")
    /// `GET /v1/workflows/{name}`: one `WorkflowInfo`, or 404.
    public static let workflowGet = AdminEndpoint(method: "GET", path: "/v1/workflows/{id}")
    /// `PUT /v1/workflows/{name}[?replace=true]` (body: the workflow's definition as JSON): adds a runtime workflow
    /// (201) or replaces one (200); 409 if the name is taken and replace is not true; 400 with the configuration's
    /// messages if it is not valid. Answers once it is durable and in force.
    public static let workflowPut = AdminEndpoint(method: "PUT", path: "/v1/workflows/{id}")
    /// `DELETE /v1/workflows/{name}`: removes a runtime workflow (an override: the file's definition is in force
    /// again); 409 for a workflow of the file; the `WorkflowInfo` removed.
    public static let workflowDelete = AdminEndpoint(method: "DELETE", path: "/v1/workflows/{id}")

    /// `POST /v1/workflows/{name}/run` (`RunWorkflowRequest`): runs it through the public listener's own path
    /// (admit, validation, usage) as the consumer or key given; `RunWorkflowResponse`.
    public static let workflowRun = AdminEndpoint(method: "POST", path: "/v1/workflows/{id}/run")

    /// The workflow endpoints.
    public static let workflowEndpoints: [AdminEndpoint] = [workflowList, workflowGet, workflowPut, workflowDelete, workflowRun]

    /// The `detail` of the 404 for a name no workflow has.
    public static let noSuchWorkflowDetail = "no workflow has this name"

    /// The consumer endpoints.
    public static let consumerEndpoints: [AdminEndpoint] = [consumerList, consumerCreate, consumerGet, consumerDelete]

    /// Every endpoint, in documentation order. A `{id}` segment matches one path segment.
    public static let endpoints: [AdminEndpoint] = [status, configReload, configCheck, stateVerify, stateBackup, stateRestore]
        + consumerEndpoints
        + keyEndpoints + routeEndpoints + [usage, audit] + workflowEndpoints

    /// The `detail` of the 404 for an id no consumer has (nexusctl tells it from "no such endpoint" by this text).
    public static let noSuchConsumerDetail = "no consumer has this id"

    /// Where nexusd listens when the configuration names no other socket.
    public static let defaultSocketPath = "/run/nexus/admin.sock"
    /// The environment variable nexusctl reads for the socket path.
    public static let socketEnvironmentVariable = "NEXUS_ADMIN_SOCKET"

    /// The media type of every success body.
    public static let jsonMediaType = "application/json"
    /// The media type of every error body (RFC 9457).
    public static let problemMediaType = "application/problem+json"
}
