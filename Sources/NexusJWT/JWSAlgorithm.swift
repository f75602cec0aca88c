// JWSAlgorithm: the signature algorithms of RFC 7518 §3 and RFC 8037 that NexusJWT verifies.

/// A JWS `alg` value that NexusJWT can verify. `none` is deliberately absent: an unsecured JWS is never accepted.
public enum JWSAlgorithm: String, Sendable, CaseIterable, Hashable {
    case hs256 = "HS256", hs384 = "HS384", hs512 = "HS512"
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    /// EdDSA (RFC 8037): Ed25519 or Ed448, as the key says.
    case edDSA = "EdDSA"

    /// The family of keys an algorithm needs: a key of another family is never used for it (this is what stops
    /// an HS256 token "signed" with an RSA public key's bytes from being checked against that RSA key).
    public enum Family: Sendable, Hashable {
        case hmac, rsa, rsaPSS, ecdsa, edDSA
    }

    public var family: Family {
        switch self {
        case .hs256, .hs384, .hs512: .hmac
        case .rs256, .rs384, .rs512: .rsa
        case .ps256, .ps384, .ps512: .rsaPSS
        case .es256, .es384, .es512: .ecdsa
        case .edDSA: .edDSA
        }
    }

    /// The digest's size in bytes (0 for EdDSA, which hashes internally).
    var hashBytes: Int {
        switch self {
        case .hs256, .rs256, .ps256, .es256: 32
        case .hs384, .rs384, .ps384, .es384: 48
        case .hs512, .rs512, .ps512, .es512: 64
        case .edDSA: 0
        }
    }

    /// The curve an ECDSA algorithm requires (RFC 7518 §3.4: ES256 is P-256, ES384 P-384, ES512 P-521).
    var ecCurve: ECCurve? {
        switch self {
        case .es256: .p256
        case .es384: .p384
        case .es512: .p521
        default: nil
        }
    }
}

/// A NIST curve of RFC 7518 §6.2.1.1.
public enum ECCurve: String, Sendable, Hashable {
    case p256 = "P-256", p384 = "P-384", p521 = "P-521"

    /// The size of one coordinate (and of r and s in a JWS signature) in bytes.
    var coordinateBytes: Int {
        switch self {
        case .p256: 32
        case .p384: 48
        case .p521: 66
        }
    }

    /// OpenSSL's group name.
    var openSSLName: String {
        switch self {
        case .p256: "prime256v1"
        case .p384: "secp384r1"
        case .p521: "secp521r1"
        }
    }
}

/// An Edwards curve of RFC 8037.
public enum EdCurve: String, Sendable, Hashable {
    case ed25519 = "Ed25519", ed448 = "Ed448"

    var publicKeyBytes: Int { self == .ed25519 ? 32 : 57 }
}
