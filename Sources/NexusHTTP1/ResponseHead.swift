/// A parsed upstream response head: the status line, the fields and the framing and connection facts.
///
/// Every range is an offset into the head bytes handed to `ResponseHeadParser.parse`. Reuse one value per upstream
/// connection; the parser calls `reset()`, which keeps the arrays' capacity.
public struct ResponseHead: Sendable, Equatable {
    /// The status code, 100...599.
    public var status: Int = 0
    public var version: HTTPVersion = .http11
    /// The reason phrase as sent (may be empty).
    public var reasonRange: Range<Int> = 0..<0
    /// Every field line, in order.
    public var fields: [HeaderField] = []
    /// The Content-Length value, when the field is present (even where it frames nothing: HEAD, 304).
    public var contentLength: Int?
    /// True when `Transfer-Encoding: chunked` is present.
    public var isChunked: Bool = false
    /// Whether the upstream connection may be reused after this response, as far as the head says: HTTP/1.1
    /// unless "close"; HTTP/1.0 only with "keep-alive". A close-delimited body (`ResponseFraming.untilClose`)
    /// also ends the connection.
    public var keepAlive: Bool = true
    /// True when an Upgrade field is present.
    public var hasUpgrade: Bool = false
    /// The options listed in every Connection field, in order (each a token: compare ignoring case).
    public var connectionTokens: [Range<Int>] = []

    public init() {}

    /// True for 1xx (interim) responses: a final response follows (except after 101).
    @inlinable public var isInformational: Bool { status >= 100 && status < 200 }

    /// Returns to the initial state, keeping the arrays' capacity.
    public mutating func reset() {
        status = 0
        version = .http11
        reasonRange = 0..<0
        fields.removeAll(keepingCapacity: true)
        contentLength = nil
        isChunked = false
        keepAlive = true
        hasUpgrade = false
        connectionTokens.removeAll(keepingCapacity: true)
    }

    /// The value of the first field named `name` (`name` lowercase), or nil.
    public func value(of name: StaticString, in head: UnsafeRawBufferPointer) -> Range<Int>? {
        for f in fields where f.name.upperBound <= head.count && ByteClass.equalsIgnoringCase(head, f.name, name) {
            return f.value
        }
        return nil
    }

    /// True when a Connection field lists `token` (`token` lowercase).
    public func connectionLists(_ token: StaticString, in head: UnsafeRawBufferPointer) -> Bool {
        for t in connectionTokens where t.upperBound <= head.count && ByteClass.equalsIgnoringCase(head, t, token) {
            return true
        }
        return false
    }
}
