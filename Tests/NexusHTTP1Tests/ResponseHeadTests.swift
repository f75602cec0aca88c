import Testing
@testable import NexusHTTP1

/// Upstream response heads: what is accepted, and the upstream replies that could split or smuggle (502).
@Suite struct ResponseHeadTests {
    @Test func parsesAStatusLineAndFields() throws {
        let text = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-A:  v  \r\n\r\n"
        let h = try #require(responseHead(text))
        let b = Array(text.utf8)
        #expect(h.status == 404)
        #expect(h.version == .http11)
        #expect(String(decoding: b[h.reasonRange], as: UTF8.self) == "Not Found")
        #expect(h.fields.count == 3)
        #expect(String(decoding: b[h.fields[2].value], as: UTF8.self) == "v")
        #expect(h.contentLength == 5)
        #expect(!h.isChunked)
        #expect(h.keepAlive)
        #expect(!h.hasUpgrade)
        #expect(b.withUnsafeBytes { h.value(of: "content-type", in: $0) } == h.fields[0].value)
    }

    @Test func emptyReasonAndConnectionFacts() throws {
        let h = try #require(responseHead("HTTP/1.1 200 \r\nConnection: close, X-Foo\r\n\r\n"))
        #expect(h.status == 200)
        #expect(h.reasonRange.isEmpty)
        #expect(!h.keepAlive)
        #expect(h.connectionTokens.count == 2)
        let h10 = try #require(responseHead("HTTP/1.0 200 OK\r\n\r\n"))
        #expect(h10.version == .http10 && !h10.keepAlive)
        let ka = try #require(responseHead("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n"))
        #expect(ka.keepAlive)
        let up = try #require(responseHead("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"))
        #expect(up.hasUpgrade && up.isInformational)
        #expect(Array("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n".utf8).withUnsafeBytes {
            up.connectionLists("upgrade", in: $0)
        })
        let ch = try #require(responseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"))
        #expect(ch.isChunked && ch.contentLength == nil)
    }

    @Test(arguments: [
        // Status line.
        "HTTP/1.1 200\r\n\r\n",                          // the SP after the code is required
        "HTTP/1.1  200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 099 OK\r\n\r\n",
        "HTTP/1.1 600 OK\r\n\r\n",
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.2 200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 O\u{1}K\r\n\r\n",
        "HTTP/1.1 200 O\rK\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\n\r\n",                 // leading empty line
        // Line endings and field syntax.
        "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n",       // obs-fold
        "HTTP/1.1 200 OK\r\nX-A : a\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX(A): a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: a\u{0}\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close;x\r\n\r\n",
        // Framing: the smuggling and splitting family.
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n",
        "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    ])
    func refusesWith502(_ text: String) {
        switch parseResponse(text) {
        case .success: Issue.record("accepted: \(text.debugDescription)")
        case .failure(let e): #expect(e.status == 502, "\(text.debugDescription): \(e)")
        }
    }

    @Test func limitsAre502() {
        let small = HTTP1Limits(maxRequestLineBytes: 20, maxHeaderBytes: 64, maxHeaderCount: 2)
        let long = "HTTP/1.1 200 " + String(repeating: "x", count: 30) + "\r\n\r\n"
        #expect(parseResponse(long, limits: small).failure?.status == 502)
        #expect(parseResponse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: small).failure?.status == 502)
        let big = "HTTP/1.1 200 OK\r\nA: " + String(repeating: "x", count: 80) + "\r\n\r\n"
        #expect(parseResponse(big, limits: small).failure?.status == 502)
        #expect(parseResponse("HTTP/1.1 200 OK\r\nA: 1\r\n\r\n", limits: small).failure == nil)
    }

    @Test func resetKeepsNothingButCapacity() throws {
        var h = try #require(responseHead("HTTP/1.1 200 OK\r\nConnection: x\r\nContent-Length: 1\r\n\r\n"))
        h.reset()
        #expect(h == ResponseHead())
    }

    // MARK: Framing (RFC 9112 6.3)

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", HTTPMethod.head, ResponseFraming.none),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .head, .none),
        ("HTTP/1.1 100 Continue\r\n\r\n", .post, .none),
        ("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n", .get, .none),
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", .get, .none),
        ("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", .get, .none),
        ("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", .get, .none),
        ("HTTP/1.1 200 OK\r\n\r\n", .connect, .none),
        ("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\n", .connect, .length(2)),
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", .get, .length(5)),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .post, .length(0)),
        ("HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n", .post, .length(0)),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .get, .chunked),
        ("HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n", .delete, .chunked),
        ("HTTP/1.1 200 OK\r\n\r\n", .get, .untilClose),
        ("HTTP/1.0 200 OK\r\n\r\n", .post, .untilClose),
        ("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n", .get, .untilClose),
    ])
    func framing(_ text: String, _ method: HTTPMethod, _ expected: ResponseFraming) throws {
        let h = try #require(responseHead(text))
        #expect(ResponseFraming.framing(of: h, requestMethod: method) == expected)
    }

    @Test func bothFramingsNeverReachTheFramingRule() {
        // Rule 3 (CL with TE) is the parser's: the head never parses.
        #expect(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
            .failure?.status == 502)
    }

    @Test func interimResponses() throws {
        let c = try #require(responseHead("HTTP/1.1 100 Continue\r\n\r\n"))
        let hints = try #require(responseHead("HTTP/1.1 103 Early Hints\r\n\r\n"))
        let up = try #require(responseHead("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))
        let ok = try #require(responseHead("HTTP/1.1 200 OK\r\n\r\n"))
        #expect(InterimResponse.classify(c, clientVersion: .http11, upgradeRequested: false) == .forwardAndReadNext)
        #expect(InterimResponse.classify(hints, clientVersion: .http11, upgradeRequested: false) == .forwardAndReadNext)
        #expect(InterimResponse.classify(c, clientVersion: .http10, upgradeRequested: false) == .dropAndReadNext)
        #expect(InterimResponse.classify(up, clientVersion: .http11, upgradeRequested: true) == .switchProtocols)
        #expect(InterimResponse.classify(up, clientVersion: .http11, upgradeRequested: false) == .invalid)
        #expect(InterimResponse.classify(ok, clientVersion: .http11, upgradeRequested: true) == .final)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
