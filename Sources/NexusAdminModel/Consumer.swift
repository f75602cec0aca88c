/// An API consumer: a named client of the gateway and the scopes it is granted.
public struct Consumer: Codable, Sendable, Equatable {
    /// nexusd's id for it: 1 to 64 characters of `A-Z a-z 0-9 _ -` (see `ConsumerRules.isValidID`).
    public var id: String
    /// A name for people, unique among consumers: 1 to 128 bytes of UTF-8, no control characters.
    public var name: String
    /// What it may do, e.g. "orders:read"; each 1 to 64 characters of `A-Z a-z 0-9 _ . : -`.
    public var scopes: [String]
    /// When it was created, in seconds since the Unix epoch.
    public var createdAt: Int
    /// Its plan (rate and quotas; `plans` in the configuration), if any.
    public var plan: String?

    public init(id: String, name: String, scopes: [String] = [], createdAt: Int, plan: String? = nil) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.createdAt = createdAt
        self.plan = plan
    }

    enum CodingKeys: String, CodingKey {
        case id
        case name
        case scopes
        case plan
        case createdAt = "created_at"
    }
}

/// The body of `POST /v1/consumers`. A missing `scopes` key means no scopes.
public struct CreateConsumerRequest: Codable, Sendable, Equatable {
    /// The new consumer's name (see `ConsumerRules.isValidName`).
    public var name: String
    /// Its scopes (see `ConsumerRules.isValidScope`).
    public var scopes: [String]
    /// Its plan, a name from `plans` in the configuration; nil: none.
    public var plan: String?

    public init(name: String, scopes: [String] = [], plan: String? = nil) {
        self.name = name
        self.scopes = scopes
        self.plan = plan
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        scopes = try c.decodeIfPresent([String].self, forKey: .scopes) ?? []
        plan = try c.decodeIfPresent(String.self, forKey: .plan)
    }

    enum CodingKeys: String, CodingKey {
        case name
        case scopes
        case plan
    }
}

/// `GET /v1/consumers`: every consumer, in the order nexusd keeps them.
public struct ConsumerList: Codable, Sendable, Equatable {
    public var consumers: [Consumer]

    public init(consumers: [Consumer]) {
        self.consumers = consumers
    }

    enum CodingKeys: String, CodingKey {
        case consumers
    }
}

/// What a consumer's id, name and scopes may be: checked by nexusd on every request, and usable by whoever makes ids.
public enum ConsumerRules {
    /// 1 to 64 characters of `A-Z a-z 0-9 _ -`: safe in a path segment as is.
    public static func isValidID(_ id: some StringProtocol) -> Bool {
        let u = id.utf8
        return (1...64).contains(u.count) && u.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// 1 to 128 bytes of UTF-8 without control characters (C0, DEL, C1), so it prints on one line.
    public static func isValidName(_ name: String) -> Bool {
        (1...128).contains(name.utf8.count)
            && name.unicodeScalars.allSatisfy { !($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) }
    }

    /// 1 to 64 characters of `A-Z a-z 0-9 _ . : -`.
    public static func isValidScope(_ scope: String) -> Bool {
        let u = scope.utf8
        return (1...64).contains(u.count) && u.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "-")
        }
    }

    /// The 400 detail for a request that breaks a rule, naming the field; nil when the request is valid.
    public static func problem(with request: CreateConsumerRequest) -> String? {
        if !isValidName(request.name) {
            return "name must be 1 to 128 bytes of UTF-8 without control characters"
        }
        if let i = request.scopes.firstIndex(where: { !isValidScope($0) }) {
            return "scopes[\(i)] must be 1 to 64 characters of A-Z a-z 0-9 _ . : -"
        }
        return nil
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }
}
