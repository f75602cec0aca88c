import NexusBytes
import NexusConfig
@testable import NexusServer
import Testing

/// The engine fed bytes directly, no sockets: what it queues, when it closes, what the timers do.
@Suite struct EngineTests {
    static func config(_ routes: [RouteConfig] = EngineTests.routes, limits: LimitsConfig = .defaults) -> NexusConfig {
        var c = NexusConfig(listeners: [ListenerConfig(name: "t", host: "127.0.0.1", port: 0, isIPv6: false, backlog: 16)])
        c.routes = routes
        c.limits = limits
        return c
    }

    static let routes: [RouteConfig] = [
        RouteConfig(match: .exact("/a"), methods: ["GET"], handler: .static(StaticResponseConfig(status: 200, contentType: "text/plain", body: Array("A".utf8), headers: []))),
        RouteConfig(match: .prefix("/echo/"), methods: nil, handler: .echo),
        RouteConfig(match: .prefix("/"), methods: ["GET"], handler: .static(StaticResponseConfig(status: 200, contentType: "text/plain", body: Array("root".utf8), headers: []))),
    ]

    func engine(_ c: NexusConfig = EngineTests.config()) -> (HTTPEngine, Connection) {
        let e = HTTPEngine(settings: EngineSettings(c), routes: try! RouteTable(c.routes))
        let conn = Connection(slot: 0)
        conn.open(fd: -1, now: 0)
        e.opened(conn)
        return (e, conn)
    }

    func feed(_ e: HTTPEngine, _ c: Connection, _ s: String) {
        Array(s.utf8).withUnsafeBytes { e.received(c, $0) }
    }

    /// Splits the outbox into responses (status and body), assuming Content-Length framing.
    func responses(_ c: Connection) -> [(status: Int, body: String)] {
        let bytes = c.outbox.bytes
        var out: [(Int, String)] = []
        var i = 0
        while i < bytes.count {
            var end = i
            while end + 3 < bytes.count && !(bytes[end] == 13 && bytes[end + 1] == 10 && bytes[end + 2] == 13 && bytes[end + 3] == 10) { end += 1 }
            guard end + 3 < bytes.count else { break }
            let head = String(decoding: bytes[i..<end], as: UTF8.self)
            let lines = head.split(separator: "\r\n")
            let status = Int(lines[0].split(separator: " ")[1])!
            var length = 0
            for line in lines.dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts[0].lowercased() == "content-length" { length = Int(parts[1].filter { $0 != " " })! }
            }
            let bodyStart = end + 4
            out.append((status, String(decoding: bytes[bodyStart..<bodyStart + length], as: UTF8.self)))
            i = bodyStart + length
        }
        return out
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() {
        let (e, c) = engine()
        var batch = ""
        for i in 0..<50 { batch += "GET /echo/\(i) HTTP/1.1\r\nHost: x\r\n\r\n" }
        feed(e, c, batch)
        let r = responses(c)
        #expect(r.count == 50)
        for (i, resp) in r.enumerated() { #expect(resp.body.contains("\"path\":\"/echo/\(i)\"")) }
        #expect(!c.closeAfterFlush)
    }

    @Test func exactBeatsPrefixAndMethodMismatchIs405() {
        let (e, c) = engine()
        feed(e, c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /zzz HTTP/1.1\r\nHost: x\r\n\r\n")
        let r = responses(c)
        #expect(r.map(\.status) == [200, 405, 200])
        #expect(r[0].body == "A")
        #expect(r[2].body == "root")
        #expect(c.outbox.string.contains("Allow: GET, HEAD\r\n"))
    }

    @Test func smugglingIsRefusedAndCloses() {
        let (e, c) = engine()
        feed(e, c, "POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc")
        #expect(responses(c).map(\.status) == [400])
        #expect(c.closeAfterFlush)
        #expect(c.outbox.string.contains("Connection: close\r\n"))
        #expect(c.outbox.string.contains("application/problem+json"))
    }

    @Test func bodySplitAcrossReadsIsEchoed() {
        let (e, c) = engine()
        feed(e, c, "POST /echo/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab")
        #expect(c.outbox.isEmpty)
        #expect(c.phase == .body)
        feed(e, c, "c\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n")
        let r = responses(c)
        #expect(r.count == 1)
        #expect(r[0].body.contains("\"body\":\"abcde\""))
        #expect(c.phase == .head)
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() {
        let (e, c) = engine()
        feed(e, c, "POST /echo/c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        #expect(c.outbox.string == "HTTP/1.1 100 Continue\r\n\r\n")
        feed(e, c, "hi")
        #expect(c.outbox.string.contains("HTTP/1.1 200 OK"))
    }

    @Test func oversizedContentLengthIs413WithoutReadingTheBody() {
        let (e, c) = engine(Self.config(limits: LimitsConfig(maxBodyBytes: 10)))
        feed(e, c, "POST /echo/d HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
        #expect(responses(c).map(\.status) == [413])
        #expect(c.closeAfterFlush)
    }

    @Test func headRequestsGetNoBody() {
        let (e, c) = engine()
        feed(e, c, "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n")
        let s = c.outbox.string
        #expect(s.hasPrefix("HTTP/1.1 200 OK"))
        #expect(s.contains("Content-Length: 1\r\n"))
        #expect(s.hasSuffix("\r\n\r\n"))
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() {
        let (e, c) = engine()
        feed(e, c, "GET /a HTTP/1.0\r\n\r\n")
        #expect(c.outbox.string.contains("Connection: close\r\n"))
        #expect(c.closeAfterFlush)
        let (e2, c2) = engine()
        feed(e2, c2, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(c2.outbox.string.contains("Connection: keep-alive\r\n"))
        #expect(!c2.closeAfterFlush)
    }

    @Test func outputHighWaterHoldsBackPipelinedRequests() {
        let (e, c) = engine()
        e.settings.outputHighWater = 1000
        var batch = ""
        for i in 0..<100 { batch += "GET /echo/\(i) HTTP/1.1\r\nHost: x\r\n\r\n" }
        feed(e, c, batch)
        let first = responses(c).count
        #expect(first > 0 && first < 100)
        // The driver sends the outbox; the engine resumes.
        var total = first
        while total < 100 {
            c.outbox.clear()
            e.outputDrained(c)
            let n = responses(c).count
            #expect(n > 0)
            total += n
        }
        #expect(total == 100)
    }

    @Test func headerTimeoutAnswers408AndIdleTimeoutClosesSilently() {
        let (e, c) = engine()
        e.now = 0
        feed(e, c, "GET /a HTT")
        e.rearm(c)
        #expect(c.timer == .header)
        e.now = c.deadline
        e.expired(c)
        #expect(responses(c).map(\.status) == [408])
        #expect(c.closeAfterFlush)

        let (e2, c2) = engine()
        feed(e2, c2, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        c2.outbox.clear()
        e2.rearm(c2)
        #expect(c2.timer == .idle)
        e2.expired(c2)
        #expect(c2.abort)
        #expect(c2.outbox.isEmpty)
    }

    @Test func drainClosesAfterTheResponse() {
        let (e, c) = engine()
        e.beginDrain([c])
        feed(e, c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(c.outbox.string.contains("Connection: close\r\n"))
        #expect(c.closeAfterFlush)
    }
}
