/// Parses a complete request head (RFC 9112 section 2-3, RFC 9110 fields), strictly.
///
/// Anything that could let two parsers disagree about where a request or its body ends is an error:
/// bare CR or LF, obs-fold, whitespace before a colon, repeated or malformed Content-Length, any
/// Transfer-Encoding other than a single `chunked`, both framings at once, a missing or repeated Host.
public enum HeadParser {
    /// Parses `head`, which must hold exactly the bytes `HeadScanner` reported (up to and including CRLFCRLF).
    ///
    /// `into` is reset first; its ranges point into `head`. Allocates only when the fields array must grow.
    public static func parse(_ head: UnsafeRawBufferPointer, limits: HTTP1Limits,
                             into r: inout RequestHead) throws(HTTPParseError) {
        r.reset()
        let n = head.count
        guard n > 0, let base = head.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw .bad("empty request head")
        }
        if n > limits.maxHeaderBytes { throw HTTPParseError(status: 431, detail: "request head too large") }
        let p = UnsafeBufferPointer(start: base, count: n)

        var i = 0
        var emptyLines = 0
        while i &+ 1 < n && p[i] == .cr && p[i &+ 1] == .lf {
            emptyLines &+= 1
            if emptyLines > HeadScanner.maxLeadingEmptyLines { throw .bad("too many empty lines before request") }
            i &+= 2
        }

        // Request line.
        let lf = try lineEnd(p, from: i)
        if lf &- 1 &- i > limits.maxRequestLineBytes { throw HTTPParseError(status: 414, detail: "request line too long") }
        try parseRequestLine(p, i..<(lf &- 1), into: &r)
        i = lf &+ 1
        var f = FieldFacts()
        f.targetAuthority = r.hostRange

        // Field lines: each is scanned once, validating as it goes, up to its CRLF.
        while true {
            if i &+ 1 < n && p[i] == .cr && p[i &+ 1] == .lf { i &+= 2; break } // the empty line
            if r.fields.count >= limits.maxHeaderCount {
                throw HTTPParseError(status: 431, detail: "too many header fields")
            }
            i = try parseField(p, from: i, into: &r, &f)
        }
        guard i == n else { throw .bad("bytes after the request head") }

        // Framing and connection facts.
        if f.transferEncodingCount > 0 {
            if f.contentLengthCount > 0 { throw .bad("both Content-Length and Transfer-Encoding") }
            r.isChunked = true
        }
        if let cl = r.contentLength, cl > limits.maxBodyBytes {
            throw HTTPParseError(status: 413, detail: "request body too large")
        }
        if r.version == .http11 {
            if f.hostCount == 0 { throw .bad("missing Host") }
            r.keepAlive = !f.connectionClose
        } else {
            r.keepAlive = f.connectionKeepAlive && !f.connectionClose
            r.expectContinue = false // RFC 9110 10.1.1: ignore 100-continue from HTTP/1.0
        }
        if let a = f.targetAuthority { r.hostRange = a }
    }

    /// What the field lines said, gathered while parsing them.
    struct FieldFacts {
        var contentLengthCount = 0
        var transferEncodingCount = 0
        var hostCount = 0
        var connectionClose = false
        var connectionKeepAlive = false
        var targetAuthority: Range<Int>?
    }

    /// The offset of the LF ending the line that starts at `from`; the byte before it must be CR.
    @inline(__always)
    static func lineEnd(_ p: UnsafeBufferPointer<UInt8>, from: Int) throws(HTTPParseError) -> Int {
        let n = p.count
        let j = ByteClass.firstIndex(of: .lf, in: p, from: from)
        guard j < n else { throw .bad("incomplete request head") }
        guard j > from, p[j &- 1] == .cr else { throw .bad("bare LF in request head") }
        return j
    }

    // MARK: Request line

    static func parseRequestLine(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>,
                                 into r: inout RequestHead) throws(HTTPParseError) {
        let s = line.lowerBound, e = line.upperBound
        var j = s
        while j < e && ByteClass.isTokenChar(p[j]) { j &+= 1 }
        guard j > s, j < e, p[j] == .sp else { throw .bad("invalid method") }
        r.methodRange = s..<j
        r.method = HTTPMethod.recognise(UnsafeRawBufferPointer(p), s..<j)

        let ts = j &+ 1
        var k = ts
        while k < e, case let c = p[k], c >= 0x21 && c <= 0x7E && c != UInt8(ascii: "#") { k &+= 1 }
        guard k > ts, k < e, p[k] == .sp else { throw .bad("invalid request target") }
        r.targetRange = ts..<k

        r.version = try parseVersion(p, (k &+ 1)..<e)
        try parseTarget(p, ts..<k, into: &r)
    }

    static func parseVersion(_ p: UnsafeBufferPointer<UInt8>, _ v: Range<Int>) throws(HTTPParseError) -> HTTPVersion {
        let s = v.lowerBound
        guard v.count == 8, p[s] == UInt8(ascii: "H"), p[s &+ 1] == UInt8(ascii: "T"), p[s &+ 2] == UInt8(ascii: "T"),
              p[s &+ 3] == UInt8(ascii: "P"), p[s &+ 4] == UInt8(ascii: "/"), ByteClass.isDigit(p[s &+ 5]),
              p[s &+ 6] == UInt8(ascii: "."), ByteClass.isDigit(p[s &+ 7]) else {
            throw .bad("invalid HTTP version")
        }
        guard p[s &+ 5] == UInt8(ascii: "1") else {
            throw HTTPParseError(status: 505, detail: "HTTP version not supported")
        }
        switch p[s &+ 7] {
        case UInt8(ascii: "1"): return .http11
        case UInt8(ascii: "0"): return .http10
        default: throw .bad("invalid HTTP version")
        }
    }

    static func parseTarget(_ p: UnsafeBufferPointer<UInt8>, _ t: Range<Int>,
                            into r: inout RequestHead) throws(HTTPParseError) {
        let s = t.lowerBound, e = t.upperBound
        let first = p[s]
        if first == UInt8(ascii: "/") {
            guard r.method != .connect else { throw .bad("CONNECT needs an authority-form target") }
            splitPathQuery(p, s..<e, into: &r)
            return
        }
        if first == UInt8(ascii: "*") && e &- s == 1 {
            guard r.method == .options else { throw .bad("asterisk-form is only for OPTIONS") }
            r.pathRange = t
            return
        }
        if r.method == .connect {
            guard Authority.isValid(p, t, requirePort: true) else { throw .bad("invalid CONNECT target") }
            r.pathRange = s..<s
            r.hostRange = t
            return
        }
        // absolute-form: "http://" or "https://", an authority, then an optional path and query.
        let raw = UnsafeRawBufferPointer(p)
        var a: Int
        if e &- s > 7 && ByteClass.equalsIgnoringCase(raw, s..<(s &+ 7), "http://") {
            a = s &+ 7
        } else if e &- s > 8 && ByteClass.equalsIgnoringCase(raw, s..<(s &+ 8), "https://") {
            a = s &+ 8
        } else {
            throw .bad("invalid request target")
        }
        let authorityStart = a
        while a < e && p[a] != UInt8(ascii: "/") && p[a] != UInt8(ascii: "?") { a &+= 1 }
        let authority = authorityStart..<a
        guard Authority.isValid(p, authority, requirePort: false) else { throw .bad("invalid authority in request target") }
        splitPathQuery(p, a..<e, into: &r)
        // Remembered apart: a Host field seen later must not replace it.
        r.hostRange = authority
    }

    @inline(__always)
    static func splitPathQuery(_ p: UnsafeBufferPointer<UInt8>, _ t: Range<Int>, into r: inout RequestHead) {
        var q = t.lowerBound
        while q < t.upperBound && p[q] != UInt8(ascii: "?") { q &+= 1 }
        r.pathRange = t.lowerBound..<q
        r.queryRange = q < t.upperBound ? (q &+ 1)..<t.upperBound : nil
    }
}

extension UInt8 {
    @usableFromInline static let cr: UInt8 = 0x0D
    @usableFromInline static let lf: UInt8 = 0x0A
    @usableFromInline static let sp: UInt8 = 0x20
    @usableFromInline static let htab: UInt8 = 0x09
}
