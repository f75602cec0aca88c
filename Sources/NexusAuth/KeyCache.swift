// KeyCache: a loop's memory of keys it has checked, so most requests skip the HMAC.

/// Presented keys and what they resolved to (a principal, or nothing), for one loop: no lock, no sharing. Emptied
/// when the loop takes a new `CredentialTable` (a revoke, a new key), and when it holds `capacity` keys (so a
/// flood of random keys costs an HMAC each, never memory).
public final class KeyCache {
    private var entries: [[UInt8]: Principal?] = [:]
    private var generation = -1
    public let capacity: Int

    public init(capacity: Int = 16_384) { self.capacity = capacity }

    /// The principal of `presented` under `table`.
    public func resolve(_ presented: [UInt8], in table: CredentialTable) -> Principal? {
        if table.generation != generation {
            entries.removeAll(keepingCapacity: true)
            generation = table.generation
        }
        if let hit = entries[presented] { return hit }
        let found = table.lookup(presented)
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[presented] = .some(found)
        return found
    }
}
