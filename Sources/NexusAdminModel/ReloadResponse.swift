/// `POST /v1/config/reload`: the outcome of a reload, sent once the reload is done or refused.
///
/// A refused reload leaves the running configuration in place; `errors` says why, one line each
/// (`FILE:LINE:COLUMN: KEY: MESSAGE` for configuration errors).
public struct ReloadResponse: Codable, Sendable, Equatable {
    /// True when the new configuration is in effect.
    public var ok: Bool
    /// One human line, e.g. "configuration reloaded: 12 routes".
    public var message: String
    /// Why the reload was refused; empty when `ok`.
    public var errors: [String]

    public init(ok: Bool, message: String, errors: [String] = []) {
        self.ok = ok
        self.message = message
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey {
        case ok
        case message
        case errors
    }
}
