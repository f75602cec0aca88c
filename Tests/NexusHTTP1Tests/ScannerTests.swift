import Testing
@testable import NexusHTTP1

/// HeadScanner: limits applied early, resumable scanning.
@Suite struct ScannerTests {
    @Test func megabyteRequestLineIsCutEarly() {
        let limits = HTTP1Limits()
        var bytes = Array("GET /".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        bytes += Array(" HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        var s = HeadScanner()
        let r = bytes.withUnsafeBytes { s.scan($0, limits: limits) }
        #expect(r == .failed(HTTPParseError(status: 414, detail: "request line too long")))
        #expect(s.position <= limits.maxRequestLineBytes + 2)

        // Fed in 4 KiB reads, it fails as soon as the limit is passed.
        var t = HeadScanner()
        var fedUpTo = 0
        for end in stride(from: 4096, through: bytes.count, by: 4096) {
            fedUpTo = end
            let r = bytes[0..<end].withUnsafeBytes { t.scan($0, limits: limits) }
            if r != .incomplete {
                #expect(r == .failed(HTTPParseError(status: 414, detail: "request line too long")))
                break
            }
        }
        #expect(fedUpTo <= limits.maxRequestLineBytes + 4096)
    }

    @Test func megabyteOfHeadersIsCutEarly() {
        let limits = HTTP1Limits()
        // One huge field.
        var bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Big: ".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "b"), count: 1 << 20)
        bytes += Array("\r\n\r\n".utf8)
        var s = HeadScanner()
        let r = bytes.withUnsafeBytes { s.scan($0, limits: limits) }
        #expect(r == .failed(HTTPParseError(status: 431, detail: "request head too large")))
        #expect(s.position <= limits.maxHeaderBytes)

        // Many small fields: the count limit fires first.
        var many = Array("GET / HTTP/1.1\r\nHost: a\r\n".utf8)
        while many.count < 1 << 20 { many += Array("X-Field: value\r\n".utf8) }
        many += Array("\r\n".utf8)
        var t = HeadScanner()
        let r2 = many.withUnsafeBytes { t.scan($0, limits: limits) }
        #expect(r2 == .failed(HTTPParseError(status: 431, detail: "too many header fields")))
        #expect(t.position < 4096)

        // Many small fields under a generous count limit: the size limit fires.
        var u = HeadScanner()
        let r3 = many.withUnsafeBytes { u.scan($0, limits: HTTP1Limits(maxHeaderCount: 1 << 20)) }
        #expect(r3 == .failed(HTTPParseError(status: 431, detail: "request head too large")))
        #expect(u.position <= limits.maxHeaderBytes)
    }

    @Test func requestLineLimitBoundary() {
        let limits = HTTP1Limits(maxRequestLineBytes: 32)
        let line = "GET /" + String(repeating: "a", count: 32 - 14) + " HTTP/1.1"
        #expect(line.utf8.count == 32)
        #expect(status(line + "\r\nHost: a\r\n\r\n", limits: limits) == 0)
        let longer = "GET /" + String(repeating: "a", count: 33 - 14) + " HTTP/1.1"
        #expect(status(longer + "\r\nHost: a\r\n\r\n", limits: limits) == 414)
        // Without the CRLF yet: 32 bytes and a CR could still be fine; 34 bytes cannot.
        #expect(status(line + "\r", limits: limits) == -1)
        #expect(status(longer + "\r", limits: limits) == 414)
        // The parser applies the same limit on its own.
        if case .failure(let e) = parseHeadOnly(longer + "\r\nHost: a\r\n\r\n", limits: limits) {
            #expect(e.status == 414)
        } else {
            Issue.record("expected 414")
        }
    }

    @Test func headLimitBoundary() {
        let base = "GET / HTTP/1.1\r\nHost: a\r\nX: \r\n\r\n"
        let limits = HTTP1Limits(maxHeaderBytes: 64)
        let pad = String(repeating: "v", count: 64 - base.utf8.count)
        let exact = "GET / HTTP/1.1\r\nHost: a\r\nX: \(pad)\r\n\r\n"
        #expect(exact.utf8.count == 64)
        #expect(status(exact, limits: limits) == 0)
        let over = "GET / HTTP/1.1\r\nHost: a\r\nX: \(pad)v\r\n\r\n"
        #expect(status(over, limits: limits) == 431)
        if case .failure(let e) = parseHeadOnly(over, limits: limits) { #expect(e.status == 431) }
        else { Issue.record("expected 431") }
    }

    @Test func resumesAndStaysFinished() {
        let text = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET".utf8)
        var s = HeadScanner()
        let limits = HTTP1Limits()
        for end in 0..<27 {
            #expect(text[0..<end].withUnsafeBytes { s.scan($0, limits: limits) } == .incomplete)
        }
        #expect(text[0..<27].withUnsafeBytes { s.scan($0, limits: limits) } == .complete(headLength: 27))
        #expect(text.withUnsafeBytes { s.scan($0, limits: limits) } == .complete(headLength: 27))
        s.reset()
        #expect(text[27...].withUnsafeBytes { s.scan($0, limits: limits) } == .incomplete)
        // A shorter buffer than before makes it start over rather than read out of bounds.
        var t = HeadScanner()
        _ = text[0..<20].withUnsafeBytes { t.scan($0, limits: limits) }
        #expect(text[0..<5].withUnsafeBytes { t.scan($0, limits: limits) } == .incomplete)
        #expect(text[0..<27].withUnsafeBytes { t.scan($0, limits: limits) } == .complete(headLength: 27))
    }

    @Test func absurdLimitsDoNotOverflow() {
        let limits = HTTP1Limits(maxRequestLineBytes: .max, maxHeaderBytes: .max, maxHeaderCount: .max)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits) == 0)
        let zero = HTTP1Limits(maxRequestLineBytes: 0, maxHeaderBytes: 0, maxHeaderCount: 0)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits: zero) != 0)
        let negative = HTTP1Limits(maxRequestLineBytes: -5, maxHeaderBytes: -5, maxHeaderCount: -5)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits: negative) != 0)
    }
}
