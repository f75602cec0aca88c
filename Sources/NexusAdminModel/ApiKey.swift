/// An API key as the admin API shows it: never the secret (only `CreatedKey` carries it, once) and never its hash.
public struct ApiKey: Codable, Sendable, Equatable {
    /// nexusd's id for it, `k_` and 16 hex digits; also the second part of the secret (`nx_<id>_...`).
    public var id: String
    /// The consumer it authenticates as.
    public var consumer: String
    /// A label for people (may be empty).
    public var name: String
    /// The scopes the key grants (a subset of its consumer's; empty means all of them).
    public var scopes: [String]
    /// The start of the secret, to tell keys apart in logs and lists: `nx_<id>_` and 4 characters.
    public var prefix: String
    /// `active`, `expired` or `revoked`, as of the answer.
    public var status: String
    public var createdAt: Int
    /// When it stops working (seconds since the epoch), if ever.
    public var expiresAt: Int?
    /// When it was revoked, if it was.
    public var revokedAt: Int?

    public init(id: String, consumer: String, name: String, scopes: [String], prefix: String, status: String,
                createdAt: Int, expiresAt: Int?, revokedAt: Int?) {
        self.id = id
        self.consumer = consumer
        self.name = name
        self.scopes = scopes
        self.prefix = prefix
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, consumer, name, scopes, prefix, status
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
    }
}

/// `POST /v1/keys`: a key for `consumer`.
public struct CreateKeyRequest: Codable, Sendable, Equatable {
    public var consumer: String
    public var name: String
    public var scopes: [String]
    /// Seconds from now until the key expires; nil: it does not expire.
    public var expiresIn: Int?
    /// A key issued elsewhere, to import (stored as its HMAC, like the others); nil: nexusd makes one.
    public var key: String?

    public init(consumer: String, name: String = "", scopes: [String] = [], expiresIn: Int? = nil, key: String? = nil) {
        self.consumer = consumer
        self.name = name
        self.scopes = scopes
        self.expiresIn = expiresIn
        self.key = key
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        consumer = try c.decode(String.self, forKey: .consumer)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        scopes = try c.decodeIfPresent([String].self, forKey: .scopes) ?? []
        expiresIn = try c.decodeIfPresent(Int.self, forKey: .expiresIn)
        key = try c.decodeIfPresent(String.self, forKey: .key)
    }

    enum CodingKeys: String, CodingKey {
        case consumer, name, scopes, key
        case expiresIn = "expires_in"
    }
}

/// `POST /v1/keys/{id}/rotate`: how long the old key keeps working (0, the default: it stops now).
public struct RotateKeyRequest: Codable, Sendable, Equatable {
    public var grace: Int

    public init(grace: Int = 0) { self.grace = grace }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        grace = try c.decodeIfPresent(Int.self, forKey: .grace) ?? 0
    }

    enum CodingKeys: String, CodingKey { case grace }
}

/// The answer to creating or rotating a key: the only time the secret is shown.
public struct CreatedKey: Codable, Sendable, Equatable {
    public var key: ApiKey
    /// The whole key, `nx_<id>_<43 characters>`: nexusd keeps only its SHA-256.
    public var secret: String
    /// After a rotation: the old key, with when it stops working.
    public var previous: ApiKey?

    public init(key: ApiKey, secret: String, previous: ApiKey? = nil) {
        self.key = key
        self.secret = secret
        self.previous = previous
    }
}

/// `GET /v1/keys`.
public struct KeyList: Codable, Sendable, Equatable {
    public var keys: [ApiKey]

    public init(keys: [ApiKey]) { self.keys = keys }
}

/// What a key request may hold.
public enum KeyRules {
    /// `k_` and 16 lower-case hex digits.
    public static func isValidID(_ id: some StringProtocol) -> Bool {
        id.utf8.count == 18 && id.hasPrefix("k_")
            && id.utf8.dropFirst(2).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// The longest lifetime and grace period accepted: ten years.
    public static let maxSeconds = 10 * 366 * 86_400

    /// The 400 detail for a request that breaks a rule; nil when it is valid.
    public static func problem(with r: CreateKeyRequest) -> String? {
        if !ConsumerRules.isValidID(r.consumer) { return "consumer must be a consumer id" }
        if !r.name.isEmpty && !ConsumerRules.isValidName(r.name) {
            return "name must be at most 128 bytes of UTF-8 without control characters"
        }
        if let i = r.scopes.firstIndex(where: { !ConsumerRules.isValidScope($0) }) {
            return "scopes[\(i)] must be 1 to 64 characters of A-Z a-z 0-9 _ . : -"
        }
        if let e = r.expiresIn, !(1...maxSeconds).contains(e) { return "expires_in must be 1 to \(maxSeconds) seconds" }
        if let k = r.key, !(16...512).contains(k.utf8.count) || !k.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return "key must be 16 to 512 printable ASCII characters without spaces"
        }
        return nil
    }
}
