import FoundationEssentials
import NexusState
import Synchronization

/// Consumers kept in the durable log: every change is a record (type 1 puts a consumer as JSON, type 2 removes
/// one by id), replayed at start. A change is answered only once the log acknowledged it (durable under the
/// folder's fsync policy). Used by the admin thread only; the lock orders concurrent admin requests.
final class ConsumerRegistry: Sendable {
    struct Record: Codable, Sendable, Equatable {
        var id: String
        var name: String
        var scopes: [String]
        var createdAt: Int

        enum CodingKeys: String, CodingKey {
            case id, name, scopes
            case createdAt = "created_at"
        }
    }

    struct Removal: Codable {
        var id: String
    }

    enum Failure: Error {
        case duplicateName(String)
        case notFound(String)
        case storage(StateError)
    }

    static let putType: UInt16 = 1
    static let removeType: UInt16 = 2

    private let log: StateLog
    private let consumers: Mutex<[String: Record]>

    /// Replays the log's consumer records.
    init(log: StateLog) {
        self.log = log
        var map: [String: Record] = [:]
        let decoder = JSONDecoder()
        for r in log.read(from: 1) {
            switch r.type {
            case Self.putType:
                if let c = try? decoder.decode(Record.self, from: Data(r.payload)) { map[c.id] = c }
            case Self.removeType:
                if let d = try? decoder.decode(Removal.self, from: Data(r.payload)) { map[d.id] = nil }
            default:
                continue
            }
        }
        consumers = Mutex(map)
    }

    var count: Int { consumers.withLock { $0.count } }

    func list() -> [Record] {
        consumers.withLock { Array($0.values) }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    func get(_ id: String) -> Record? { consumers.withLock { $0[id] } }

    /// Creates a consumer; returns once the record is durable.
    func create(name: String, scopes: [String], now: Int) throws(Failure) -> Record {
        try consumers.withLock { (map: inout [String: Record]) throws(Failure) -> Record in
            if map.values.contains(where: { $0.name == name }) { throw .duplicateName(name) }
            var id: String
            repeat { id = Self.newID() } while map[id] != nil
            let record = Record(id: id, name: name, scopes: scopes, createdAt: now)
            try append(Self.putType, record)
            map[id] = record
            return record
        }
    }

    /// Removes a consumer; returns once the removal is durable.
    func remove(_ id: String) throws(Failure) {
        try consumers.withLock { (map: inout [String: Record]) throws(Failure) in
            guard map[id] != nil else { throw .notFound(id) }
            try append(Self.removeType, Removal(id: id))
            map[id] = nil
        }
    }

    private func append(_ type: UInt16, _ value: some Encodable) throws(Failure) {
        let payload: [UInt8]
        do { payload = Array(try JSONEncoder().encode(value)) } catch {
            preconditionFailure("encoding a consumer record cannot fail: \(error)")
        }
        do { _ = try log.append(type: type, payload: payload).wait() } catch { throw .storage(error) }
    }

    /// `c_` and 16 hex digits from the system's CSPRNG.
    static func newID() -> String {
        var g = SystemRandomNumberGenerator()
        let v = g.next()
        let hex = String(v, radix: 16)
        return "c_" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
