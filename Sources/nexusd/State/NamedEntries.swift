import NexusState
import Synchronization

/// An entry kept by name in the state log (a runtime route, a runtime workflow).
protocol NamedEntry: Codable, Sendable {
    var name: String { get }
}

/// The storage part of a layer of named entries: record `putType` puts one (JSON), `removeType` drops one by name.
/// A layer (RouteLayer, WorkflowLayer) adds what its entries mean; this keeps them, replays them, images them.
final class NamedEntries<Entry: NamedEntry>: Sendable {
    private struct Removal: Codable {
        var name: String
    }

    let putType: UInt16
    let removeType: UInt16
    private let entries = Mutex<[String: Entry]>([:])

    init(putType: UInt16, removeType: UInt16) {
        self.putType = putType
        self.removeType = removeType
    }

    var recordTypes: [UInt16] { [putType, removeType] }

    func apply(type: UInt16, payload: [UInt8]) {
        if type == putType, let e = RecordJSON.decode(Entry.self, payload) {
            entries.withLock { $0[e.name] = e }
        } else if type == removeType, let r = RecordJSON.decode(Removal.self, payload) {
            entries.withLock { $0[r.name] = nil }
        }
    }

    func reset() { entries.withLock { $0 = [:] } }

    func image() -> [SnapshotRecord] {
        snapshot().values.sorted { $0.name < $1.name }.map { SnapshotRecord(type: putType, payload: RecordJSON.encode($0)) }
    }

    func snapshot() -> [String: Entry] { entries.withLock { $0 } }

    /// Puts an entry durably.
    func put(_ entry: Entry, in store: StateStore) throws(StoreChangeError) {
        try store.change { w throws(StoreChangeError) in try w.write(putType, entry) }
    }

    /// Drops the entry of `name` durably.
    func drop(_ name: String, in store: StateStore) throws(StoreChangeError) {
        try store.change { w throws(StoreChangeError) in try w.write(removeType, Removal(name: name)) }
    }
}
