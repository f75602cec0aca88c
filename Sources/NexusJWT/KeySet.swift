// KeySet: an immutable set of verification keys, looked up by kid and alg.

/// One JWK that was left out of a set, and why (never key material).
public struct KeySetIssue: Sendable, Equatable, CustomStringConvertible {
    /// The key's position in the `keys` array.
    public let index: Int
    /// The key's `kid`, if it had a readable one.
    public let kid: String?
    /// Why it was left out.
    public let reason: String

    public var description: String { "keys[\(index)]" + (kid.map { " (kid \($0))" } ?? "") + ": \(reason)" }
}

/// An immutable set of keys. Build a new one when the keys change (a JWKS refresh) and swap the reference: a
/// `Verifier` holding the old set keeps using it until then, and no lookup ever sees a half-updated set.
public final class KeySet: Sendable {
    /// The keys, in the order given.
    public let keys: [VerificationKey]
    /// JWKs that were left out: unsupported types or curves, `use` other than `sig`, `key_ops` without `verify`,
    /// and keys whose members were invalid. A refresh that yields issues keeps the good keys; log the issues.
    public let issues: [KeySetIssue]

    public init(keys: [VerificationKey]) {
        self.keys = keys
        self.issues = []
    }

    /// The keys of a JWK Set document (RFC 7517 §5): `{"keys": [...]}`. Throws only when the document is not a
    /// JWK Set at all; keys that cannot be used are listed in `issues`.
    public init(jwks: [UInt8]) throws(KeyError) {
        guard let document = JSONObject.decode(jwks), let list = document["keys"]?.arrayValue else { throw .notAJWKSet }
        var keys: [VerificationKey] = []
        var issues: [KeySetIssue] = []
        for (index, element) in list.enumerated() {
            guard case .object(let jwk) = element else {
                issues.append(KeySetIssue(index: index, kid: nil, reason: "not a JSON object"))
                continue
            }
            let kid = jwk["kid"]?.stringValue
            do {
                switch try VerificationKey.fromJWK(jwk) {
                case .key(let key): keys.append(key)
                case .skipped(let why): issues.append(KeySetIssue(index: index, kid: kid, reason: "skipped: \(why)"))
                }
            } catch {
                issues.append(KeySetIssue(index: index, kid: kid, reason: error.description))
            }
        }
        self.keys = keys
        self.issues = issues
    }

    /// The key to verify a token with `kid` (if any) signed with `alg`, or `nil`.
    ///
    /// With a `kid`: the first key with that kid that allows `alg`; if no key has that kid, a key without a kid
    /// when it is the only kid-less key that allows `alg`. Without a `kid`: the key that allows `alg` when exactly
    /// one does (several candidates are ambiguous, and trying each would multiply the work an attacker can cause).
    public func key(forKid kid: String?, alg: JWSAlgorithm) -> VerificationKey? {
        if let kid {
            if let match = keys.first(where: { $0.kid == kid && $0.allows(alg) }) { return match }
            if keys.contains(where: { $0.kid == kid }) { return nil }  // the kid exists, but not for this alg
            return single(keys.lazy.filter { $0.kid == nil && $0.allows(alg) })
        }
        return single(keys.lazy.filter { $0.allows(alg) })
    }

    private func single(_ candidates: some Sequence<VerificationKey>) -> VerificationKey? {
        var it = candidates.makeIterator()
        guard let first = it.next(), it.next() == nil else { return nil }
        return first
    }
}
