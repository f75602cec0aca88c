/// Why a request was refused: the status to answer with and a short text for a problem+json body.
///
/// The detail is always one of the fixed texts in this module: it never contains bytes of the request.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400, 413, 414, 417, 431, 501 or 505.
    public var status: Int
    /// Short human text, e.g. "invalid Content-Length".
    public var detail: String

    /// Creates an error. Pass literals: string literals do not allocate.
    public init(status: Int, detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(status) \(detail)" }

    @inlinable static func bad(_ detail: String) -> HTTPParseError { HTTPParseError(status: 400, detail: detail) }
}
