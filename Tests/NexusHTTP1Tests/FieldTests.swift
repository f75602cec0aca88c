import Testing
@testable import NexusHTTP1

/// Field lines and the fields that decide framing, routing and the connection.
@Suite struct FieldTests {
    static func req(_ fields: String, version: String = "HTTP/1.1", body: String = "") -> String {
        "POST /u \(version)\r\n\(fields)\r\n\(body)"
    }

    @Test(arguments: [
        ("Host: a\r\n", 0),
        ("Host : a\r\n", 400),               // whitespace before colon
        ("Host\t: a\r\n", 400),
        ("Host: a\r\nX-A : b\r\n", 400),
        ("Host: a\r\nX A: b\r\n", 400),
        ("Host: a\r\n: b\r\n", 400),         // empty name
        ("Host: a\r\nX-A b\r\n", 400),       // no colon
        ("Host: a\r\nX-A: b\r\n c\r\n", 400),   // obs-fold
        ("Host: a\r\nX-A: b\r\n\tc\r\n", 400),
        (" Host: a\r\n", 400),
        ("Host: a\r\nX-A: b\u{0}c\r\n", 400),  // NUL
        ("Host: a\r\nX-A: b\u{1}c\r\n", 400),
        ("Host: a\r\nX-A: b\u{7F}c\r\n", 400), // DEL
        ("Host: a\r\nX-A: b\u{1B}c\r\n", 400),
        ("Host: a\r\nX-A: b\tc\r\n", 0),       // HTAB is allowed
        ("Host: a\r\nX-A: caf\u{E9}\r\n", 0),  // obs-text is allowed
        ("Host: a\r\nX-\u{E9}: b\r\n", 400),   // but not in names
        ("Host: a\r\nX-A:\r\n", 0),            // empty value
        ("Host: a\r\nX-A: \"quoted, with; stuff\"\r\n", 0),
    ])
    func fieldSyntax(_ fields: String, _ expected: Int) {
        #expect(status(Self.req(fields)) == expected, "\(fields.debugDescription)")
    }

    @Test func rawObsTextAndValueTrimming() throws {
        var bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Bin: \t a".utf8)
        bytes += [0x80, 0xFF, 0xC3]
        bytes += Array(" b \t \r\n\r\n".utf8)
        guard case .success(let rs) = parseAll(bytes), let r = rs.first else { Issue.record("failed"); return }
        let v = try #require(r.headBytes.withUnsafeBytes { r.head.value(of: "x-bin", in: $0) })
        #expect(Array(r.headBytes[v]) == [UInt8(ascii: "a"), 0x80, 0xFF, 0xC3, 0x20, UInt8(ascii: "b")])
        #expect(r.head.fields.count == 2)
        #expect(r.headBytes.withUnsafeBytes { r.head.value(of: "X-Missing", in: $0) } == nil)
        #expect(r.text(r.headBytes.withUnsafeBytes { r.head.value(of: "HOST", in: $0) }) == "a")
    }

    @Test(arguments: [
        ("Content-Length: 5\r\n", 0),
        ("Content-Length: 0005\r\n", 0),
        ("Content-Length:   5  \r\n", 0),
        ("Content-Length: +5\r\n", 400),
        ("Content-Length: -5\r\n", 400),
        ("Content-Length: 5 5\r\n", 400),
        ("Content-Length: 5,5\r\n", 400),
        ("Content-Length: 5, 5\r\n", 400),
        ("Content-Length: 0x5\r\n", 400),
        ("Content-Length: 5.0\r\n", 400),
        ("Content-Length: \r\n", 400),
        ("Content-Length: 5\r\nContent-Length: 5\r\n", 400),   // repeated, even if equal
        ("Content-Length: 5\r\ncontent-length: 6\r\n", 400),
        ("Content-Length: 99999999999999999999\r\n", 400),    // overflow
        ("Content-Length: 9223372036854775808\r\n", 400),     // Int64.max + 1
        ("Content-Length: 9223372036854775807\r\n", 413),     // fits, but above maxBodyBytes
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400),
        ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400),
    ])
    func contentLength(_ fields: String, _ expected: Int) {
        let text = Self.req("Host: a\r\n" + fields, body: "hello")
        #expect(status(text) == expected, "\(fields.debugDescription)")
    }

    @Test(arguments: [
        ("Transfer-Encoding: chunked\r\n", 0),
        ("Transfer-Encoding: CHUNKED\r\n", 0),
        ("Transfer-Encoding: \t chunked \t\r\n", 0),
        ("Transfer-Encoding: gzip\r\n", 400),
        ("Transfer-Encoding: gzip, chunked\r\n", 400),
        ("Transfer-Encoding: chunked, chunked\r\n", 400),
        ("Transfer-Encoding: chunked,\r\n", 400),
        ("Transfer-Encoding: xchunked\r\n", 400),
        ("Transfer-Encoding: chunkedx\r\n", 400),
        ("Transfer-Encoding: chunked;x\r\n", 400),
        ("Transfer-Encoding: \"chunked\"\r\n", 400),
        ("Transfer-Encoding: \r\n", 400),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400),
        ("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 400),
        ("Transfer-Encoding: chunked\u{0B}\r\n", 400),
        ("Transfer-Encoding : chunked\r\n", 400),
        ("Transfer-Encoding: chunked\r\n ,gzip\r\n", 400),
    ])
    func transferEncoding(_ fields: String, _ expected: Int) {
        let text = Self.req("Host: a\r\n" + fields, body: "0\r\n\r\n")
        #expect(status(text) == expected, "\(fields.debugDescription)")
    }

    @Test func transferEncodingInHTTP10() {
        #expect(status(Self.req("Transfer-Encoding: chunked\r\n", version: "HTTP/1.0", body: "0\r\n\r\n")) == 400)
    }

    @Test(arguments: [
        ("", 400),                               // missing
        ("Host: a\r\nHost: a\r\n", 400),         // repeated, even if equal
        ("Host: a\r\nhost: b\r\n", 400),
        ("Host:\r\n", 400),
        ("Host:  \r\n", 400),
        ("Host: a b\r\n", 400),
        ("Host: a,b\r\n", 0),                    // sub-delims are reg-name characters
        ("Host: example.com\r\n", 0),
        ("Host: example.com:8080\r\n", 0),
        ("Host: example.com:65535\r\n", 0),
        ("Host: example.com:65536\r\n", 400),
        ("Host: example.com:123456\r\n", 400),
        ("Host: example.com:\r\n", 400),
        ("Host: example.com:80:80\r\n", 400),
        ("Host: example.com:8a\r\n", 400),
        ("Host: :80\r\n", 400),
        ("Host: user@example.com\r\n", 400),
        ("Host: example.com/path\r\n", 400),
        ("Host: ex%41mple.com\r\n", 0),
        ("Host: ex%4mple.com\r\n", 400),
        ("Host: ex%4\r\n", 400),
        ("Host: 127.0.0.1:80\r\n", 0),
        ("Host: [::1]\r\n", 0),
        ("Host: [::1]:8080\r\n", 0),
        ("Host: [::]\r\n", 0),
        ("Host: [1:2:3:4:5:6:7:8]\r\n", 0),
        ("Host: [1:2:3:4:5:6:7:8:9]\r\n", 400),
        ("Host: [1:2:3:4:5:6:7]\r\n", 400),
        ("Host: [1::2::3]\r\n", 400),
        ("Host: [12345::]\r\n", 400),
        ("Host: [::ffff:192.0.2.1]\r\n", 0),
        ("Host: [::ffff:192.0.2.256]\r\n", 400),
        ("Host: [::ffff:192.0.02.1]\r\n", 400),
        ("Host: [::1\r\n", 400),
        ("Host: [::1]x\r\n", 400),
        ("Host: [v1.x]\r\n", 400),                 // IPvFuture refused
        ("Host: [fe80::1%25eth0]\r\n", 400),       // zone IDs refused
    ])
    func host(_ fields: String, _ expected: Int) {
        #expect(status(Self.req(fields)) == expected, "\(fields.debugDescription)")
    }

    @Test func hostInHTTP10() throws {
        #expect(status("GET / HTTP/1.0\r\n\r\n") == 0)
        #expect(status("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\nHost: a/b\r\n\r\n") == 400)
        let r = try #require(parseOne("GET / HTTP/1.1\r\nHost: example.com:81\r\n\r\n"))
        #expect(r.host == "example.com:81")
    }

    @Test(arguments: [
        ("HTTP/1.1", "", true),
        ("HTTP/1.1", "Connection: close\r\n", false),
        ("HTTP/1.1", "Connection: Keep-Alive, CLOSE\r\n", false),
        ("HTTP/1.1", "Connection: upgrade\r\nConnection: close\r\n", false),
        ("HTTP/1.1", "Connection: ,, close ,\r\n", false),
        ("HTTP/1.1", "Connection: closed\r\n", true),
        ("HTTP/1.1", "Connection: keep-alive\r\n", true),
        ("HTTP/1.0", "", false),
        ("HTTP/1.0", "Connection: keep-alive\r\n", true),
        ("HTTP/1.0", "Connection: Keep-Alive\r\n", true),
        ("HTTP/1.0", "Connection: keep-alive, close\r\n", false),
    ])
    func connection(_ version: String, _ fields: String, _ keepAlive: Bool) throws {
        let r = try #require(parseOne("GET / \(version)\r\nHost: a\r\n\(fields)\r\n"))
        #expect(r.head.keepAlive == keepAlive)
    }

    @Test func connectionMustBeTokens() {
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nConnection: close now\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nConnection: \"close\"\r\n\r\n") == 400)
    }

    @Test(arguments: [
        ("HTTP/1.1", "Expect: 100-continue\r\n", 0, true),
        ("HTTP/1.1", "Expect: 100-Continue\r\n", 0, true),
        ("HTTP/1.1", "", 0, false),
        ("HTTP/1.0", "Expect: 100-continue\r\n", 0, false),   // ignored from HTTP/1.0 (RFC 9110 10.1.1)
        ("HTTP/1.1", "Expect: 200-ok\r\n", 417, false),
        ("HTTP/1.1", "Expect: 100-continue, foo\r\n", 417, false),
        ("HTTP/1.1", "Expect:\r\n", 417, false),
        ("HTTP/1.0", "Expect: foo\r\n", 417, false),
    ])
    func expect(_ version: String, _ fields: String, _ expected: Int, _ flag: Bool) throws {
        let text = "POST / \(version)\r\nHost: a\r\nContent-Length: 0\r\n\(fields)\r\n"
        #expect(status(text) == expected)
        if expected == 0 {
            let r = try #require(parseOne(text))
            #expect(r.head.expectContinue == flag)
        }
    }

    @Test func upgradeAndFraming() throws {
        let u = try #require(parseOne("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"))
        #expect(u.head.hasUpgrade)
        #expect(u.head.contentLength == nil && !u.head.isChunked && !u.head.hasBody)
        let c = try #require(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"))
        #expect(c.head.contentLength == 3 && !c.head.isChunked && c.body == Array("abc".utf8))
        #expect(!c.head.hasUpgrade)
    }

    @Test func headerCount() {
        let limits = HTTP1Limits(maxHeaderCount: 5)
        let four = (0..<4).map { "X-\($0): v\r\n" }.joined()
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\(four)\r\n", limits: limits) == 0)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\(four)X-5: v\r\n\r\n", limits: limits) == 431)
        // The parser checks the count too, on its own.
        if case .failure(let e) = parseHeadOnly("GET / HTTP/1.1\r\nHost: a\r\n\(four)X-5: v\r\n\r\n", limits: limits) {
            #expect(e.status == 431)
        } else {
            Issue.record("expected 431")
        }
        let hundred = (0..<99).map { "X-\($0): v\r\n" }.joined()
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\(hundred)\r\n") == 0)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\(hundred)X: v\r\n\r\n") == 431)
    }

    @Test func resetKeepsCapacity() throws {
        var head = RequestHead()
        let text = "GET / HTTP/1.1\r\nHost: a\r\n" + (0..<20).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        try Array(text.utf8).withUnsafeBytes { try HeadParser.parse($0, limits: HTTP1Limits(), into: &head) }
        let capacity = head.fields.capacity
        #expect(head.fields.count == 21)
        head.reset()
        #expect(head.fields.isEmpty && head.fields.capacity == capacity)
        #expect(head == { var h = RequestHead(); h.fields.reserveCapacity(capacity); return h }())
    }
}
