/// Logging settings. YAML: `log`.
public struct LogConfig: Sendable, Equatable {
    /// The lowest level logged, one of `levels` (swift-log's names). Default `info`. YAML: `level`.
    public var level: String

    /// The accepted levels, lowest first.
    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public static let defaults = LogConfig()

    public init(level: String = "info") {
        self.level = level
    }
}
