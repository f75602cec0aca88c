/// Authentication. YAML: `auth`. With this section, every route needs credentials unless it says
/// `anonymous: true`; without it, nexusd authenticates nobody and every route is open (it logs so at start).
public struct AuthConfig: Sendable, Equatable {
    /// Where an API key may come from.
    public enum KeyHeader: String, Sendable, CaseIterable {
        /// `Authorization: Bearer <key>`.
        case authorization
        /// `X-API-Key: <key>`.
        case xAPIKey = "x-api-key"
    }

    /// The server secret that API keys are HMACed with: a file of at least 32 bytes, readable only by nexusd
    /// (a file that group or others can read is refused). nil (the default): `secret` in the state folder, made
    /// with 32 random bytes (mode 0600) when missing. Keys made under one secret do not work under another: a
    /// restore on another host needs this file too. YAML: `secret_file`.
    public var secretFile: String?
    /// Where API keys are read from, in order. Default both. YAML: `key_headers`.
    public var keyHeaders: [KeyHeader] = KeyHeader.allCases
    /// Keys issued elsewhere: lines of `KEY CONSUMER` (a consumer of `consumers`), `#` comments; read at start
    /// and reload and kept only as HMACs. Default none. YAML: `keys_file`.
    public var keysFile: String?
    /// Addresses (`10.0.0.0/8`, `127.0.0.1`, `::1`) of proxies in front of nexusd: from them, the client address
    /// (for per-IP limits and the lockout) is the last X-Forwarded-For entry that is not itself a trusted proxy.
    /// Default none: the peer address. YAML: `trusted_proxies`.
    public var trustedProxies: [String] = []
    /// At the `failures`-th failed authentication (3 or more) from one client address within `window`, that
    /// address gets 429 for `duration`. nil (the default): no lockout. YAML: `lockout: {failures, window, duration}`.
    public var lockout: Lockout?
    /// Bearer JWTs (besides API keys). nil (the default): none. YAML: `jwt`.
    public var jwt: JWTConfig?

    public struct Lockout: Sendable, Equatable {
        public var failures: Int
        public var window: Duration
        public var duration: Duration

        public init(failures: Int, window: Duration, duration: Duration) {
            self.failures = failures
            self.window = window
            self.duration = duration
        }
    }

    public init() {}
}

/// JWT bearer tokens: which keys sign them and what their claims must say. YAML: `auth.jwt`.
public struct JWTConfig: Sendable, Equatable {
    /// Where verification keys come from. YAML: `keys`, a list of `{jwks_file: F}`, `{pem_file: F, kid: K,
    /// alg: A}` (a public key or certificate), `{hmac_secret_file: F, kid: K, alg: HS256}` or `{jwks_url: URL}`.
    public enum KeySource: Sendable, Equatable {
        case jwksFile(String)
        case pemFile(String, kid: String?, alg: String?)
        case hmacSecretFile(String, kid: String?, alg: String?)
        /// A JWK Set fetched over HTTPS at start, every `refresh`, and (at most every 30 s) when a token names a
        /// key it does not hold; verified against the system's CAs or `ca_file`. YAML: `{jwks_url: URL,
        /// refresh: 10m, ca_file: F}`.
        case jwksURL(String, refresh: Duration, caFile: String?)
    }

    public var keys: [KeySource] = []
    /// Accepted `iss` values; empty: any. YAML: `issuers`.
    public var issuers: [String] = []
    /// Accepted audiences (the token's `aud` must hold one); empty: not checked. YAML: `audiences`.
    public var audiences: [String] = []
    /// Clock skew allowed on exp, nbf and iat. Default 60s. YAML: `leeway`.
    public var leeway: Duration = .seconds(60)
    /// The claim naming the consumer. Default `sub`. YAML: `consumer_claim`.
    public var consumerClaim = "sub"
    /// The claims read for scopes, first present wins. Default `[scope, scp]`. YAML: `scope_claims`.
    public var scopeClaims = ["scope", "scp"]
    /// Accepted algorithms; empty: all that the keys allow. YAML: `algorithms`.
    public var algorithms: [String] = []

    public static let algorithmNames = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                        "ES256", "ES384", "ES512", "EdDSA"]

    public init() {}
}

/// A request rate: `count` per `periodSeconds`, and `burst` more at once. YAML: `rate: 100/s` (`/s`, `/m`, `/h`)
/// and `burst: 20` (default 0).
public struct RateConfig: Sendable, Hashable {
    public var count: Int
    public var periodSeconds: Int
    public var burst: Int

    public init(count: Int, periodSeconds: Int, burst: Int = 0) {
        self.count = count
        self.periodSeconds = periodSeconds
        self.burst = burst
    }
}

/// A consumer plan: a rate for each consumer on it, and quotas. YAML: an item of `plans`.
public struct PlanConfig: Sendable, Equatable {
    /// YAML: `name` (required, unique).
    public var name: String
    /// Requests per consumer across all routes. YAML: `rate`, `burst`. Default none.
    public var rate: RateConfig?
    /// Requests per consumer per UTC day and per UTC month. YAML: `quota_day`, `quota_month`. Default none.
    public var quotaDay: Int?
    public var quotaMonth: Int?

    public init(name: String, rate: RateConfig? = nil, quotaDay: Int? = nil, quotaMonth: Int? = nil) {
        self.name = name
        self.rate = rate
        self.quotaDay = quotaDay
        self.quotaMonth = quotaMonth
    }
}

/// A consumer defined in the file (others are made at run time with nexusctl). Its id is its name.
/// YAML: an item of `consumers`: `name` (1 to 64 characters of `A-Z a-z 0-9 _ -`), `scopes`, `plan`.
public struct ConsumerConfig: Sendable, Equatable {
    public var name: String
    public var scopes: [String]
    public var plan: String?

    public init(name: String, scopes: [String] = [], plan: String? = nil) {
        self.name = name
        self.scopes = scopes
        self.plan = plan
    }
}

/// A rate limit on one route. YAML: an item of a route's `rate_limits`: `per` (`ip`, `route` or `consumer`),
/// `rate`, `burst`.
public struct RouteRateLimit: Sendable, Hashable {
    public enum Key: String, Sendable, CaseIterable {
        /// Each client address on this route.
        case ip
        /// The route as a whole.
        case route
        /// Each consumer on this route.
        case consumer
    }

    public var per: Key
    public var rate: RateConfig

    public init(per: Key, rate: RateConfig) {
        self.per = per
        self.rate = rate
    }
}
