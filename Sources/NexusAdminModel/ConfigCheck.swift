/// The optional body of `POST /v1/config/check`: which file to check.
///
/// No body, an empty body, `{}` or `{"path": null}` all mean the file nexusd is running on.
public struct ConfigCheckRequest: Codable, Sendable, Equatable {
    /// An absolute path as nexusd sees it; nil for the running configuration file.
    public var path: String?

    public init(path: String? = nil) {
        self.path = path
    }

    enum CodingKeys: String, CodingKey {
        case path
    }
}

/// `POST /v1/config/check`: whether a configuration file would load, and every error if not.
public struct ConfigCheckResponse: Codable, Sendable, Equatable {
    /// True when the file is valid.
    public var ok: Bool
    /// Every error, one line each (`FILE:LINE:COLUMN: KEY: MESSAGE`); empty when `ok`.
    public var errors: [String]

    public init(ok: Bool, errors: [String] = []) {
        self.ok = ok
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey {
        case ok
        case errors
    }
}
