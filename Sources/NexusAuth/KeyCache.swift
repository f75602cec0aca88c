#if canImport(Glibc)
import Glibc
#endif
// KeyCache: a loop's memory of keys it has checked, so most requests skip the HMAC.

/// Presented keys (and JWTs) and what they resolved to (a principal, or nothing), for one loop: no lock, no sharing. Emptied
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
        let isJWT = table.jwt != nil && CredentialTable.looksLikeJWT(presented)
        let found = isJWT ? table.verifyJWT(presented, now: Self.unixSeconds()) : table.lookup(presented)
        // A JWT that fails is not remembered: one not valid yet (nbf) may become valid.
        if isJWT && found == nil { return nil }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[presented] = .some(found)
        return found
    }
}

extension KeyCache {
    static func unixSeconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts.tv_sec
    }
}
