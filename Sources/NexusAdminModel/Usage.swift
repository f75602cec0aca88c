/// One row of `GET /v1/usage`: the requests of one route and consumer in one period.
public struct UsageRow: Codable, Sendable, Equatable {
    /// The period's start (seconds since the epoch, UTC hour or day); nil for `period=total`.
    public var periodStart: Int?
    public var route: String
    /// nil for requests not authenticated as a consumer.
    public var consumer: String?
    public var requests: Int
    /// Answers with a 4xx status.
    public var clientErrors: Int
    /// Answers with a 5xx status.
    public var serverErrors: Int
    /// Requests the gateway refused itself (401, 403, 429); also counted in `requests` and `client_errors`.
    public var rejected: Int

    public init(periodStart: Int?, route: String, consumer: String?, requests: Int, clientErrors: Int, serverErrors: Int,
                rejected: Int = 0) {
        self.rejected = rejected
        self.periodStart = periodStart
        self.route = route
        self.consumer = consumer
        self.requests = requests
        self.clientErrors = clientErrors
        self.serverErrors = serverErrors
    }

    enum CodingKeys: String, CodingKey {
        case route, consumer, requests, rejected
        case periodStart = "period_start"
        case clientErrors = "client_errors"
        case serverErrors = "server_errors"
    }
}

/// `GET /v1/usage`.
public struct UsageList: Codable, Sendable, Equatable {
    public var period: String
    public var rows: [UsageRow]

    public init(period: String, rows: [UsageRow]) {
        self.period = period
        self.rows = rows
    }
}

/// The filters of `GET /v1/usage`: `consumer`, `route`, `since` and `until` (seconds since the epoch) and `period`
/// (`hour`, `day` (default) or `total`).
public struct UsageQuery: Sendable, Equatable {
    public enum Period: String, Sendable, CaseIterable {
        case hour, day, total
    }

    public var consumer: String?
    public var route: String?
    public var since: Int?
    public var until: Int?
    public var period: Period

    public init(consumer: String? = nil, route: String? = nil, since: Int? = nil, until: Int? = nil, period: Period = .day) {
        self.consumer = consumer
        self.route = route
        self.since = since
        self.until = until
        self.period = period
    }

    public var queryString: String {
        AdminQuery.encode([("consumer", consumer), ("route", route), ("since", since.map(String.init)),
                           ("until", until.map(String.init)), ("period", period.rawValue)])
    }

    public static func parse(_ q: [String: String]) -> Result<UsageQuery, AdminQueryError> {
        var out = UsageQuery()
        for (key, value) in q {
            switch key {
            case "since", "until":
                if let e = AdminQuery.timeBound(key, value, since: &out.since, until: &out.until) { return .failure(e) }
            case "consumer":
                guard ConsumerRules.isValidID(value) else { return .failure(AdminQueryError("consumer must be a consumer id")) }
                out.consumer = value
            case "route":
                guard (1...256).contains(value.utf8.count) else { return .failure(AdminQueryError("route must be a route name")) }
                out.route = value
            case "period":
                guard let p = Period(rawValue: value) else { return .failure(AdminQueryError("period must be hour, day or total")) }
                out.period = p
            default:
                return .failure(AdminQueryError("unknown query parameter '\(key.prefix(32))'; known: consumer, route, since, until, period"))
            }
        }
        return .success(out)
    }
}
