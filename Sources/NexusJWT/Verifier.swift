// Verifier: a JWT is accepted only when its shape, algorithm, key, signature and claims all pass.

/// Verifies JWTs (JWS compact serialization, RFC 7519) against a key set and a claims policy.
///
/// The order: size and shape; `alg` (never `none`) allowed by the policy; no `crit`; `typ` if required; a key
/// selected by `kid` and `alg` whose type fits the algorithm; the signature; then the claims, which are decoded
/// only once the signature holds.
public struct Verifier: Sendable {
    public let keys: KeySet
    public let policy: ClaimsPolicy

    public init(keys: KeySet, policy: ClaimsPolicy) {
        self.keys = keys
        self.policy = policy
    }

    /// Verifies `token` (the bytes after `Bearer `) at time `now` (seconds since the epoch).
    public func verify(_ token: [UInt8], now: Int) throws(JWTError) -> VerifiedToken {
        let jws = try CompactJWS(token, maxBytes: policy.maxTokenBytes)
        return try verify(jws, now: now)
    }

    /// Verifies `token` (the text after `Bearer `) at time `now` (seconds since the epoch).
    public func verify(_ token: some StringProtocol, now: Int) throws(JWTError) -> VerifiedToken {
        let jws = try CompactJWS(token, maxBytes: policy.maxTokenBytes)
        return try verify(jws, now: now)
    }

    private func verify(_ jws: CompactJWS, now: Int) throws(JWTError) -> VerifiedToken {
        guard policy.algorithms.contains(jws.algorithm) else { throw .unsupportedAlgorithm }
        if let required = policy.requiredType {
            guard let typ = jws.type, Self.sameType(typ, required) else { throw .wrongType }
        }
        let key = try keys.verifySignature(of: jws)
        guard let claims = JSONObject.decode(jws.payload) else { throw .malformed(.claims) }
        let registered = try RegisteredClaims(claims)
        try check(registered, claims, now: now)
        return VerifiedToken(algorithm: jws.algorithm, keyID: key.kid ?? jws.keyID, claims: registered, rawClaims: claims,
                             consumer: claims[policy.consumerClaim]?.stringValue, scopes: try scopes(claims))
    }

    private func check(_ c: RegisteredClaims, _ claims: [String: JSONValue], now: Int) throws(JWTError) {
        let leeway = policy.leeway
        if let exp = c.expiresAt {
            if now >= exp + leeway { throw .expired }  // RFC 7519 §4.1.4: valid only before exp
        } else if policy.requireExpiration {
            throw .missingClaim("exp")
        }
        if let nbf = c.notBefore, now + leeway < nbf { throw .notYetValid }
        if let iat = c.issuedAt {
            if iat > now + leeway { throw .badIssuedAt }
            if let maxAge = policy.maxAge, now - iat > maxAge + leeway { throw .badIssuedAt }
        } else if policy.maxAge != nil {
            throw .missingClaim("iat")
        }
        if !policy.issuers.isEmpty {
            guard let iss = c.issuer else { throw .missingClaim("iss") }
            guard policy.issuers.contains(iss) else { throw .wrongIssuer }
        }
        if !policy.audiences.isEmpty {
            guard claims["aud"] != nil else { throw .missingClaim("aud") }
            guard c.audience.contains(where: policy.audiences.contains) else { throw .wrongAudience }
        }
        for name in policy.requiredClaims {
            guard let value = claims[name], value != .null else { throw .missingClaim(name) }
        }
    }

    /// The scopes from the first of the policy's scope claims present: a space-separated string or an array of strings.
    private func scopes(_ claims: [String: JSONValue]) throws(JWTError) -> [String] {
        for name in policy.scopeClaims {
            switch claims[name] {
            case nil: continue
            case .string(let s): return s.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            case .array(let list):
                let strings = list.compactMap(\.stringValue)
                guard strings.count == list.count else { throw .invalidClaim(name) }
                return strings.flatMap { $0.split(separator: " ").map(String.init) }
            default: throw .invalidClaim(name)
            }
        }
        return []
    }

    /// RFC 7515 §4.1.9: media type names are case-insensitive and `application/` may be omitted.
    private static func sameType(_ a: String, _ b: String) -> Bool {
        func normal(_ s: String) -> String {
            let lower = s.lowercased()
            return lower.hasPrefix("application/") ? String(lower.dropFirst("application/".count)) : lower
        }
        return normal(a) == normal(b)
    }
}
