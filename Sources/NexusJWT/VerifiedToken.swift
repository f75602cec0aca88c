// VerifiedToken: what a token that passed every check says.

/// The registered claims of RFC 7519 §4.1, typed.
public struct RegisteredClaims: Sendable, Equatable {
    public var issuer: String?
    public var subject: String?
    /// `aud` as a list (a single string becomes one element).
    public var audience: [String]
    public var expiresAt: Int?
    public var notBefore: Int?
    public var issuedAt: Int?
    public var jwtID: String?

    /// The registered claims of `claims`, or the name of the first one with the wrong JSON type.
    init(_ claims: [String: JSONValue]) throws(JWTError) {
        issuer = try Self.string(claims, "iss")
        subject = try Self.string(claims, "sub")
        jwtID = try Self.string(claims, "jti")
        expiresAt = try Self.numericDate(claims, "exp")
        notBefore = try Self.numericDate(claims, "nbf")
        issuedAt = try Self.numericDate(claims, "iat")
        switch claims["aud"] {
        case nil: audience = []
        case .string(let s): audience = [s]
        case .array(let list):
            audience = list.compactMap(\.stringValue)
            if audience.count != list.count { throw .invalidClaim("aud") }
        default: throw .invalidClaim("aud")
        }
    }

    private static func string(_ claims: [String: JSONValue], _ name: String) throws(JWTError) -> String? {
        guard let value = claims[name] else { return nil }
        guard let s = value.stringValue else { throw .invalidClaim(name) }
        return s
    }

    /// A NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional (rounded down).
    private static func numericDate(_ claims: [String: JSONValue], _ name: String) throws(JWTError) -> Int? {
        guard let value = claims[name] else { return nil }
        guard let d = value.numberValue, d.isFinite, abs(d) < 1e15 else { throw .invalidClaim(name) }
        return Int(d.rounded(.down))
    }
}

/// A token whose signature, header and claims passed every check.
public struct VerifiedToken: Sendable {
    /// The algorithm it was signed with.
    public let algorithm: JWSAlgorithm
    /// The `kid` of the key that verified it (the key's, or the token's if the key has none).
    public let keyID: String?
    /// The registered claims.
    public let claims: RegisteredClaims
    /// Every claim, for mappings of the caller's own.
    public let rawClaims: [String: JSONValue]
    /// The consumer, from the policy's `consumerClaim` when it is a string.
    public let consumer: String?
    /// The scopes, from the first of the policy's `scopeClaims` present.
    public let scopes: [String]

    /// `exp`: until when the caller may cache this result (it must still check the time on each use).
    public var expiresAt: Int? { claims.expiresAt }
}
