/// Finds the end of an upstream response head: `HeadScanner` with every failure answered as 502.
///
/// The status line is held to `maxRequestLineBytes`, the head to `maxHeaderBytes` and `maxHeaderCount`; a proxy
/// usually gives upstream responses their own, larger `HTTP1Limits` (Set-Cookie heads are big).
public struct ResponseHeadScanner: Sendable {
    @usableFromInline var scanner = HeadScanner()

    public init() {}

    /// Forgets the current head (call it before the next response of the upstream connection).
    public mutating func reset() { scanner.reset() }

    /// Scans the bytes received so far for this head; see `HeadScanner.scan`.
    public mutating func scan(_ buffer: UnsafeRawBufferPointer, limits: HTTP1Limits) -> HeadScanResult {
        switch scanner.scan(buffer, limits: limits) {
        case .failed(let e):
            switch e.status {
            case 414: return .failed(.upstream("upstream status line too long"))
            case 431: return .failed(.upstream("upstream response head too large"))
            default: return .failed(.upstream("malformed upstream response head"))
            }
        case let r:
            return r
        }
    }
}

extension HTTPParseError {
    /// A fault of the upstream's response: the proxy answers 502 Bad Gateway.
    @inlinable static func upstream(_ detail: String) -> HTTPParseError { HTTPParseError(status: 502, detail: detail) }
}
