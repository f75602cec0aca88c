/// Parses a complete upstream response head (RFC 9112 4, RFC 9110 fields) as strictly as `HeadParser` parses
/// requests; every error is a 502 for the proxy.
///
/// Refused: leading empty lines, a status line other than `HTTP/1.x SP 3DIGIT SP reason` (the SP after the code
/// is required, the reason may be empty), a status outside 100...599, bare CR or LF, obs-fold, whitespace before a
/// colon, a repeated or malformed Content-Length, any Transfer-Encoding other than a single `chunked` (RFC 9112
/// 6.1 lets a proxy refuse codings it does not know, and a proxy that only forwards has no use for gzip framing),
/// Transfer-Encoding in an HTTP/1.0 response, and Content-Length together with Transfer-Encoding. Lenient
/// upstream parsing is how response splitting and cache poisoning reach clients, so nothing is repaired.
public enum ResponseHeadParser {
    /// Parses `head`, which must hold exactly the bytes `ResponseHeadScanner` reported (up to and including CRLFCRLF).
    ///
    /// `into` is reset first; its ranges point into `head`. Allocates only when its arrays must grow.
    public static func parse(_ head: UnsafeRawBufferPointer, limits: HTTP1Limits,
                             into r: inout ResponseHead) throws(HTTPParseError) {
        r.reset()
        let n = head.count
        guard n > 0, let base = head.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw .upstream("empty upstream response head")
        }
        if n > limits.maxHeaderBytes { throw .upstream("upstream response head too large") }
        let p = UnsafeBufferPointer(start: base, count: n)

        // Status line.
        let lf = try lineEnd(p, from: 0)
        if lf &- 1 > limits.maxRequestLineBytes { throw .upstream("upstream status line too long") }
        try parseStatusLine(p, 0..<(lf &- 1), into: &r)
        var i = lf &+ 1

        var contentLengths = 0
        var transferEncodings = 0
        var close = false
        var keepAlive = false
        while true {
            if i &+ 1 < n && p[i] == .cr && p[i &+ 1] == .lf { i &+= 2; break } // the empty line
            if r.fields.count >= limits.maxHeaderCount { throw .upstream("too many upstream header fields") }
            let (name, value, next) = try parseFieldLine(p, from: i)
            r.fields.append(HeaderField(name: name, value: value))
            i = next

            let raw = UnsafeRawBufferPointer(p)
            switch name.count {
            case 7 where ByteClass.equalsIgnoringCase(raw, name, "upgrade"):
                r.hasUpgrade = true
            case 10 where ByteClass.equalsIgnoringCase(raw, name, "connection"):
                try parseConnection(p, value, into: &r, close: &close, keepAlive: &keepAlive)
            case 14 where ByteClass.equalsIgnoringCase(raw, name, "content-length"):
                contentLengths &+= 1
                guard contentLengths == 1 else { throw .upstream("more than one upstream Content-Length") }
                do { r.contentLength = try HeadParser.parseContentLength(p, value) } catch {
                    throw .upstream("invalid upstream Content-Length")
                }
            case 17 where ByteClass.equalsIgnoringCase(raw, name, "transfer-encoding"):
                transferEncodings &+= 1
                guard transferEncodings == 1 else { throw .upstream("more than one upstream Transfer-Encoding") }
                guard r.version == .http11 else { throw .upstream("Transfer-Encoding in an HTTP/1.0 response") }
                guard ByteClass.equalsIgnoringCase(raw, value, "chunked") else {
                    throw .upstream("unsupported upstream Transfer-Encoding")
                }
                r.isChunked = true
            default:
                break
            }
        }
        guard i == n else { throw .upstream("bytes after the upstream response head") }
        if r.isChunked && contentLengths > 0 { throw .upstream("upstream sent both Content-Length and Transfer-Encoding") }
        r.keepAlive = r.version == .http11 ? !close : keepAlive && !close
    }

    /// The offset of the LF ending the line that starts at `from`; the byte before it must be CR.
    @inline(__always)
    static func lineEnd(_ p: UnsafeBufferPointer<UInt8>, from: Int) throws(HTTPParseError) -> Int {
        let j = ByteClass.firstIndex(of: .lf, in: p, from: from)
        guard j < p.count else { throw .upstream("incomplete upstream response head") }
        guard j > from, p[j &- 1] == .cr else { throw .upstream("bare LF in upstream response head") }
        return j
    }

    /// status-line = HTTP-version SP status-code SP [ reason-phrase ].
    static func parseStatusLine(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>,
                                into r: inout ResponseHead) throws(HTTPParseError) {
        let s = line.lowerBound, e = line.upperBound
        guard e &- s >= 13, p[s &+ 8] == .sp, p[s &+ 12] == .sp else { throw .upstream("invalid upstream status line") }
        do { r.version = try HeadParser.parseVersion(p, s..<(s &+ 8)) } catch {
            throw .upstream("invalid upstream HTTP version")
        }
        var status = 0
        for k in (s &+ 9)..<(s &+ 12) {
            guard ByteClass.isDigit(p[k]) else { throw .upstream("invalid upstream status code") }
            status = status &* 10 &+ Int(p[k] &- 0x30)
        }
        guard status >= 100 && status <= 599 else { throw .upstream("invalid upstream status code") }
        r.status = status
        // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ); a CR here is a bare CR (the line ends at CRLF).
        for k in (s &+ 13)..<e where !ByteClass.isFieldValueChar(p[k]) {
            throw .upstream("invalid upstream reason phrase")
        }
        r.reasonRange = (s &+ 13)..<e
    }

    /// Validates the field line starting at `s`; returns its name, its value without OWS and the offset after CRLF.
    ///
    /// The same rules as `HeadParser.parseField`, which is bound to `RequestHead` and request-only fields.
    static func parseFieldLine(_ p: UnsafeBufferPointer<UInt8>, from s: Int)
        throws(HTTPParseError) -> (Range<Int>, Range<Int>, Int) {
        let e = p.count
        guard s < e else { throw .upstream("incomplete upstream response head") }
        if p[s] == .sp || p[s] == .htab { throw .upstream("obsolete line folding in upstream response") }
        var j = s
        while j < e && ByteClass.isTokenChar(p[j]) { j &+= 1 }
        guard j < e, j > s, p[j] == UInt8(ascii: ":") else {
            if j < e && (p[j] == .sp || p[j] == .htab) { throw .upstream("whitespace before colon in upstream response") }
            throw .upstream("invalid upstream field name")
        }
        var k = j &+ 1
        while k < e && ByteClass.isFieldValueChar(p[k]) { k &+= 1 }
        guard k &+ 1 < e else { throw .upstream("incomplete upstream response head") }
        guard p[k] == .cr && p[k &+ 1] == .lf else {
            if p[k] == .lf { throw .upstream("bare LF in upstream response head") }
            if p[k] == .cr { throw .upstream("bare CR in upstream response head") }
            throw .upstream("invalid character in upstream field value")
        }
        return (s..<j, HeadParser.trimOWS(p, (j &+ 1)..<k), k &+ 2)
    }

    /// Connection = #connection-option; records every option and notes close / keep-alive.
    static func parseConnection(_ p: UnsafeBufferPointer<UInt8>, _ v: Range<Int>, into r: inout ResponseHead,
                                close: inout Bool, keepAlive: inout Bool) throws(HTTPParseError) {
        let raw = UnsafeRawBufferPointer(p)
        var k = v.lowerBound
        while k <= v.upperBound {
            var end = k
            while end < v.upperBound && p[end] != UInt8(ascii: ",") { end &+= 1 }
            let t = HeadParser.trimOWS(p, k..<end)
            for c in t where !ByteClass.isTokenChar(p[c]) { throw .upstream("invalid upstream Connection") }
            if !t.isEmpty {
                r.connectionTokens.append(t)
                if ByteClass.equalsIgnoringCase(raw, t, "close") { close = true }
                else if ByteClass.equalsIgnoringCase(raw, t, "keep-alive") { keepAlive = true }
            }
            k = end &+ 1
        }
    }
}
