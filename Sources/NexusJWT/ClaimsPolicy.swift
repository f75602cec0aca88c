// ClaimsPolicy: what a verified token's claims must say, and how the consumer and scopes are read from them.

/// The checks applied after the signature, and the mapping of claims to a consumer and scopes.
public struct ClaimsPolicy: Sendable {
    /// Allowed `iss` values (exact comparison). Empty: any issuer, and `iss` is not required.
    public var issuers: [String]
    /// Allowed audiences: the token's `aud` (a string or an array) must contain one of them. Empty: not checked.
    public var audiences: [String]
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    public var leeway: Int
    /// Whether a token without `exp` is refused.
    public var requireExpiration: Bool
    /// The oldest `iat` accepted, in seconds before now; `nil`: no limit.
    public var maxAge: Int?
    /// Claims that must be present (and not null).
    public var requiredClaims: [String]
    /// Algorithms accepted (before any key is looked at).
    public var algorithms: Set<JWSAlgorithm>
    /// The required header `typ` (case-insensitive, an `application/` prefix ignored, RFC 7515 §4.1.9), e.g. `JWT`
    /// or `at+jwt` (RFC 9068); `nil`: not checked.
    public var requiredType: String?
    /// The largest token accepted, in bytes.
    public var maxTokenBytes: Int
    /// The claim that names the consumer.
    public var consumerClaim: String
    /// The claims read for scopes, first present wins: a space-separated string (`scope`, RFC 8693) or an array of
    /// strings (`scp`).
    public var scopeClaims: [String]

    public init(issuers: [String] = [], audiences: [String] = [], leeway: Int = 60, requireExpiration: Bool = true,
                maxAge: Int? = nil, requiredClaims: [String] = [], algorithms: Set<JWSAlgorithm> = Set(JWSAlgorithm.allCases),
                requiredType: String? = nil, maxTokenBytes: Int = 8192, consumerClaim: String = "sub",
                scopeClaims: [String] = ["scope", "scp"]) {
        self.issuers = issuers
        self.audiences = audiences
        self.leeway = leeway
        self.requireExpiration = requireExpiration
        self.maxAge = maxAge
        self.requiredClaims = requiredClaims
        self.algorithms = algorithms
        self.requiredType = requiredType
        self.maxTokenBytes = maxTokenBytes
        self.consumerClaim = consumerClaim
        self.scopeClaims = scopeClaims
    }
}
