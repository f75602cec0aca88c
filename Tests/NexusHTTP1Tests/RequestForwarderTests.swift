import NexusBytes
import Testing
@testable import NexusHTTP1

/// The head sent upstream: hop-by-hop fields gone, forwarding fields set, framing rewritten.
@Suite struct RequestForwarderTests {
    static let options = ForwardingOptions(upstreamHost: "backend.internal:8080")!

    /// Forwards `text` (one request head) and returns the upstream head's lines and what the forwarder decided.
    static func forward(_ text: String, target: String = "/up", method: HTTPMethod? = nil, clientIP: String = "192.0.2.7",
                        isTLS: Bool = false, trusted: Bool = false, options: ForwardingOptions = options,
                        seed: UInt64 = 1) throws -> (lines: [String], info: ForwardedRequest, out: ByteBuffer) {
        let bytes = Array(text.utf8)
        var head = RequestHead()
        try bytes.withUnsafeBytes { try HeadParser.parse($0, limits: HTTP1Limits(), into: &head) }
        var ids = RequestIDGenerator(seed: seed)
        let out = ByteBuffer()
        let info = try bytes.withUnsafeBytes { p in
            try Array(target.utf8).withUnsafeBytes { t in
                try Array(clientIP.utf8).withUnsafeBytes { ip in
                    try RequestForwarder.writeHead(request: head, headBytes: p, method: method, target: t, clientIP: ip,
                                                   isTLS: isTLS, trustIncomingForwarded: trusted, options: options,
                                                   requestIDs: &ids, into: out)
                }
            }
        }
        // What we send must itself be a valid request.
        #expect(out.readable.count > 0)
        var again = RequestHead()
        #expect(throws: Never.self) { try HeadParser.parse(out.readable, limits: HTTP1Limits(), into: &again) }
        return (headLines(out), info, out)
    }

    @Test func aPlainRequest() throws {
        let r = try Self.forward("GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n", target: "/x/a?b=1")
        #expect(r.lines == [
            "GET /x/a?b=1 HTTP/1.1",
            "Host: example.com",
            "Accept: */*",
            "X-Forwarded-For: 192.0.2.7",
            "X-Forwarded-Proto: http",
            "X-Forwarded-Host: example.com",
            "Forwarded: for=192.0.2.7;proto=http;host=example.com",
            "X-Request-Id: " + Self.generatedID(seed: 1),
            "Via: 1.1 nexus",
        ])
        #expect(r.info.upgrade == false)
        let id = try #require(r.info.requestID)
        #expect(String(decoding: r.out.bytes[id], as: UTF8.self) == Self.generatedID(seed: 1))
    }

    static func generatedID(seed: UInt64) -> String {
        var g = RequestIDGenerator(seed: seed)
        let b = ByteBuffer()
        g.next(into: b)
        return b.string
    }

    @Test func everyHopByHopFieldIsDropped() throws {
        let text = "POST /p HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret, x-other\r\nProxy-Connection: keep-alive\r\n"
            + "Keep-Alive: timeout=5\r\nTE: trailers\r\nTransfer-Encoding: chunked\r\nUpgrade: websocket\r\n"
            + "Trailer: X-T\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Authenticate: Basic\r\n"
            + "X-Secret: 1\r\nX-Other: 2\r\nX-Kept: 3\r\nConnection: X-Later\r\nX-Later: 4\r\n\r\n"
        let r = try Self.forward(text)
        for name in ["Connection", "Proxy-Connection", "Keep-Alive", "TE", "Upgrade", "Trailer", "Proxy-Authorization",
                     "Proxy-Authenticate", "X-Secret", "X-Other", "X-Later"] {
            #expect(values(name, in: r.lines).isEmpty, "\(name) was forwarded")
        }
        #expect(values("X-Kept", in: r.lines) == ["3"])
        // The body stays chunked, so the framing is written anew.
        #expect(values("Transfer-Encoding", in: r.lines) == ["chunked"])
        #expect(values("Content-Length", in: r.lines).isEmpty)
        #expect(r.info.upgrade == false) // Connection did not list "upgrade"
    }

    @Test func contentLengthIsWrittenFromTheParsedValue() throws {
        let r = try Self.forward("PUT /p HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n")
        #expect(values("Content-Length", in: r.lines) == ["7"])
        #expect(values("Transfer-Encoding", in: r.lines).isEmpty)
        // A Connection field naming Content-Length cannot remove the framing.
        let n = try Self.forward("PUT /p HTTP/1.1\r\nHost: a\r\nConnection: content-length\r\nContent-Length: 3\r\n\r\n")
        #expect(values("Content-Length", in: n.lines) == ["3"])
    }

    @Test func upgradeIsTunnelledOnlyWhenAllowedAndAnnounced() throws {
        let ws = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n"
        let r = try Self.forward(ws)
        #expect(r.info.upgrade)
        #expect(values("Connection", in: r.lines) == ["upgrade"])
        #expect(values("Upgrade", in: r.lines) == ["websocket"])
        #expect(values("Sec-WebSocket-Key", in: r.lines) == ["k"])
        var noUpgrade = Self.options
        noUpgrade.allowUpgrade = false
        let refused = try Self.forward(ws, options: noUpgrade)
        #expect(!refused.info.upgrade)
        #expect(values("Connection", in: refused.lines).isEmpty && values("Upgrade", in: refused.lines).isEmpty)
        let unannounced = try Self.forward("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n")
        #expect(!unannounced.info.upgrade && values("Upgrade", in: unannounced.lines).isEmpty)
    }

    @Test func hostIsPreservedOrReplaced() throws {
        #expect(values("Host", in: try Self.forward("GET / HTTP/1.1\r\nHost: Example.COM:81\r\n\r\n").lines) == ["Example.COM:81"])
        var o = Self.options
        o.preserveHost = false
        let r = try Self.forward("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", options: o)
        #expect(values("Host", in: r.lines) == ["backend.internal:8080"])
        #expect(values("X-Forwarded-Host", in: r.lines) == ["example.com"])
        // absolute-form: the target's authority wins over the Host field; HTTP/1.0 without Host gets the upstream's.
        let abs = try Self.forward("GET http://target.test/x HTTP/1.1\r\nHost: other\r\n\r\n")
        #expect(values("Host", in: abs.lines) == ["target.test"])
        let old = try Self.forward("GET / HTTP/1.0\r\n\r\n")
        #expect(values("Host", in: old.lines) == ["backend.internal:8080"])
        #expect(old.lines[0] == "GET /up HTTP/1.1")
        #expect(values("Via", in: old.lines) == ["1.0 nexus"])
        #expect(values("X-Forwarded-Host", in: old.lines).isEmpty)
    }

    @Test func forwardingFieldsFromAnUntrustedPeerAreReplaced() throws {
        let text = "GET / HTTP/1.1\r\nHost: a.test\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 7.7.7.7\r\n"
            + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\nForwarded: for=6.6.6.6\r\n\r\n"
        let r = try Self.forward(text, clientIP: "198.51.100.1", isTLS: true, trusted: false)
        #expect(values("X-Forwarded-For", in: r.lines) == ["198.51.100.1"])
        #expect(values("X-Forwarded-Proto", in: r.lines) == ["https"])
        #expect(values("X-Forwarded-Host", in: r.lines) == ["a.test"])
        #expect(values("Forwarded", in: r.lines) == ["for=198.51.100.1;proto=https;host=a.test"])
    }

    @Test func forwardingFieldsFromATrustedPeerAreAppendedTo() throws {
        let text = "GET / HTTP/1.1\r\nHost: a.test\r\nX-Forwarded-For: 203.0.113.9, 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\n"
            + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: public.test\r\nForwarded: for=203.0.113.9;proto=https\r\n\r\n"
        let r = try Self.forward(text, clientIP: "10.0.0.3", trusted: true)
        #expect(values("X-Forwarded-For", in: r.lines) == ["203.0.113.9, 10.0.0.1, 10.0.0.2, 10.0.0.3"])
        #expect(values("X-Forwarded-Proto", in: r.lines) == ["https"])
        #expect(values("X-Forwarded-Host", in: r.lines) == ["public.test"])
        #expect(values("Forwarded", in: r.lines) == ["for=203.0.113.9;proto=https, for=10.0.0.3;proto=http;host=a.test"])
    }

    @Test func forwardingFieldsNamedByConnectionAreHopByHopEvenFromATrustedPeer() throws {
        let text = "GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Forwarded-For, forwarded, X-Forwarded-Proto, X-Request-Id\r\n"
            + "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Request-Id: mine\r\n\r\n"
        let r = try Self.forward(text, clientIP: "10.0.0.3", trusted: true, seed: 8)
        #expect(values("X-Forwarded-For", in: r.lines) == ["10.0.0.3"])
        #expect(values("Forwarded", in: r.lines) == ["for=10.0.0.3;proto=http;host=a"])
        #expect(values("X-Forwarded-Proto", in: r.lines) == ["http"])
        #expect(values("X-Request-Id", in: r.lines) == [Self.generatedID(seed: 8)])
    }

    @Test(arguments: [
        ("2001:db8::1", "for=\"[2001:db8::1]\";proto=http;host=\"[::1]:8443\""),
        ("[2001:db8::1]", "for=\"[2001:db8::1]\";proto=http;host=\"[::1]:8443\""),
        ("192.0.2.1", "for=192.0.2.1;proto=http;host=\"[::1]:8443\""),
        ("", "for=unknown;proto=http;host=\"[::1]:8443\""),
    ])
    func forwardedQuotesIPv6AndPorts(_ ip: String, _ expected: String) throws {
        let r = try Self.forward("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", clientIP: ip)
        #expect(values("Forwarded", in: r.lines) == [expected])
        #expect(values("X-Forwarded-For", in: r.lines) == [ip.isEmpty ? "unknown" : ip])
    }

    @Test func requestIDIsPassedWhenValidElseGenerated() throws {
        let valid = "abc-123_XYZ." + String(repeating: "z", count: 188) // 200 bytes
        let r = try Self.forward("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: \(valid)\r\n\r\n")
        #expect(values("X-Request-Id", in: r.lines) == [valid])
        #expect(String(decoding: r.out.bytes[r.info.requestID!], as: UTF8.self) == valid)
        for bad in [valid + "z", "has space", "caf\u{e9}", ""] {
            let g = try Self.forward("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: \(bad)\r\n\r\n", seed: 5)
            #expect(values("X-Request-Id", in: g.lines) == [Self.generatedID(seed: 5)], "\(bad)")
        }
        let twice = try Self.forward("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: one\r\nX-Request-Id: two\r\n\r\n")
        #expect(values("X-Request-Id", in: twice.lines) == ["one"])
    }

    @Test func viaIsAppendedAfterTheClientsVia() throws {
        let r = try Self.forward("GET / HTTP/1.1\r\nHost: a\r\nVia: 1.1 cdn\r\n\r\n")
        #expect(values("Via", in: r.lines) == ["1.1 cdn", "1.1 nexus"])
    }

    @Test func routeEditsRemoveAndAdd() throws {
        let edits = try #require(HeaderEdits(remove: ["cookie", "X-FORWARDED-HOST", "Via", "x-request-id"],
                                             add: [(name: "X-Route", value: "r1"), (name: "Cookie", value: "c=2")]))
        var o = Self.options
        o.edits = edits
        let r = try Self.forward("GET / HTTP/1.1\r\nHost: a\r\nCOOKIE: c=1\r\nAccept: x\r\n\r\n", options: o)
        #expect(values("Cookie", in: r.lines) == ["c=2"])
        #expect(values("X-Route", in: r.lines) == ["r1"])
        #expect(values("X-Forwarded-Host", in: r.lines).isEmpty)
        #expect(values("Via", in: r.lines).isEmpty)
        #expect(values("X-Request-Id", in: r.lines).isEmpty && r.info.requestID == nil)
        #expect(values("Accept", in: r.lines) == ["x"])
        #expect(r.lines.last == "Cookie: c=2")
        // Removal never touches Host or the framing.
        let framed = try #require(HeaderEdits(remove: ["host", "content-length"], add: []))
        o.edits = framed
        let f = try Self.forward("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n", options: o)
        #expect(values("Host", in: f.lines) == ["a"] && values("Content-Length", in: f.lines) == ["2"])
    }

    @Test func headerEditsRefuseWhatCouldSplitOrReframe() {
        #expect(HeaderEdits(remove: ["bad name"], add: []) == nil)
        #expect(HeaderEdits(remove: [""], add: []) == nil)
        #expect(HeaderEdits(remove: [], add: [(name: "X-A", value: "a\r\nX-B: b")]) == nil)
        #expect(HeaderEdits(remove: [], add: [(name: "X A", value: "a")]) == nil)
        for reserved in ["Content-Length", "transfer-encoding", "Host", "Connection", "Upgrade", "TE", "Keep-Alive"] {
            #expect(HeaderEdits(remove: [], add: [(name: reserved, value: "1")]) == nil, "\(reserved)")
        }
        #expect(ForwardingOptions(upstreamHost: "bad host") == nil)
        #expect(ForwardingOptions(upstreamHost: "[::1]:80") != nil)
    }

    @Test func methodOverrideAndTargetCheck() throws {
        let r = try Self.forward("PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(r.lines[0] == "PURGE /up HTTP/1.1")
        let o = try Self.forward("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n", method: .get)
        #expect(o.lines[0] == "GET /up HTTP/1.1")
        for bad in ["", "/a b", "/a#frag", "/a\r\nX: y"] {
            #expect(throws: HTTPParseError(status: 500, detail: "invalid rewritten request target")) {
                try Self.forward("GET / HTTP/1.1\r\nHost: a\r\n\r\n", target: bad)
            }
        }
    }

    @Test func noConnectionCloseUpstream() throws {
        let r = try Self.forward("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(values("Connection", in: r.lines).isEmpty)
    }
}
