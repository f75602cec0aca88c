/// What `HeadScanner.scan` found.
public enum HeadScanResult: Sendable, Equatable {
    /// The head has not ended yet: call again with more bytes.
    case incomplete
    /// The head is the first `headLength` bytes, up to and including the final CRLFCRLF.
    case complete(headLength: Int)
    /// The head can never be valid (limit exceeded or broken line ending): answer with the error and close.
    case failed(HTTPParseError)
}

/// Finds the end of a request head as bytes arrive, split at any byte, and applies the size limits early.
///
/// It looks at each byte once over all calls. It checks line endings (a bare LF fails), the request-line length
/// (414, before the line ends), the head length (431) and the number of field lines (431). Everything else is the
/// parser's job: hand the `headLength` bytes to `HeadParser.parse`.
public struct HeadScanner: Sendable {
    /// At most this many empty lines may precede the request line (RFC 9112 2.2).
    public static let maxLeadingEmptyLines = 4

    @usableFromInline var position = 0        // next byte to look at
    @usableFromInline var lineStart = 0       // first byte of the current line
    @usableFromInline var sawRequestLine = false
    @usableFromInline var leadingEmptyLines = 0
    @usableFromInline var fieldLines = 0
    @usableFromInline var finished: HeadScanResult = .incomplete

    public init() {}

    /// Forgets the current head (call it before the next request of the connection).
    public mutating func reset() { self = HeadScanner() }

    /// Scans the bytes received so far for this head.
    ///
    /// `buffer` holds every byte received so far for this request head, from its first byte; the scan resumes
    /// where the last call stopped. Once `.complete` or `.failed` is returned, later calls return the same.
    public mutating func scan(_ buffer: UnsafeRawBufferPointer, limits: HTTP1Limits) -> HeadScanResult {
        if finished != .incomplete { return finished }
        if buffer.count < position { self = HeadScanner() } // caller handed a shorter buffer: start over
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return .incomplete }
        var i = position
        // Clamped so that offset arithmetic below cannot overflow whatever the configuration says.
        let maxLine = min(max(limits.maxRequestLineBytes, 0), 1 << 40)
        let headCap = min(max(limits.maxHeaderBytes, 0), 1 << 40)
        while true {
            // Find the next LF; cap the search at where a limit would be crossed.
            var stop = count
            if stop > headCap { stop = headCap }
            if !sawRequestLine {
                let lineCap = lineStart &+ maxLine &+ 2 // the line and its CRLF
                if stop > lineCap { stop = lineCap }
            }
            if i < stop { i = ByteClass.firstIndex(of: .lf, in: UnsafeBufferPointer(start: base, count: stop), from: i) }
            if i >= stop {
                position = i
                // No LF within maxRequestLineBytes + 2 bytes: the line without its CRLF is already too long.
                if !sawRequestLine && i &- lineStart >= maxLine &+ 2 {
                    return fail(414, "request line too long")
                }
                // No final LF within the first maxHeaderBytes bytes: the head would be longer.
                if i >= headCap { return fail(431, "request head too large") }
                return .incomplete
            }
            // base[i] is LF.
            if i == lineStart || base[i &- 1] != 0x0D { return fail(400, "bare LF in request head") }
            let lineLength = i &- 1 &- lineStart
            i &+= 1
            lineStart = i
            if lineLength == 0 {
                if sawRequestLine { return finish(.complete(headLength: i)) }
                leadingEmptyLines &+= 1
                if leadingEmptyLines > HeadScanner.maxLeadingEmptyLines { return fail(400, "too many empty lines before request") }
            } else if !sawRequestLine {
                if lineLength > maxLine { return fail(414, "request line too long") }
                sawRequestLine = true
            } else {
                fieldLines &+= 1
                if fieldLines > limits.maxHeaderCount { return fail(431, "too many header fields") }
            }
        }
    }

    @inline(__always) mutating func fail(_ status: Int, _ detail: String) -> HeadScanResult {
        finish(.failed(HTTPParseError(status: status, detail: detail)))
    }

    @inline(__always) mutating func finish(_ r: HeadScanResult) -> HeadScanResult {
        finished = r
        return r
    }
}
