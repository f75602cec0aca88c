import FoundationEssentials
import NexusState
import Synchronization

/// One kind of durable state (consumers, keys, runtime routes, usage): it owns some record types, applies them at
/// replay, and gives its whole image as records for a snapshot (compaction, backup).
protocol StateComponent: AnyObject, Sendable {
    /// The record types this component reads and writes.
    var recordTypes: [UInt16] { get }
    /// Applies one record, at replay (start, restore) or right after the store appended it.
    func apply(type: UInt16, payload: [UInt8])
    /// Forgets everything (before a restore replays a backup).
    func reset()
    /// Records that rebuild the component's state from nothing when applied in order.
    func image() -> [SnapshotRecord]
}

/// The durable state of nexusd: one log, the components kept in it, and one lock that orders every change.
///
/// A change appends its records and waits until they are durable under the folder's fsync policy, then applies
/// them to the component: the lock makes "append, wait, apply" atomic with respect to other changes and to
/// snapshots, so an image taken under it is exactly the state after the log's last record. Changes are admin
/// actions and periodic flushes (usage deltas every few seconds), never per request, so the lock is off the
/// request path.
final class StateStore: Sendable {
    let log: StateLog
    let components: [any StateComponent]
    let byType: [UInt16: any StateComponent]
    let lock = Mutex<Void>(())

    init(log: StateLog, components: [any StateComponent]) {
        self.log = log
        self.components = components
        var byType: [UInt16: any StateComponent] = [:]
        for c in components {
            for t in c.recordTypes {
                precondition(byType[t] == nil, "record type \(t) has two owners")
                byType[t] = c
            }
        }
        self.byType = byType
        replay()
    }

    /// Applies the log's snapshot, then every record after it.
    private func replay() {
        if let snapshot = log.snapshot {
            for r in snapshot.records { byType[r.type]?.apply(type: r.type, payload: r.payload) }
        }
        for r in log.read(from: (log.snapshot?.sequence ?? 0) + 1) { byType[r.type]?.apply(type: r.type, payload: r.payload) }
    }

    /// Runs `body` under the store's lock; `body` checks what it must and calls `write` for each change.
    func change<T>(_ body: (Writer) throws(StoreChangeError) -> T) throws(StoreChangeError) -> T {
        try lock.withLock { _ throws(StoreChangeError) -> T in try body(Writer(store: self)) }
    }

    /// Appends and applies records; only handed out inside `change`.
    struct Writer {
        fileprivate let store: StateStore

        /// Appends one record (JSON of `value`), waits until it is durable, then applies it to its component.
        func write(_ type: UInt16, _ value: some Encodable) throws(StoreChangeError) {
            let payload: [UInt8]
            do { payload = Array(try JSONEncoder().encode(value)) } catch {
                preconditionFailure("encoding a state record cannot fail: \(error)")
            }
            do { _ = try store.log.append(type: type, payload: payload).wait() } catch {
                throw .storage(error)
            }
            store.byType[type]?.apply(type: type, payload: payload)
        }
    }

    // MARK: Snapshots

    /// The whole state as of the log's last record: every component's image.
    func snapshot() -> Snapshot {
        lock.withLock { _ in takeSnapshot() }
    }

    private func takeSnapshot() -> Snapshot {
        Snapshot(sequence: log.lastSequence, records: components.flatMap { $0.image() })
    }

    /// Writes a snapshot of the current state and drops the log segments it replaces, when the log since the last
    /// snapshot has grown past `threshold` bytes. Returns whether it compacted.
    @discardableResult
    func compactIfNeeded(threshold: Int) throws(StateError) -> Bool {
        try lock.withLock { _ throws(StateError) -> Bool in
            guard log.bytesSinceSnapshot >= threshold else { return false }
            try log.installSnapshot(takeSnapshot())
            return true
        }
    }

    /// Replaces the whole state with `backup`'s records (a restore): they are installed as a snapshot that
    /// supersedes every record in the log, then the components are rebuilt from them.
    func restore(_ backup: Snapshot) throws(StateError) {
        try lock.withLock { _ throws(StateError) in
            try log.installSnapshot(Snapshot(sequence: log.lastSequence, records: backup.records))
            for c in components { c.reset() }
            for r in backup.records { byType[r.type]?.apply(type: r.type, payload: r.payload) }
        }
    }
}

/// Why a store change did not happen: a component's own refusal (a duplicate name, an unknown id), or storage.
enum StoreChangeError: Error {
    case conflict(String)
    case notFound(String)
    case invalid(String)
    case storage(StateError)
}

/// JSON record payloads.
enum RecordJSON {
    static func decode<T: Decodable>(_ type: T.Type, _ payload: [UInt8]) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(payload))
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        do { return Array(try JSONEncoder().encode(value)) } catch {
            preconditionFailure("encoding a state record cannot fail: \(error)")
        }
    }
}
