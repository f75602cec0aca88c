/// One field line of the head, as offsets into the head bytes.
public struct HeaderField: Sendable, Equatable {
    /// The field name, as sent (compare ignoring case).
    public var name: Range<Int>
    /// The field value, with leading and trailing OWS removed.
    public var value: Range<Int>

    public init(name: Range<Int>, value: Range<Int>) {
        self.name = name
        self.value = value
    }
}

/// A parsed request head: the request line, the fields and the framing and connection facts derived from them.
///
/// Every range is an offset into the head bytes that were parsed (the buffer handed to `HeadParser.parse`).
/// Reuse one value per connection and call `reset()` (the parser does): the fields array keeps its capacity.
public struct RequestHead: Sendable, Equatable {
    public var method: HTTPMethod = .get
    public var version: HTTPVersion = .http11
    public var methodRange: Range<Int> = 0..<0
    /// The request target as sent.
    public var targetRange: Range<Int> = 0..<0
    /// The path: the target up to '?'. Empty for authority-form (CONNECT) and for an absolute-form target without
    /// a path ("http://h" means "/"); the "*" of OPTIONS * is its own path.
    public var pathRange: Range<Int> = 0..<0
    /// The query, after '?' (may be empty), or nil when the target has no '?'.
    public var queryRange: Range<Int>?
    /// Every field line, in order.
    public var fields: [HeaderField] = []
    /// The body length when the body is framed by Content-Length.
    public var contentLength: Int?
    /// True when the body is framed by `Transfer-Encoding: chunked`.
    public var isChunked: Bool = false
    /// Whether the connection may stay open: HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive" (and no "close").
    public var keepAlive: Bool = true
    /// True for `Expect: 100-continue` in an HTTP/1.1 request.
    public var expectContinue: Bool = false
    /// The authority: the absolute-form or authority-form target's, else the Host field's value.
    public var hostRange: Range<Int>?
    /// True when an Upgrade field is present.
    public var hasUpgrade: Bool = false

    public init() {}

    /// True when the request has a body to read (Content-Length > 0 or chunked).
    @inlinable public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }

    /// Returns to the initial state, keeping the fields array's capacity.
    public mutating func reset() {
        method = .get
        version = .http11
        methodRange = 0..<0
        targetRange = 0..<0
        pathRange = 0..<0
        queryRange = nil
        fields.removeAll(keepingCapacity: true)
        contentLength = nil
        isChunked = false
        keepAlive = true
        expectContinue = false
        hostRange = nil
        hasUpgrade = false
    }

    /// The value of the first field named `name` (ASCII case-insensitive), or nil.
    public func value(of name: StaticString, in head: UnsafeRawBufferPointer) -> Range<Int>? {
        let n = name.utf8CodeUnitCount
        let u = name.utf8Start
        for f in fields where f.name.count == n && f.name.upperBound <= head.count {
            var k = 0
            while k < n, ByteClass.lower(head[f.name.lowerBound &+ k]) == ByteClass.lower(u[k]) { k &+= 1 }
            if k == n { return f.value }
        }
        return nil
    }

    /// A body decoder for this head's body, or nil when it has none.
    public func bodyDecoder(limits: HTTP1Limits) -> BodyDecoder? {
        if isChunked { return BodyDecoder(chunkedWith: limits) }
        if let n = contentLength, n > 0 { return BodyDecoder(contentLength: n) }
        return nil
    }
}
