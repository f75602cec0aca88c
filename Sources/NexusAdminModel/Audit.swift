/// One entry of the audit log: an admin action or an authentication failure, who did it and how it ended.
public struct AuditEntry: Codable, Sendable, Equatable {
    /// The entry's sequence number in the audit log.
    public var sequence: UInt64
    /// When, in milliseconds since the Unix epoch.
    public var unixMilliseconds: Int
    /// When, as RFC 3339 UTC with milliseconds.
    public var time: String
    /// What was done, e.g. `consumers.create`, `keys.revoke`, `config.reload`, `auth.failure`.
    public var action: String
    /// `ok`, `refused` (the request was wrong) or `failed` (nexusd could not do it).
    public var outcome: String
    /// The admin caller as the kernel vouched for it (SO_PEERCRED); nil for entries not made by an admin.
    public var uid: UInt32?
    public var gid: UInt32?
    public var pid: Int32?
    /// The consumer the action concerns, if any.
    public var consumer: String?
    /// The object acted on (a key id, a route name, ...), if any.
    public var target: String?
    /// More about it, for people (never a secret).
    public var detail: String?
    /// The client address, for a request on the admin TCP listener (authenticated by the admin token).
    public var remote: String?

    public init(sequence: UInt64, unixMilliseconds: Int, time: String, action: String, outcome: String,
                uid: UInt32? = nil, gid: UInt32? = nil, pid: Int32? = nil, consumer: String? = nil,
                target: String? = nil, detail: String? = nil, remote: String? = nil) {
        self.remote = remote
        self.sequence = sequence
        self.unixMilliseconds = unixMilliseconds
        self.time = time
        self.action = action
        self.outcome = outcome
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.consumer = consumer
        self.target = target
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case sequence, time, action, outcome, uid, gid, pid, consumer, target, detail, remote
        case unixMilliseconds = "unix_ms"
    }
}

/// `GET /v1/audit`: the newest matching entries, oldest first.
public struct AuditList: Codable, Sendable, Equatable {
    public var entries: [AuditEntry]

    public init(entries: [AuditEntry]) { self.entries = entries }
}

/// The filters of `GET /v1/audit` (query parameters `since`, `until` (seconds since the epoch, inclusive),
/// `consumer`, `action` (exact, or a prefix ending in `.` such as `keys.`) and `limit` (1...10000, default 100)).
public struct AuditQuery: Sendable, Equatable {
    public var since: Int?
    public var until: Int?
    public var consumer: String?
    public var action: String?
    public var limit: Int

    public static let defaultLimit = 100
    public static let maxLimit = 10_000

    public init(since: Int? = nil, until: Int? = nil, consumer: String? = nil, action: String? = nil, limit: Int = defaultLimit) {
        self.since = since
        self.until = until
        self.consumer = consumer
        self.action = action
        self.limit = limit
    }

    /// The query string.
    public var queryString: String {
        AdminQuery.encode([("since", since.map(String.init)), ("until", until.map(String.init)), ("consumer", consumer),
                           ("action", action), ("limit", String(limit))])
    }

    /// Parses query parameters; the error is the 400 detail.
    public static func parse(_ q: [String: String]) -> Result<AuditQuery, AdminQueryError> {
        var out = AuditQuery()
        for (key, value) in q {
            switch key {
            case "since", "until":
                if let e = AdminQuery.timeBound(key, value, since: &out.since, until: &out.until) { return .failure(e) }
            case "consumer":
                guard ConsumerRules.isValidID(value) else { return .failure(AdminQueryError("consumer must be a consumer id")) }
                out.consumer = value
            case "action":
                guard (1...64).contains(value.utf8.count), value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                    return .failure(AdminQueryError("action must be 1 to 64 printable characters"))
                }
                out.action = value
            case "limit":
                guard let v = Int(value), (1...maxLimit).contains(v) else { return .failure(AdminQueryError("limit must be 1 to \(maxLimit)")) }
                out.limit = v
            default:
                return .failure(AdminQueryError("unknown query parameter '\(key.prefix(32))'; known: since, until, consumer, action, limit"))
            }
        }
        return .success(out)
    }

    /// Whether `entry` passes the filters (not the limit).
    public func matches(_ e: AuditEntry) -> Bool {
        let seconds = e.unixMilliseconds >= 0 ? e.unixMilliseconds / 1000 : (e.unixMilliseconds - 999) / 1000
        if let since, seconds < since { return false }
        if let until, seconds > until { return false }
        if let consumer, e.consumer != consumer { return false }
        if let action {
            if action.hasSuffix(".") { if !e.action.hasPrefix(action) { return false } } else if e.action != action { return false }
        }
        return true
    }
}

/// A query parameter that breaks a rule; `detail` is the 400's detail.
public struct AdminQueryError: Error, Sendable, Equatable {
    public var detail: String
    public init(_ detail: String) { self.detail = detail }
}
