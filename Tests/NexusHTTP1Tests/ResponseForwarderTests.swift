import NexusBytes
import Testing
@testable import NexusHTTP1

/// The head sent to the client: hop-by-hop fields gone, framing chosen for the client, close when needed.
@Suite struct ResponseForwarderTests {
    static func forward(_ text: String, method: HTTPMethod = .get, options: ResponseForwardingOptions = .init(),
                        keepAlive: Bool = true, client: HTTPVersion = .http11)
        throws -> (lines: [String], plan: ResponsePlan) {
        let bytes = Array(text.utf8)
        var head = ResponseHead()
        try bytes.withUnsafeBytes { try ResponseHeadParser.parse($0, limits: HTTP1Limits(), into: &head) }
        let framing = ResponseFraming.framing(of: head, requestMethod: method)
        let out = ByteBuffer()
        let plan = bytes.withUnsafeBytes {
            ResponseForwarder.writeHead(response: head, headBytes: $0, framing: framing, options: options,
                                        keepAliveToClient: keepAlive, clientVersion: client, into: out)
        }
        // What we send must itself be a valid response head.
        var again = ResponseHead()
        #expect(throws: Never.self) { try ResponseHeadParser.parse(out.readable, limits: HTTP1Limits(), into: &again) }
        return (headLines(out), plan)
    }

    @Test func aPlainResponse() throws {
        let r = try Self.forward("HTTP/1.0 200 Fine\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n")
        #expect(r.lines == ["HTTP/1.1 200 Fine", "Content-Type: text/plain", "Content-Length: 5", "Via: 1.0 nexus"])
        #expect(r.plan == ResponsePlan(body: .raw, closeClient: false))
    }

    @Test func everyHopByHopFieldIsDropped() throws {
        let text = "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nProxy-Connection: x\r\n"
            + "TE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\nProxy-Authenticate: Basic\r\nProxy-Authorization: x\r\n"
            + "X-Hop: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n"
        let r = try Self.forward(text)
        for name in ["Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade", "Proxy-Authenticate",
                     "Proxy-Authorization", "X-Hop", "Connection"] {
            #expect(values(name, in: r.lines).isEmpty, "\(name) was forwarded")
        }
        #expect(values("Set-Cookie", in: r.lines) == ["a=1", "b=2"])
        #expect(values("Transfer-Encoding", in: r.lines) == ["chunked"])
        #expect(r.plan == ResponsePlan(body: .raw, closeClient: false))
    }

    @Test func framingForTheClient() throws {
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        let closeDelimited = "HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\n"
        // Chunked: raw to HTTP/1.1; decoded and closed to HTTP/1.0.
        var r = try Self.forward(chunked, client: .http10)
        #expect(r.plan == ResponsePlan(body: .decoded, closeClient: true))
        #expect(values("Transfer-Encoding", in: r.lines).isEmpty && values("Connection", in: r.lines) == ["close"])
        // Close-delimited: re-framed as chunked for HTTP/1.1 (the client connection stays open); raw and closed for 1.0.
        r = try Self.forward(closeDelimited)
        #expect(r.plan == ResponsePlan(body: .chunkEncode, closeClient: false))
        #expect(values("Transfer-Encoding", in: r.lines) == ["chunked"] && values("Connection", in: r.lines).isEmpty)
        r = try Self.forward(closeDelimited, client: .http10)
        #expect(r.plan == ResponsePlan(body: .raw, closeClient: true))
        #expect(values("Transfer-Encoding", in: r.lines).isEmpty && values("Connection", in: r.lines) == ["close"])
        // Length to an HTTP/1.0 keep-alive client says so.
        r = try Self.forward("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", client: .http10)
        #expect(r.plan == ResponsePlan(body: .raw, closeClient: false))
        #expect(values("Connection", in: r.lines) == ["keep-alive"])
        // The caller's decision to close.
        r = try Self.forward("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", keepAlive: false)
        #expect(r.plan == ResponsePlan(body: .raw, closeClient: true) && values("Connection", in: r.lines) == ["close"])
    }

    @Test func bodilessResponsesKeepOrDropTheirLength() throws {
        var r = try Self.forward("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", method: .head)
        #expect(r.plan == ResponsePlan(body: .none, closeClient: false) && values("Content-Length", in: r.lines) == ["42"])
        r = try Self.forward("HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\nETag: \"e\"\r\n\r\n")
        #expect(r.plan.body == .none && values("Content-Length", in: r.lines) == ["42"])
        r = try Self.forward("HTTP/1.1 204 No Content\r\nContent-Length: 42\r\n\r\n")
        #expect(r.plan.body == .none && values("Content-Length", in: r.lines).isEmpty)
        r = try Self.forward("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", method: .head)
        #expect(r.plan.body == .none && values("Transfer-Encoding", in: r.lines).isEmpty)
    }

    @Test func interimAndSwitchingProtocols() throws {
        var r = try Self.forward("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", keepAlive: false)
        #expect(r.lines == ["HTTP/1.1 103 Early Hints", "Link: </a.css>; rel=preload", "Via: 1.1 nexus"])
        #expect(r.plan == ResponsePlan(body: .none, closeClient: false))
        r = try Self.forward("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Accept: s\r\n\r\n")
        #expect(r.lines == ["HTTP/1.1 101 Switching Protocols", "Sec-WebSocket-Accept: s", "Connection: upgrade",
                            "Upgrade: websocket", "Via: 1.1 nexus"])
        #expect(r.plan == ResponsePlan(body: .tunnel, closeClient: true))
    }

    @Test func routeEditsAndVia() throws {
        let edits = try #require(HeaderEdits(remove: ["server", "X-Powered-By"], add: [(name: "X-Frame-Options", value: "DENY")]))
        let r = try Self.forward("HTTP/1.1 200 OK\r\nServer: apache\r\nx-powered-by: php\r\nVia: 1.1 cdn\r\nContent-Length: 0\r\n\r\n",
                                 options: ResponseForwardingOptions(edits: edits))
        #expect(r.lines == ["HTTP/1.1 200 OK", "Via: 1.1 cdn", "Content-Length: 0", "Via: 1.1 nexus", "X-Frame-Options: DENY"])
        let noVia = try Self.forward("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", options: ResponseForwardingOptions(via: false))
        #expect(values("Via", in: noVia.lines).isEmpty)
    }

    @Test func emptyReasonIsKept() throws {
        let r = try Self.forward("HTTP/1.1 418 \r\nContent-Length: 0\r\n\r\n")
        #expect(r.lines[0] == "HTTP/1.1 418 ")
    }

    /// The whole path of a close-delimited body to an HTTP/1.1 client: head, re-chunked pieces, last chunk; the
    /// client (our own request-side decoder) reads the same bytes back.
    @Test func closeDelimitedBodyReframedEndToEnd() throws {
        let upstream = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst piece, second piece".utf8)
        var scanner = ResponseHeadScanner()
        guard case .complete(let n) = upstream.withUnsafeBytes({ scanner.scan($0, limits: HTTP1Limits()) }) else {
            Issue.record("head incomplete"); return
        }
        var head = ResponseHead()
        try upstream[0..<n].withUnsafeBytes { try ResponseHeadParser.parse($0, limits: HTTP1Limits(), into: &head) }
        let framing = ResponseFraming.framing(of: head, requestMethod: .get)
        let out = ByteBuffer()
        let plan = upstream[0..<n].withUnsafeBytes {
            ResponseForwarder.writeHead(response: head, headBytes: $0, framing: framing, options: .init(),
                                        keepAliveToClient: true, clientVersion: .http11, into: out)
        }
        #expect(plan.body == .chunkEncode)
        let headLength = out.readableBytes
        var d = framing.bodyDecoder(limits: HTTP1Limits())
        for piece in [upstream[n..<(n + 12)], upstream[(n + 12)...]] {
            try Array(piece).withUnsafeBytes { p in
                let consumed = try d.passThrough(p)
                ChunkedEncoder.appendChunk(UnsafeRawBufferPointer(rebasing: p[0..<consumed]), into: out)
            }
        }
        ChunkedEncoder.appendLastChunk(into: out) // the upstream closed cleanly
        out.consume(headLength)
        var client = BodyDecoder(chunkedWith: HTTP1Limits())
        var body: [UInt8] = []
        let used = try client.decode(out.readable) { body += $0 }
        #expect(client.isComplete && used == out.readableBytes)
        #expect(body == Array(upstream[n...]))
    }
}
