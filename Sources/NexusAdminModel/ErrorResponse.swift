/// Every error of the admin API: an RFC 9457 problem, sent as application/problem+json.
///
/// `detail` is written by the server from fixed texts; it never echoes bytes of the request.
public struct ErrorResponse: Codable, Sendable, Equatable, Error {
    /// A URI naming the kind of problem; "about:blank" means the status says it all.
    public var type: String
    /// The status's reason phrase, e.g. "Not Found".
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// What went wrong in this request, for people.
    public var detail: String

    public init(type: String = "about:blank", title: String, status: Int, detail: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case type
        case title
        case status
        case detail
    }
}
