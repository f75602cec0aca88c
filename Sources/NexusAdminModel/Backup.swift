/// `POST /v1/state/restore`: what the restore replaced the state with.
public struct RestoreResponse: Codable, Sendable, Equatable {
    /// Records in the backup.
    public var records: Int
    /// What the state holds now.
    public var consumers: Int
    public var keys: Int
    public var runtimeRoutes: Int

    public init(records: Int, consumers: Int, keys: Int, runtimeRoutes: Int) {
        self.records = records
        self.consumers = consumers
        self.keys = keys
        self.runtimeRoutes = runtimeRoutes
    }

    enum CodingKeys: String, CodingKey {
        case records, consumers, keys
        case runtimeRoutes = "runtime_routes"
    }
}
