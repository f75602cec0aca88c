import NexusCrypto
import NexusState
import Synchronization

/// API keys kept in the durable log, hashed: record type 3 puts a key (JSON, with the SHA-256 of the secret, never
/// the secret), type 4 removes one (its consumer was deleted).
///
/// A key is `nx_<id>_<secret>`: the id finds the record, then the SHA-256 of the whole key is compared in constant
/// time with the stored hash. The secret is 32 random bytes (base64url), so a fast hash is enough: there is no
/// password to guess, and a stolen hash cannot be turned back into a key.
final class KeyRegistry: StateComponent {
    struct Record: Codable, Sendable, Equatable {
        var id: String
        var consumer: String
        var name: String
        var scopes: [String]
        /// Hex SHA-256 of the whole key.
        var hash: String
        /// `nx_<id>_` and the first 4 characters of the secret.
        var prefix: String
        var createdAt: Int
        var expiresAt: Int?
        var revokedAt: Int?

        enum CodingKeys: String, CodingKey {
            case id, consumer, name, scopes, hash, prefix
            case createdAt = "created_at"
            case expiresAt = "expires_at"
            case revokedAt = "revoked_at"
        }

        /// `active`, `expired` or `revoked` at `now`.
        func status(now: Int) -> String {
            if let r = revokedAt, r <= now { return "revoked" }
            if let e = expiresAt, e <= now { return "expired" }
            return "active"
        }
    }

    struct Removal: Codable {
        var id: String
    }

    static let putType: UInt16 = 3
    static let removeType: UInt16 = 4
    let recordTypes = [putType, removeType]

    private let keys = Mutex<[String: Record]>([:])

    func apply(type: UInt16, payload: [UInt8]) {
        switch type {
        case Self.putType:
            if let k = RecordJSON.decode(Record.self, payload) { keys.withLock { $0[k.id] = k } }
        case Self.removeType:
            if let r = RecordJSON.decode(Removal.self, payload) { keys.withLock { $0[r.id] = nil } }
        default:
            break
        }
    }

    func reset() { keys.withLock { $0 = [:] } }

    func image() -> [SnapshotRecord] {
        list(consumer: nil).map { SnapshotRecord(type: Self.putType, payload: RecordJSON.encode($0)) }
    }

    func list(consumer: String?) -> [Record] {
        keys.withLock { Array($0.values) }
            .filter { consumer == nil || $0.consumer == consumer }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    func get(_ id: String) -> Record? { keys.withLock { $0[id] } }

    /// The key record that `presented` authenticates at `now`, if any (id lookup, then a constant-time hash check).
    func authenticate(_ presented: String, now: Int) -> Record? {
        let parts = presented.split(separator: "_", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "nx", parts[1] == "k" else { return nil }
        guard let record = get("k_" + parts[2]), record.status(now: now) == "active",
              let stored = Hex.decode(record.hash) else { return nil }
        return ConstantTime.equal(SHA256.hash(presented), stored) ? record : nil
    }

    /// Creates a key for `consumer` (which must exist); returns the record and the secret, once durable.
    func create(consumer: String, name: String, scopes: [String], expiresAt: Int?, now: Int,
                consumers: ConsumerRegistry, in store: StateStore) throws(StoreChangeError) -> (Record, String) {
        try store.change { w throws(StoreChangeError) -> (Record, String) in
            guard let owner = consumers.get(consumer) else { throw .notFound("no consumer has the id '\(consumer)'") }
            if let extra = scopes.first(where: { !owner.scopes.contains($0) }) {
                throw .invalid("scope '\(extra)' is not among the consumer's scopes; a key can only narrow them")
            }
            return try put(consumer: consumer, name: name, scopes: scopes, expiresAt: expiresAt, now: now, w)
        }
    }

    /// Revokes a key now.
    func revoke(_ id: String, now: Int, in store: StateStore) throws(StoreChangeError) -> Record {
        try store.change { w throws(StoreChangeError) -> Record in
            guard var record = get(id) else { throw .notFound(id) }
            if record.status(now: now) == "revoked" { return record }
            record.revokedAt = now
            try w.write(Self.putType, record)
            return record
        }
    }

    /// A new key with the old one's consumer, name and scopes; the old one stops working after `grace` seconds.
    func rotate(_ id: String, grace: Int, now: Int, in store: StateStore) throws(StoreChangeError) -> (Record, String, Record) {
        try store.change { w throws(StoreChangeError) -> (Record, String, Record) in
            guard var old = get(id) else { throw .notFound(id) }
            guard old.status(now: now) == "active" else { throw .conflict("the key is \(old.status(now: now)); only an active key can be rotated") }
            let (new, secret) = try put(consumer: old.consumer, name: old.name, scopes: old.scopes, expiresAt: old.expiresAt, now: now, w)
            old.revokedAt = now + grace
            try w.write(Self.putType, old)
            return (new, secret, old)
        }
    }

    /// Writes the removal of every key of `consumer` (inside the consumer's removal).
    func removeAll(of consumer: String, _ w: StateStore.Writer) throws(StoreChangeError) {
        for k in list(consumer: consumer) { try w.write(Self.removeType, Removal(id: k.id)) }
    }

    private func put(consumer: String, name: String, scopes: [String], expiresAt: Int?, now: Int,
                     _ w: StateStore.Writer) throws(StoreChangeError) -> (Record, String) {
        var id: String
        repeat { id = StateIDs.make("k_") } while get(id) != nil
        let secret = "nx_" + id + "_" + Base64URL.encode(SecureRandom.bytes(32))
        let prefix = String(secret.prefix(id.count + 4 + 4))
        let record = Record(id: id, consumer: consumer, name: name, scopes: scopes, hash: Hex.encode(SHA256.hash(secret)),
                            prefix: prefix, createdAt: now, expiresAt: expiresAt, revokedAt: nil)
        try w.write(Self.putType, record)
        return (record, secret)
    }
}
