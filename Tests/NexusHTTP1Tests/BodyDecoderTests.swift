import Testing
@testable import NexusHTTP1

/// Chunked coding and Content-Length bodies.
@Suite struct BodyDecoderTests {
    static func chunked(_ body: String, limits: HTTP1Limits = HTTP1Limits()) -> Result<[Parsed], HTTPParseError> {
        parseAll("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body, limits: limits)
    }

    static func chunkedStatus(_ body: String, limits: HTTP1Limits = HTTP1Limits()) -> Int {
        switch chunked(body, limits: limits) {
        case .success(let r): return r.isEmpty ? -1 : 0
        case .failure(let e): return e.status
        }
    }

    @Test(arguments: [
        ("5\r\nhello\r\n0\r\n\r\n", 0),
        ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 0),
        ("000005\r\nhello\r\n000\r\n\r\n", 0),
        ("A\r\n0123456789\r\n0\r\n\r\n", 0),
        ("a\r\n0123456789\r\n0\r\n\r\n", 0),
        ("5;name\r\nhello\r\n0\r\n\r\n", 0),
        ("5;name=value;n2=\"q \\\" v\"\r\nhello\r\n0;last\r\n\r\n", 0),
        ("5 ; name = value\r\nhello\r\n0\r\n\r\n", 0),   // BWS allowed around ';' and '='
        ("5 \r\nhello\r\n0\r\n\r\n", 400),               // BWS without an extension
        ("5;\r\nhello\r\n0\r\n\r\n", 400),
        ("5;=v\r\nhello\r\n0\r\n\r\n", 400),
        ("5;n=\r\nhello\r\n0\r\n\r\n", 400),
        ("5;n=\"open\r\nhello\r\n0\r\n\r\n", 400),
        ("5;n=a b\r\nhello\r\n0\r\n\r\n", 400),
        ("5;n\u{0}\r\nhello\r\n0\r\n\r\n", 400),
        ("\r\nhello\r\n0\r\n\r\n", 400),                 // empty size
        ("g\r\nhello\r\n0\r\n\r\n", 400),
        ("-5\r\nhello\r\n0\r\n\r\n", 400),
        ("+5\r\nhello\r\n0\r\n\r\n", 400),
        ("0x5\r\nhello\r\n0\r\n\r\n", 400),
        (" 5\r\nhello\r\n0\r\n\r\n", 400),
        ("1ffffffffffffffff\r\n", 400),                  // overflow
        ("ffffffffffffffffffffffff\r\n", 400),
        ("fffffffffffffff\r\n", 413),                    // fits, but above maxBodyBytes
        ("5\nhello\r\n0\r\n\r\n", 400),                  // bare LF after size
        ("5\rhello\r\n0\r\n\r\n", 400),                  // bare CR after size
        ("5\r\nhello\n0\r\n\r\n", 400),                  // bare LF after data
        ("5\r\nhelloX\r\n0\r\n\r\n", 400),               // data longer than its size
        ("5\r\nhell\r\n0\r\n\r\n", 400),                 // shorter: the CRLF is taken as data, then '0' is not CRLF
        ("5\r\nhello0\r\n\r\n", 400),                    // missing CRLF after data
        ("0\r\n\n", 400),
        ("0\r\n\r\r\n", 400),
        ("0\n\r\n", 400),
        ("0\r\nX-T: v\r\n\r\n", 0),
        ("0\r\nX-T : v\r\n\r\n", 400),
        ("0\r\n X-T: v\r\n\r\n", 400),                   // obs-fold
        ("0\r\nX-T: v\r\n\tw\r\n\r\n", 400),
        ("0\r\nX-T: v\nY: w\r\n\r\n", 400),
        ("0\r\nX-T: v\rY: w\r\n\r\n", 400),
        ("0\r\nX-T: v\u{1}\r\n\r\n", 400),
        ("0\r\n: v\r\n\r\n", 400),
        ("0\r\nX-T v\r\n\r\n", 400),
    ])
    func chunkedVectors(_ body: String, _ expected: Int) {
        #expect(Self.chunkedStatus(body) == expected, "\(body.debugDescription)")
    }

    @Test func chunkedWithTrailers() throws {
        guard case .success(let rs) = Self.chunked("4;a=b\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n"
                                                       + "Expires: never\r\nX-Sum:  abc \t\r\n\r\n"),
              let r = rs.first else { Issue.record("failed"); return }
        #expect(String(decoding: r.body, as: UTF8.self) == "Wikipedia in\r\n\r\nchunks.")
        #expect(r.trailers == ["Expires: never", "X-Sum: abc"])
    }

    @Test func trailerLimits() {
        let limits = HTTP1Limits(maxHeaderCount: 2, maxTrailerBytes: 32)
        #expect(Self.chunkedStatus("0\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits) == 0)
        #expect(Self.chunkedStatus("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == 431)
        let exact = "X: " + String(repeating: "v", count: 32 - 7) + "\r\n\r\n" // 32 bytes with CRLFs
        #expect(Self.chunkedStatus("0\r\n" + exact, limits: limits) == 0)
        #expect(Self.chunkedStatus("0\r\nX" + exact, limits: limits) == 431)
    }

    @Test func extensionLimit() {
        let limits = HTTP1Limits(maxChunkExtensionBytes: 16)
        #expect(Self.chunkedStatus("1;" + String(repeating: "e", count: 15) + "\r\nx\r\n0\r\n\r\n", limits: limits) == 0)
        #expect(Self.chunkedStatus("1;" + String(repeating: "e", count: 16) + "\r\nx\r\n0\r\n\r\n", limits: limits) == 400)
        // An endless extension is refused without buffering it.
        var d = BodyDecoder(chunkedWith: HTTP1Limits())
        let endless = Array(("1;" + String(repeating: "e", count: 1 << 20)).utf8)
        #expect(throws: HTTPParseError.self) {
            _ = try endless.withUnsafeBytes { try d.decode($0) { _ in } }
        }
    }

    @Test func maxBodyContentLength() {
        let limits = HTTP1Limits(maxBodyBytes: 10)
        let ten = String(repeating: "b", count: 10)
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n" + ten, limits: limits) == 0)
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n" + ten + "b", limits: limits) == 413)
    }

    @Test func maxBodyChunked() {
        let limits = HTTP1Limits(maxBodyBytes: 10)
        #expect(Self.chunkedStatus("4\r\nabcd\r\n6\r\nefghij\r\n0\r\n\r\n", limits: limits) == 0)
        #expect(Self.chunkedStatus("4\r\nabcd\r\n7\r\nefghijk\r\n0\r\n\r\n", limits: limits) == 413)
        #expect(Self.chunkedStatus("b\r\n", limits: limits) == 413) // refused at the size line, before any data
        // At the default limit.
        let mib = 1 << 20
        let full = String(mib, radix: 16) + "\r\n" + String(repeating: "x", count: mib) + "\r\n0\r\n\r\n"
        #expect(Self.chunkedStatus(full) == 0)
        let plus = "1\r\ny\r\n" + full
        #expect(Self.chunkedStatus(plus) == 413)
    }

    @Test func contentLengthStopsAtEnd() throws {
        var d = BodyDecoder(contentLength: 5)
        var got: [UInt8] = []
        let input = Array("helloGET / HTTP/1.1\r\n".utf8)
        let n = try input.withUnsafeBytes { raw throws(HTTPParseError) in try d.decode(raw) { got += $0 } }
        #expect(n == 5 && d.isComplete && d.bodyBytes == 5 && got == Array("hello".utf8))
        #expect(try input.withUnsafeBytes { raw throws(HTTPParseError) in try d.decode(raw) { _ in } } == 0)
        #expect(BodyDecoder(contentLength: 0).isComplete)
        #expect(BodyDecoder(contentLength: -3).isComplete)
    }

    @Test func errorsAreSticky() {
        var d = BodyDecoder(chunkedWith: HTTP1Limits())
        let bad = Array("z\r\n".utf8)
        let good = Array("0\r\n\r\n".utf8)
        #expect(throws: HTTPParseError.self) { _ = try bad.withUnsafeBytes { try d.decode($0) { _ in } } }
        #expect(throws: HTTPParseError.self) { _ = try good.withUnsafeBytes { try d.decode($0) { _ in } } }
        #expect(!d.isComplete)
    }
}
