// Principal: who a request is, once authenticated.

/// A consumer's request-rate plan: a sustained rate with a burst, and optional daily and monthly quotas.
public struct Plan: Sendable, Hashable {
    public var name: String
    public var limit: RateLimit?
    public var quotaPerDay: Int?
    public var quotaPerMonth: Int?

    public init(name: String, limit: RateLimit?, quotaPerDay: Int?, quotaPerMonth: Int?) {
        self.name = name
        self.limit = limit
        self.quotaPerDay = quotaPerDay
        self.quotaPerMonth = quotaPerMonth
    }
}

/// An authenticated caller: the consumer, the scopes this credential grants, the consumer's plan. Immutable and
/// shared by every loop.
public final class Principal: Sendable {
    /// The consumer's id.
    public let consumer: String
    /// A small number unique to the consumer in this process (its cell in the per-consumer limit and quota tables).
    public let index: Int
    /// The scopes granted: the key's (a subset of the consumer's), or the consumer's when the key names none.
    public let scopes: Set<String>
    public let plan: Plan?
    /// When the credential stops working (seconds since the epoch), if it does.
    public let expiresAt: Int?
    /// The key's id (for logs and the audit log; never the key).
    public let keyID: String

    public init(consumer: String, index: Int, scopes: Set<String>, plan: Plan?, expiresAt: Int?, keyID: String) {
        self.consumer = consumer
        self.index = index
        self.scopes = scopes
        self.plan = plan
        self.expiresAt = expiresAt
        self.keyID = keyID
    }

    /// Whether every scope of `required` is granted.
    @inlinable
    public func allows(_ required: [String]) -> Bool {
        required.allSatisfy { scopes.contains($0) }
    }
}
