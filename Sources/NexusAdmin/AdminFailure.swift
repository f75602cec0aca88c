/// A handler's refusal, answered as an RFC 9457 problem with this status, e.g. 409 for a duplicate name or 507 when
/// the durable state's disk is full.
///
/// `detail` must be a fixed text written by nexusd, never bytes of the request (the problem goes back to the caller
/// and into nobody's log). A `status` outside 400...599 is answered as 500.
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
