import NexusCrypto
import NexusState
import Synchronization

/// API keys kept in the durable log as HMAC-SHA-256(server secret, key), never in clear: record type 3 puts a key
/// (JSON), type 4 removes one (its consumer was deleted).
///
/// A key made here is `nx_<id>_<secret>` with 32 random bytes (base64url); keys issued elsewhere can be imported.
/// The request path finds a key by its HMAC (`CredentialTable`). The key's entropy makes a fast keyed hash enough:
/// there is no password to guess, and a stolen state folder without the secret file gives nothing to try keys
/// against.
final class KeyRegistry: StateComponent {
    struct Record: Codable, Sendable, Equatable {
        var id: String
        var consumer: String
        var name: String
        var scopes: [String]
        /// Hex HMAC-SHA-256 of the whole key under the server secret.
        var hmac: String
        /// `nx_<id>_` and the first 4 characters of the secret.
        var prefix: String
        var createdAt: Int
        var expiresAt: Int?
        var revokedAt: Int?

        enum CodingKeys: String, CodingKey {
            case id, consumer, name, scopes, hmac, prefix
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
    private let secret: [UInt8]

    init(secret: [UInt8]) { self.secret = secret }

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

    /// Creates a key for `consumer` (which must exist), or imports `imported` (a key issued elsewhere); returns the
    /// record and the key, once durable.
    func create(consumer: String, name: String, scopes: [String], expiresAt: Int?, now: Int, imported: String? = nil,
                consumers: ConsumerRegistry, in store: StateStore) throws(StoreChangeError) -> (Record, String) {
        try store.change { w throws(StoreChangeError) -> (Record, String) in
            guard let owner = consumers.get(consumer) else { throw .notFound("no consumer has the id '\(consumer)'") }
            if let extra = scopes.first(where: { !owner.scopes.contains($0) }) {
                throw .invalid("scope '\(extra)' is not among the consumer's scopes; a key can only narrow them")
            }
            if let imported {
                let mac = Hex.encode(HMACSHA256.mac(key: secret, imported))
                if keys.withLock({ $0.values.contains { $0.hmac == mac } }) { throw .conflict("this key is imported already") }
            }
            return try put(consumer: consumer, name: name, scopes: scopes, expiresAt: expiresAt, now: now, imported: imported, w)
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

    private func put(consumer: String, name: String, scopes: [String], expiresAt: Int?, now: Int, imported: String? = nil,
                     _ w: StateStore.Writer) throws(StoreChangeError) -> (Record, String) {
        var id: String
        repeat { id = StateIDs.make("k_") } while get(id) != nil
        let key = imported ?? "nx_" + id + "_" + Base64URL.encode(SecureRandom.bytes(32))
        // An imported key shows only its first 4 characters; a key made here shows its id and 4 more.
        let prefix = imported == nil ? String(key.prefix(id.count + 4 + 4)) : String(key.prefix(4))
        let record = Record(id: id, consumer: consumer, name: name, scopes: scopes, hmac: Hex.encode(HMACSHA256.mac(key: secret, key)),
                            prefix: prefix, createdAt: now, expiresAt: expiresAt, revokedAt: nil)
        try w.write(Self.putType, record)
        return (record, key)
    }

    /// Every key that works at `now` (active, or revoked with a grace period not yet over), with when it stops.
    func usable(now: Int) -> [(Record, stopsAt: Int?)] {
        list(consumer: nil).compactMap { r in
            guard r.status(now: now) == "active" else { return nil }
            let stops = [r.expiresAt, r.revokedAt].compactMap { $0 }.min()
            return (r, stops)
        }
    }
}
