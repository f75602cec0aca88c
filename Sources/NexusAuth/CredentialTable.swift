// CredentialTable: API keys by their HMAC, published to every loop as one immutable value.
import NexusCrypto
import NexusJWT

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

    /// A consumer a JWT may name (by id or name): its cell index and plan.
    public struct KnownConsumer: Sendable {
        public var id: String
        public var index: Int
        public var plan: Plan?

        public init(id: String, index: Int, plan: Plan?) {
            self.id = id
            self.index = index
            self.plan = plan
        }
    }

    private let secret: [UInt8]
    private let byMAC: [MAC: Principal]
    /// Verifies bearer JWTs; nil: JWTs are not accepted.
    public let jwt: Verifier?
    /// Consumers by id and by name, for the consumer a JWT names.
    private let known: [String: KnownConsumer]
    /// Rises with every table nexusd builds: a loop's cache is emptied when it sees a new generation.
    public let generation: Int
    /// Called (from a loop) when a JWT names a key the verifier does not hold: nexusd refetches its JWK Set URLs
    /// (rate-limited there). Must not block.
    private let onUnknownKey: (@Sendable () -> Void)?

    public init(secret: [UInt8], entries: [(mac: [UInt8], principal: Principal)], generation: Int,
                jwt: Verifier? = nil, known: [String: KnownConsumer] = [:], onUnknownKey: (@Sendable () -> Void)? = nil) {
        self.onUnknownKey = onUnknownKey
        self.secret = secret
        var map: [MAC: Principal] = [:]
        for e in entries { if let m = MAC(e.mac) { map[m] = e.principal } }
        byMAC = map
        self.generation = generation
        self.jwt = jwt
        self.known = known
    }

    /// An empty table (no keys).
    public static let empty = CredentialTable(secret: [], entries: [], generation: 0)

    /// Whether `presented` has the shape of a compact JWS (three base64url parts): it is then checked as a JWT.
    public static func looksLikeJWT(_ presented: [UInt8]) -> Bool {
        presented.count > 20 && presented.first == UInt8(ascii: "e") && presented.lazy.filter({ $0 == UInt8(ascii: ".") }).count == 2
    }

    /// The principal of a bearer JWT: its consumer claim (a known consumer's plan and index when it names one), its
    /// scopes, valid until its `exp`. nil when the token does not verify (or JWTs are not configured).
    public func verifyJWT(_ token: [UInt8], now: Int) -> Principal? {
        guard let jwt else { return nil }
        let verified: VerifiedToken
        do throws(JWTError) { verified = try jwt.verify(token, now: now) } catch {
            if error == .unknownKey { onUnknownKey?() }
            return nil
        }
        guard let consumer = verified.consumer, !consumer.isEmpty else { return nil }
        let k = known[consumer]
        return Principal(consumer: k?.id ?? consumer, index: k?.index ?? -1, scopes: Set(verified.scopes), plan: k?.plan,
                         expiresAt: verified.expiresAt, keyID: "jwt:" + (verified.keyID ?? "-"))
    }

    public var count: Int { byMAC.count }

    /// The principal whose key is `presented`, if any (expiry is the caller's to check).
    public func lookup(_ presented: [UInt8]) -> Principal? {
        guard !secret.isEmpty, let mac = MAC(HMACSHA256.mac(key: secret, presented)) else { return nil }
        return byMAC[mac]
    }
}
