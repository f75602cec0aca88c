import NexusAdminModel

/// What the admin API does: one closure per endpoint, supplied by nexusd.
///
/// The closures run on the admin thread, one request at a time, never on an event loop; they may block
/// (a reload waits for the loops to take the new configuration) and must be safe to call from that thread.
public struct AdminHandlers: Sendable {
    /// `GET /v1/status`.
    public var status: @Sendable (AdminCaller) -> StatusResponse
    /// `POST /v1/config/reload`: returns once the reload is done or refused.
    public var reload: @Sendable (AdminCaller) -> ReloadResponse
    /// `POST /v1/config/check`: the path to check (nil: the running configuration file).
    public var configCheck: @Sendable (String?, AdminCaller) -> ConfigCheckResponse
    /// `GET /v1/state/verify`; nil when nexusd runs without durable state (the endpoint then answers 404).
    public var stateVerify: (@Sendable (AdminCaller) -> StateVerifyResponse)?
    /// `/v1/consumers` and `/v1/consumers/{id}`; nil when nexusd does not manage consumers (they then answer 404).
    public var consumers: ConsumerHandlers?
    /// `/v1/keys...`; nil when nexusd does not manage keys (they then answer 404).
    public var keys: KeyHandlers?
    /// `/v1/routes...`; nil when nexusd does not manage runtime routes (they then answer 404).
    public var routes: RouteHandlers?
    /// `/v1/workflows...`; nil when nexusd does not manage runtime workflows (they then answer 404).
    public var workflows: WorkflowHandlers?
    /// `GET /v1/state/backup` and `POST /v1/state/restore`; nil without durable state (they then answer 404).
    public var backup: BackupHandlers?
    /// `GET /v1/usage`; nil when nexusd keeps no usage (it then answers 404).
    public var usage: (@Sendable (UsageQuery, AdminCaller) -> [UsageRow])?
    /// `GET /v1/audit`; nil when nexusd keeps no audit log (it then answers 404).
    public var audit: (@Sendable (AuditQuery, AdminCaller) -> [AuditEntry])?

    public init(status: @escaping @Sendable (AdminCaller) -> StatusResponse,
                reload: @escaping @Sendable (AdminCaller) -> ReloadResponse,
                configCheck: @escaping @Sendable (String?, AdminCaller) -> ConfigCheckResponse,
                stateVerify: (@Sendable (AdminCaller) -> StateVerifyResponse)? = nil,
                consumers: ConsumerHandlers? = nil,
                keys: KeyHandlers? = nil,
                routes: RouteHandlers? = nil,
                backup: BackupHandlers? = nil,
                usage: (@Sendable (UsageQuery, AdminCaller) -> [UsageRow])? = nil,
                audit: (@Sendable (AuditQuery, AdminCaller) -> [AuditEntry])? = nil,
                workflows: WorkflowHandlers? = nil) {
        self.workflows = workflows
        self.status = status
        self.reload = reload
        self.configCheck = configCheck
        self.stateVerify = stateVerify
        self.consumers = consumers
        self.keys = keys
        self.audit = audit
        self.routes = routes
        self.backup = backup
        self.usage = usage
    }
}

/// The consumer endpoints. They run on the admin thread like the others and get only checked input: an id of
/// 1 to 64 characters of `A-Z a-z 0-9 _ -`, a request whose name and scopes pass `ConsumerRules`.
public struct ConsumerHandlers: Sendable {
    /// `GET /v1/consumers`.
    public var list: @Sendable (AdminCaller) -> [Consumer]
    /// `POST /v1/consumers`: the new consumer (answered 201), or why not (e.g. 409 duplicate name, 507 disk full).
    public var create: @Sendable (CreateConsumerRequest, AdminCaller) -> Result<Consumer, AdminFailure>
    /// `GET /v1/consumers/{id}`: nil answers 404.
    public var get: @Sendable (String, AdminCaller) -> Consumer?
    /// `DELETE /v1/consumers/{id}`: success answers 204; a failure with status 404 means no such consumer (use
    /// `AdminAPI.noSuchConsumerDetail` as its detail so nexusctl says so).
    public var delete: @Sendable (String, AdminCaller) -> Result<Void, AdminFailure>

    public init(list: @escaping @Sendable (AdminCaller) -> [Consumer],
                create: @escaping @Sendable (CreateConsumerRequest, AdminCaller) -> Result<Consumer, AdminFailure>,
                get: @escaping @Sendable (String, AdminCaller) -> Consumer?,
                delete: @escaping @Sendable (String, AdminCaller) -> Result<Void, AdminFailure>) {
        self.list = list
        self.create = create
        self.get = get
        self.delete = delete
    }
}

/// The API key endpoints; they get checked input only (ids that pass `KeyRules.isValidID`, requests that pass
/// `KeyRules`). A failure with status 404 and `AdminAPI.noSuchKeyDetail` means no such key.
public struct KeyHandlers: Sendable {
    /// `GET /v1/keys`, of one consumer when the id is given.
    public var list: @Sendable (String?, AdminCaller) -> [ApiKey]
    /// `POST /v1/keys`.
    public var create: @Sendable (CreateKeyRequest, AdminCaller) -> Result<CreatedKey, AdminFailure>
    /// `GET /v1/keys/{id}`: nil answers 404.
    public var get: @Sendable (String, AdminCaller) -> ApiKey?
    /// `POST /v1/keys/{id}/revoke`.
    public var revoke: @Sendable (String, AdminCaller) -> Result<ApiKey, AdminFailure>
    /// `POST /v1/keys/{id}/rotate` with the grace period in seconds.
    public var rotate: @Sendable (String, Int, AdminCaller) -> Result<CreatedKey, AdminFailure>

    public init(list: @escaping @Sendable (String?, AdminCaller) -> [ApiKey],
                create: @escaping @Sendable (CreateKeyRequest, AdminCaller) -> Result<CreatedKey, AdminFailure>,
                get: @escaping @Sendable (String, AdminCaller) -> ApiKey?,
                revoke: @escaping @Sendable (String, AdminCaller) -> Result<ApiKey, AdminFailure>,
                rotate: @escaping @Sendable (String, Int, AdminCaller) -> Result<CreatedKey, AdminFailure>) {
        self.list = list
        self.create = create
        self.get = get
        self.revoke = revoke
        self.rotate = rotate
    }
}

/// The route endpoints; names arrive decoded (`RouteNamePath.decode`). A failure with status 404 and
/// `AdminAPI.noSuchRouteDetail` means no such route.
public struct RouteHandlers: Sendable {
    public var list: @Sendable (AdminCaller) -> [RouteInfo]
    public var get: @Sendable (String, AdminCaller) -> RouteInfo?
    /// Name, the definition (JSON bytes, checked to be JSON), whether to replace; the route and whether it is new.
    public var put: @Sendable (String, [UInt8], Bool, AdminCaller) -> Result<(RouteInfo, created: Bool), AdminFailure>
    public var delete: @Sendable (String, AdminCaller) -> Result<RouteInfo, AdminFailure>
    public var reset: @Sendable (String, AdminCaller) -> Result<RouteInfo, AdminFailure>

    public init(list: @escaping @Sendable (AdminCaller) -> [RouteInfo],
                get: @escaping @Sendable (String, AdminCaller) -> RouteInfo?,
                put: @escaping @Sendable (String, [UInt8], Bool, AdminCaller) -> Result<(RouteInfo, created: Bool), AdminFailure>,
                delete: @escaping @Sendable (String, AdminCaller) -> Result<RouteInfo, AdminFailure>,
                reset: @escaping @Sendable (String, AdminCaller) -> Result<RouteInfo, AdminFailure>) {
        self.list = list
        self.get = get
        self.put = put
        self.delete = delete
        self.reset = reset
    }
}

/// Backup and restore of the whole state.
public struct BackupHandlers: Sendable {
    /// The backup file's bytes, or why not.
    public var backup: @Sendable (AdminCaller) -> Result<[UInt8], AdminFailure>
    /// Restores from a backup file's bytes (checked by the handler: they come from the caller).
    public var restore: @Sendable ([UInt8], AdminCaller) -> Result<RestoreResponse, AdminFailure>

    public init(backup: @escaping @Sendable (AdminCaller) -> Result<[UInt8], AdminFailure>,
                restore: @escaping @Sendable ([UInt8], AdminCaller) -> Result<RestoreResponse, AdminFailure>) {
        self.backup = backup
        self.restore = restore
    }
}

/// The workflow endpoints; names arrive checked (a workflow name's characters).
public struct WorkflowHandlers: Sendable {
    public var list: @Sendable (AdminCaller) -> [WorkflowInfo]
    public var get: @Sendable (String, AdminCaller) -> WorkflowInfo?
    /// The name, the definition (a JSON object's bytes), replace: the workflow after it and whether it is new.
    public var put: @Sendable (String, [UInt8], Bool, AdminCaller) -> Result<(WorkflowInfo, created: Bool), AdminFailure>
    public var delete: @Sendable (String, AdminCaller) -> Result<WorkflowInfo, AdminFailure>
    /// Runs one as a consumer or key; nil when runs are not offered (404).
    public var run: (@Sendable (String, RunWorkflowRequest, AdminCaller) -> Result<RunWorkflowResponse, AdminFailure>)?

    public init(list: @escaping @Sendable (AdminCaller) -> [WorkflowInfo],
                get: @escaping @Sendable (String, AdminCaller) -> WorkflowInfo?,
                put: @escaping @Sendable (String, [UInt8], Bool, AdminCaller) -> Result<(WorkflowInfo, created: Bool), AdminFailure>,
                delete: @escaping @Sendable (String, AdminCaller) -> Result<WorkflowInfo, AdminFailure>,
                run: (@Sendable (String, RunWorkflowRequest, AdminCaller) -> Result<RunWorkflowResponse, AdminFailure>)? = nil) {
        self.run = run
        self.list = list
        self.get = get
        self.put = put
        self.delete = delete
    }
}
