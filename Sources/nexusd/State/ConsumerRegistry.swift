import NexusState
import Synchronization

/// Consumers kept in the durable log: record type 1 puts a consumer (JSON), type 2 removes one by id.
final class ConsumerRegistry: StateComponent {
    struct Record: Codable, Sendable, Equatable {
        var id: String
        var name: String
        var scopes: [String]
        var createdAt: Int
        /// The plan (`plans` in the configuration) the consumer's rate and quotas come from.
        var plan: String?

        enum CodingKeys: String, CodingKey {
            case id, name, scopes, plan
            case createdAt = "created_at"
        }
    }

    struct Removal: Codable {
        var id: String
    }

    static let putType: UInt16 = 1
    static let removeType: UInt16 = 2
    let recordTypes = [putType, removeType]

    private let consumers = Mutex<[String: Record]>([:])

    func apply(type: UInt16, payload: [UInt8]) {
        switch type {
        case Self.putType:
            if let c = RecordJSON.decode(Record.self, payload) { consumers.withLock { $0[c.id] = c } }
        case Self.removeType:
            if let d = RecordJSON.decode(Removal.self, payload) { consumers.withLock { $0[d.id] = nil } }
        default:
            break
        }
    }

    func reset() { consumers.withLock { $0 = [:] } }

    func image() -> [SnapshotRecord] {
        list().map { SnapshotRecord(type: Self.putType, payload: RecordJSON.encode($0)) }
    }

    var count: Int { consumers.withLock { $0.count } }

    func list() -> [Record] {
        consumers.withLock { Array($0.values) }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    func get(_ id: String) -> Record? { consumers.withLock { $0[id] } }

    /// Creates a consumer; returns once the record is durable.
    func create(name: String, scopes: [String], plan: String? = nil, now: Int, in store: StateStore) throws(StoreChangeError) -> Record {
        try store.change { w throws(StoreChangeError) -> Record in
            let map = consumers.withLock { $0 }
            if map.values.contains(where: { $0.name == name }) { throw .conflict("a consumer named '\(name)' exists") }
            var id: String
            repeat { id = StateIDs.make("c_") } while map[id] != nil
            let record = Record(id: id, name: name, scopes: scopes, createdAt: now, plan: plan)
            try w.write(Self.putType, record)
            return record
        }
    }

    /// Removes a consumer; returns once the removal is durable. `alsoRemove` runs under the same lock first
    /// (the keys of the consumer go with it).
    func remove(_ id: String, in store: StateStore, alsoRemove: (StateStore.Writer) throws(StoreChangeError) -> Void = { _ in })
        throws(StoreChangeError) {
        try store.change { w throws(StoreChangeError) in
            guard get(id) != nil else { throw .notFound(id) }
            try alsoRemove(w)
            try w.write(Self.removeType, Removal(id: id))
        }
    }
}

/// Ids for state objects: a prefix and 16 hex digits from the system's CSPRNG.
enum StateIDs {
    static func make(_ prefix: String) -> String {
        var g = SystemRandomNumberGenerator()
        let hex = String(g.next(), radix: 16)
        return prefix + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
