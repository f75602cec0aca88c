// JWTError: why a token was refused, in words that are safe to send back and to log.

/// Why a token was refused. Every case maps to the OAuth 2.0 bearer error `invalid_token` (RFC 6750 §3.1); the
/// `description` is fixed text or a configured claim name, never anything taken from the token, so it can go into a
/// `WWW-Authenticate` header or a log line as it is.
public enum JWTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The token is larger than the configured limit.
    case tooLarge
    /// Not a JWS compact serialization: the reason says which part is wrong.
    case malformed(Malformed)
    /// `alg` is `none`, unknown, or not allowed by the policy.
    case unsupportedAlgorithm
    /// The header has a `crit` member: no extension is understood, so none is accepted (RFC 7515 §4.1.11).
    case criticalHeader
    /// The header's `typ` is not the one the policy requires.
    case wrongType
    /// No key of the set matches the token's `kid` and `alg`.
    case unknownKey
    /// The signature does not verify.
    case badSignature
    /// `exp` has passed (beyond the leeway).
    case expired
    /// `nbf` is in the future (beyond the leeway).
    case notYetValid
    /// `iat` is in the future (beyond the leeway), or older than the policy's maximum age.
    case badIssuedAt
    /// `iss` is not among the allowed issuers.
    case wrongIssuer
    /// None of the token's audiences is among the allowed ones.
    case wrongAudience
    /// A required claim is missing (the name is the configured one).
    case missingClaim(String)
    /// A claim has the wrong JSON type (the name is the configured or registered one).
    case invalidClaim(String)

    /// What exactly is malformed.
    public enum Malformed: String, Sendable, Equatable {
        case parts = "not three dot-separated parts"
        case base64 = "a part is not base64url"
        case header = "the header is not a JSON object with a string alg"
        case claims = "the claims are not a JSON object"
    }

    /// The RFC 6750 error code for the `WWW-Authenticate` challenge.
    public var oauthErrorCode: String { "invalid_token" }

    /// The `WWW-Authenticate` value for a 401 answering this error (RFC 6750 §3), e.g.
    /// `Bearer realm="api", error="invalid_token", error_description="token expired"`.
    public func wwwAuthenticate(realm: String? = nil) -> String {
        func quoted(_ s: String) -> String {
            var out = "\""
            for c in s.unicodeScalars where c.value >= 0x20 && c.value < 0x7F {  // RFC 6750: %x20-21 / %x23-5B / %x5D-7E
                if c == "\"" || c == "\\" { continue }
                out.unicodeScalars.append(c)
            }
            return out + "\""
        }
        var value = "Bearer "
        if let realm { value += "realm=\(quoted(realm)), " }
        return value + "error=\"\(oauthErrorCode)\", error_description=\(quoted(description))"
    }

    /// A short description safe to send to the client and to log (never token content).
    public var description: String {
        switch self {
        case .tooLarge: "token too large"
        case .malformed(let m): "malformed token: \(m.rawValue)"
        case .unsupportedAlgorithm: "unsupported or disallowed algorithm"
        case .criticalHeader: "unsupported critical header"
        case .wrongType: "unexpected token type"
        case .unknownKey: "no matching key"
        case .badSignature: "invalid signature"
        case .expired: "token expired"
        case .notYetValid: "token not yet valid"
        case .badIssuedAt: "invalid issued-at time"
        case .wrongIssuer: "untrusted issuer"
        case .wrongAudience: "audience not allowed"
        case .missingClaim(let name): "missing claim \(name)"
        case .invalidClaim(let name): "invalid claim \(name)"
        }
    }
}

/// Why a key could not be built from a PEM file, a secret or a JWK.
public enum KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a PEM public key or certificate that OpenSSL can read.
    case unreadablePEM
    /// A key type NexusJWT does not verify with (for example DSA, or an RSA-PSS-restricted key).
    case unsupportedKeyType
    /// An RSA modulus under 2048 bits (RFC 7518 §3.3).
    case rsaKeyTooSmall
    /// An HMAC secret that is empty.
    case emptySecret
    /// An HMAC secret shorter than 32 bytes (RFC 7518 §3.2: at least the hash's size).
    case secretTooShort
    /// The JWK Set is not a JSON object with a `keys` array.
    case notAJWKSet
    /// A JWK member is missing, of the wrong type or not base64url (the member's name).
    case badMember(String)
    /// OpenSSL refused the key material (for example a point not on the curve).
    case invalidKey
    /// A key's declared `alg` does not fit its type.
    case algorithmMismatch

    public var description: String {
        switch self {
        case .unreadablePEM: "not a PEM public key or certificate"
        case .unsupportedKeyType: "unsupported key type"
        case .rsaKeyTooSmall: "RSA key smaller than 2048 bits"
        case .emptySecret: "empty HMAC secret"
        case .secretTooShort: "HMAC secret shorter than 32 bytes"
        case .notAJWKSet: "not a JWK Set (a JSON object with a keys array)"
        case .badMember(let name): "missing or invalid JWK member \(name)"
        case .invalidKey: "key material refused by OpenSSL"
        case .algorithmMismatch: "the key's alg does not fit its type"
        }
    }
}
