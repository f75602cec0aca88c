import Testing
@testable import NexusHTTP1

/// Request line (RFC 9112 3): method, single SPs, target forms, version.
@Suite struct RequestLineTests {
    static let host = "\r\nHost: example.com\r\n\r\n"

    @Test(arguments: [
        ("GET / HTTP/1.1", 0),
        ("get / HTTP/1.1", 0),               // methods are case-sensitive: "get" is another method
        ("M-SEARCH * HTTP/1.1", 400),        // "*" only with OPTIONS
        ("OPTIONS * HTTP/1.1", 0),
        ("OPTIONS *x HTTP/1.1", 400),
        ("GET  / HTTP/1.1", 400),            // two SPs
        ("GET /  HTTP/1.1", 400),
        ("GET / HTTP/1.1 ", 400),            // trailing SP
        (" GET / HTTP/1.1", 400),            // leading SP
        ("GET\t/ HTTP/1.1", 400),
        ("GET /\tHTTP/1.1", 400),
        ("G(T / HTTP/1.1", 400),             // method is a token
        ("GET", 400),
        ("GET /", 400),                      // HTTP/0.9 style
        ("GET / ", 400),
        ("GET /a b HTTP/1.1", 400),          // SP in target
        ("GET /a#b HTTP/1.1", 400),          // fragment never sent
        ("GET /a\u{7F} HTTP/1.1", 400),      // DEL
        ("GET /caf\u{E9} HTTP/1.1", 400),    // non-ASCII
        ("GET / HTTP/1.0", 0),
        ("GET / HTTP/2.0", 505),
        ("GET / HTTP/0.9", 505),
        ("GET / HTTP/9.1", 505),
        ("GET / HTTP/1.2", 400),             // only 1.0 and 1.1
        ("GET / HTTP/1.10", 400),
        ("GET / HTTP/11", 400),
        ("GET / http/1.1", 400),             // HTTP-name is case-sensitive
        ("GET / HTTPS/1.1", 400),
        ("GET / HTTP/1.x", 400),
        ("GET example.com HTTP/1.1", 400),   // authority-form only with CONNECT
        ("CONNECT example.com:443 HTTP/1.1", 0),
        ("CONNECT [::1]:443 HTTP/1.1", 0),
        ("CONNECT example.com HTTP/1.1", 400),        // port required
        ("CONNECT / HTTP/1.1", 400),
        ("CONNECT http://example.com/ HTTP/1.1", 400),
        ("CONNECT user@example.com:443 HTTP/1.1", 400),
        ("GET http://example.com/a?b HTTP/1.1", 0),
        ("GET HTTPS://example.com HTTP/1.1", 0),
        ("GET http://user@example.com/ HTTP/1.1", 400), // userinfo
        ("GET http:///a HTTP/1.1", 400),                // empty authority
        ("GET http://exa mple.com/ HTTP/1.1", 400),
        ("GET ftp://example.com/ HTTP/1.1", 400),
        ("GET http:/example.com/ HTTP/1.1", 400),
        ("GET a/b HTTP/1.1", 400),
    ])
    func requestLine(_ line: String, _ expected: Int) {
        #expect(status(line + Self.host) == expected, "\(line)")
    }

    @Test func knownMethods() throws {
        let names: [(String, HTTPMethod)] = [("GET", .get), ("HEAD", .head), ("POST", .post), ("PUT", .put),
                                             ("DELETE", .delete), ("OPTIONS", .options), ("PATCH", .patch),
                                             ("TRACE", .trace), ("PURGE", .other), ("GETX", .other)]
        for (name, method) in names {
            let r = try #require(parseOne("\(name) / HTTP/1.1\(Self.host)"))
            #expect(r.head.method == method)
            #expect(r.text(r.head.methodRange) == name)
            if let n = method.name { #expect(n.description == name) }
        }
        #expect(HTTPMethod.other.name == nil)
    }

    @Test func originForm() throws {
        let r = try #require(parseOne("GET /a/b?x=1&y=%20 HTTP/1.1\(Self.host)"))
        #expect(r.path == "/a/b")
        #expect(r.text(r.head.queryRange) == "x=1&y=%20")
        #expect(r.target == "/a/b?x=1&y=%20")
        #expect(r.head.version == .http11)
        let e = try #require(parseOne("GET /? HTTP/1.1\(Self.host)"))
        #expect(e.path == "/")
        #expect(e.text(e.head.queryRange) == "")
        let n = try #require(parseOne("GET / HTTP/1.1\(Self.host)"))
        #expect(n.head.queryRange == nil)
    }

    @Test func absoluteFormAuthorityWinsOverHost() throws {
        let r = try #require(parseOne("GET http://upstream.test:8080/p/q?s HTTP/1.1\r\nHost: other.test\r\n\r\n"))
        #expect(r.host == "upstream.test:8080")
        #expect(r.path == "/p/q")
        #expect(r.text(r.head.queryRange) == "s")
        let bare = try #require(parseOne("GET http://upstream.test?s HTTP/1.1\(Self.host)"))
        #expect(bare.path == "")
        #expect(bare.text(bare.head.queryRange) == "s")
        // Host is still required and validated (RFC 9112 3.2).
        #expect(status("GET http://upstream.test/ HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET http://upstream.test/ HTTP/1.1\r\nHost: a b\r\n\r\n") == 400)
    }

    @Test func connectAndAsterisk() throws {
        let c = try #require(parseOne("CONNECT example.com:443 HTTP/1.1\(Self.host)"))
        #expect(c.head.method == .connect)
        #expect(c.host == "example.com:443")
        #expect(c.head.pathRange.isEmpty)
        let o = try #require(parseOne("OPTIONS * HTTP/1.1\(Self.host)"))
        #expect(o.path == "*")
    }

    @Test func leadingEmptyLines() throws {
        let r = try #require(parseOne("\r\n\r\nGET /x HTTP/1.1\(Self.host)"))
        #expect(r.path == "/x")
        let four = String(repeating: "\r\n", count: HeadScanner.maxLeadingEmptyLines)
        #expect(status(four + "GET / HTTP/1.1" + Self.host) == 0)
        #expect(status(four + "\r\nGET / HTTP/1.1" + Self.host) == 400)
        #expect(status("\nGET / HTTP/1.1" + Self.host) == 400)
        #expect(status("\r\r\nGET / HTTP/1.1" + Self.host) == 400)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\nHost: a\r\n\r\n",       // bare LF after the request line
        "GET / HTTP/1.1\r\nHost: a\n\r\n",       // bare LF after a field
        "GET / HTTP/1.1\r\nHost: a\r\n\n",       // bare LF as the final line
        "GET / HTTP/1.1\rHost: a\r\n\r\n",       // bare CR
        "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\rb\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n",
    ])
    func lineEndings(_ text: String) {
        #expect(status(text) == 400)
    }

    @Test func parserWantsExactlyTheHead() {
        #expect(throws: HTTPParseError.self) { try parseHeadOnly("GET / HTTP/1.1\r\nHost: a\r\n\r\nX").get() }
        #expect(throws: HTTPParseError.self) { try parseHeadOnly("GET / HTTP/1.1\r\nHost: a\r\n").get() }
        #expect(throws: HTTPParseError.self) { try parseHeadOnly("").get() }
        #expect(throws: Never.self) { try parseHeadOnly("GET / HTTP/1.1\r\nHost: a\r\n\r\n").get() }
    }
}
