// CredentialTable: API keys by their HMAC, published to every loop as one immutable value.
import NexusCrypto

/// The API keys in force: each key's HMAC-SHA-256 under the server secret, with its principal. Built by nexusd
/// whenever a key or a consumer changes, and handed to every loop (the old table stays valid for requests that
/// already hold it). Lookups compute the HMAC of the presented key and find it in a dictionary: the key itself is
/// never stored, and a per-loop `KeyCache` spares the HMAC for keys seen recently.
public final class CredentialTable: Sendable {
    /// A 256-bit MAC as four words, so that it hashes and compares without allocating.
    public struct MAC: Hashable, Sendable {
        let a: UInt64, b: UInt64, c: UInt64, d: UInt64

        public init?(_ bytes: [UInt8]) {
            guard bytes.count == 32 else { return nil }
            func word(_ i: Int) -> UInt64 {
                var w: UInt64 = 0
                for k in 0..<8 { w = w << 8 | UInt64(bytes[i * 8 + k]) }
                return w
            }
            a = word(0); b = word(1); c = word(2); d = word(3)
        }
    }

    private let secret: [UInt8]
    private let byMAC: [MAC: Principal]
    /// Rises with every table nexusd builds: a loop's cache is emptied when it sees a new generation.
    public let generation: Int

    public init(secret: [UInt8], entries: [(mac: [UInt8], principal: Principal)], generation: Int) {
        self.secret = secret
        var map: [MAC: Principal] = [:]
        for e in entries { if let m = MAC(e.mac) { map[m] = e.principal } }
        byMAC = map
        self.generation = generation
    }

    /// An empty table (no keys).
    public static let empty = CredentialTable(secret: [], entries: [], generation: 0)

    public var count: Int { byMAC.count }

    /// The principal whose key is `presented`, if any (expiry is the caller's to check).
    public func lookup(_ presented: [UInt8]) -> Principal? {
        guard !secret.isEmpty, let mac = MAC(HMACSHA256.mac(key: secret, presented)) else { return nil }
        return byMAC[mac]
    }
}
