extension HeadParser {
    /// Parses the field line starting at `s`, records it and applies the fields that frame the message.
    ///
    /// Returns the offset after its CRLF.
    static func parseField(_ p: UnsafeBufferPointer<UInt8>, from s: Int, into r: inout RequestHead,
                           _ f: inout FieldFacts) throws(HTTPParseError) -> Int {
        let e = p.count
        guard s < e else { throw .bad("incomplete request head") }
        let c0 = p[s]
        if c0 == .sp || c0 == .htab { throw .bad("obsolete line folding") }
        var j = s
        while j < e && ByteClass.isTokenChar(p[j]) { j &+= 1 }
        guard j < e, p[j] == UInt8(ascii: ":") else {
            if j < e && (p[j] == .sp || p[j] == .htab) { throw .bad("whitespace before colon") }
            throw .bad("invalid field name")
        }
        guard j > s else { throw .bad("empty field name") }
        let name = s..<j
        var k = j &+ 1
        while k < e && ByteClass.isFieldValueChar(p[k]) { k &+= 1 }
        guard k &+ 1 < e else { throw .bad("incomplete request head") }
        guard p[k] == .cr && p[k &+ 1] == .lf else {
            if p[k] == .lf { throw .bad("bare LF in request head") }
            if p[k] == .cr { throw .bad("bare CR in request head") }
            throw .bad("invalid character in field value")
        }
        let v = trimOWS(p, (j &+ 1)..<k)
        r.fields.append(HeaderField(name: name, value: v))

        let raw = UnsafeRawBufferPointer(p)
        switch name.count {
        case 4 where ByteClass.equalsIgnoringCase(raw, name, "host"):
            f.hostCount &+= 1
            guard f.hostCount == 1 else { throw .bad("more than one Host") }
            guard Authority.isValid(p, v, requirePort: false) else { throw .bad("invalid Host") }
            r.hostRange = v
        case 6 where ByteClass.equalsIgnoringCase(raw, name, "expect"):
            guard ByteClass.equalsIgnoringCase(raw, v, "100-continue") else {
                throw HTTPParseError(status: 417, detail: "unsupported expectation")
            }
            r.expectContinue = true
        case 7 where ByteClass.equalsIgnoringCase(raw, name, "upgrade"):
            r.hasUpgrade = true
        case 10 where ByteClass.equalsIgnoringCase(raw, name, "connection"):
            try parseConnection(p, v, &f)
        case 14 where ByteClass.equalsIgnoringCase(raw, name, "content-length"):
            f.contentLengthCount &+= 1
            guard f.contentLengthCount == 1 else { throw .bad("more than one Content-Length") }
            r.contentLength = try parseContentLength(p, v)
        case 17 where ByteClass.equalsIgnoringCase(raw, name, "transfer-encoding"):
            f.transferEncodingCount &+= 1
            guard f.transferEncodingCount == 1 else { throw .bad("more than one Transfer-Encoding") }
            guard r.version == .http11 else { throw .bad("Transfer-Encoding in an HTTP/1.0 request") }
            guard ByteClass.equalsIgnoringCase(raw, v, "chunked") else { throw .bad("unsupported Transfer-Encoding") }
        default:
            break
        }
        return k &+ 2
    }

    /// The range without leading and trailing SP / HTAB.
    @inline(__always)
    static func trimOWS(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Range<Int> {
        var a = r.lowerBound, b = r.upperBound
        while a < b && (p[a] == .sp || p[a] == .htab) { a &+= 1 }
        while b > a && (p[b &- 1] == .sp || p[b &- 1] == .htab) { b &-= 1 }
        return a..<b
    }

    /// Content-Length = 1*DIGIT, at most Int64.max.
    static func parseContentLength(_ p: UnsafeBufferPointer<UInt8>, _ v: Range<Int>) throws(HTTPParseError) -> Int {
        guard !v.isEmpty else { throw .bad("invalid Content-Length") }
        var value = 0
        for k in v {
            let c = p[k]
            guard ByteClass.isDigit(c) else { throw .bad("invalid Content-Length") }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(c &- 0x30))
            guard !o1 && !o2 else { throw .bad("invalid Content-Length") }
            value = a
        }
        return value
    }

    /// Connection = #connection-option: a comma list of tokens; empty elements are allowed (RFC 9110 5.6.1).
    static func parseConnection(_ p: UnsafeBufferPointer<UInt8>, _ v: Range<Int>,
                                _ f: inout FieldFacts) throws(HTTPParseError) {
        let raw = UnsafeRawBufferPointer(p)
        var k = v.lowerBound
        while k <= v.upperBound {
            var end = k
            while end < v.upperBound && p[end] != UInt8(ascii: ",") { end &+= 1 }
            let t = trimOWS(p, k..<end)
            for c in t where !ByteClass.isTokenChar(p[c]) { throw .bad("invalid Connection") }
            if ByteClass.equalsIgnoringCase(raw, t, "close") { f.connectionClose = true }
            else if ByteClass.equalsIgnoringCase(raw, t, "keep-alive") { f.connectionKeepAlive = true }
            k = end &+ 1
        }
    }
}
