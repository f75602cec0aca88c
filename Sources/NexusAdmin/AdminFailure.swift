/// A handler's refusal, answered as an RFC 9457 problem with this status, e.g. 409 for a duplicate name or 507 when
/// the durable state's disk is full.
///
/// `detail` is written by nexusd: fixed text, plus at most ids and names that passed their rules (no control
/// characters), never other bytes of the request. A `status` outside 400...599 is answered as 500.
public struct AdminFailure: Error, Sendable, Equatable {
    /// The HTTP status, 400...599.
    public var status: Int
    /// What went wrong, for people.
    public var detail: String

    public init(status: Int, detail: String) {
        self.status = status
        self.detail = detail
    }
}
