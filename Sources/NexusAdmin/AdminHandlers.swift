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

    public init(status: @escaping @Sendable (AdminCaller) -> StatusResponse,
                reload: @escaping @Sendable (AdminCaller) -> ReloadResponse,
                configCheck: @escaping @Sendable (String?, AdminCaller) -> ConfigCheckResponse,
                stateVerify: (@Sendable (AdminCaller) -> StateVerifyResponse)? = nil) {
        self.status = status
        self.reload = reload
        self.configCheck = configCheck
        self.stateVerify = stateVerify
    }
}
