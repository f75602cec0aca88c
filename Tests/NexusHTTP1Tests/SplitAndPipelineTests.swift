import Testing
@testable import NexusHTTP1

/// The same bytes give the same requests however they are split, and pipelined requests come out in order.
@Suite struct SplitAndPipelineTests {
    static let samples: [String] = [
        "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
        "\r\nPOST /api HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\nhello world",
        "PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "4;x=\"y\"\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: yes\r\n\r\n",
        "GET http://up.test/p HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        // Pipelined: four requests in one stream.
        "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\nGET /4 HTTP/1.1\r\nHost: a\r\n\r\n",
    ]

    /// Requests and final error of a connection fed `bytes` in the pieces given by `cuts`.
    static func run(_ bytes: [UInt8], cuts: [Int],
                    limits: HTTP1Limits = HTTP1Limits()) -> ([Parsed], HTTPParseError?) {
        var c = Connection(limits: limits)
        var start = 0
        do {
            for cut in cuts + [bytes.count] where cut >= start {
                try c.feed(bytes[start..<cut])
                start = cut
            }
            return (c.requests, nil)
        } catch {
            return (c.requests, error as? HTTPParseError)
        }
    }

    @Test(arguments: samples)
    func everySplitPointGivesTheSameResult(_ text: String) {
        let bytes = Array(text.utf8)
        let whole = Self.run(bytes, cuts: [])
        #expect(whole.1 == nil)
        #expect(!whole.0.isEmpty)
        #expect(whole.0.reduce(0) { $0 + $1.wireBytes } == bytes.count)
        for k in 0...bytes.count {
            let split = Self.run(bytes, cuts: [k])
            #expect(split.0 == whole.0 && split.1 == nil, "split at \(k)")
        }
        let oneByOne = Self.run(bytes, cuts: Array(0...bytes.count))
        #expect(oneByOne.0 == whole.0 && oneByOne.1 == nil)
        // Random three-way splits (deterministic generator).
        var g = SplitMix(seed: UInt64(bytes.count))
        for _ in 0..<200 {
            let cuts = (0..<3).map { _ in Int(g.next() % UInt64(bytes.count + 1)) }.sorted()
            let r = Self.run(bytes, cuts: cuts)
            #expect(r.0 == whole.0 && r.1 == nil, "cuts \(cuts)")
        }
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\nHost: a\r\n\r\n",
    ])
    func errorsDoNotDependOnSplits(_ text: String) {
        let bytes = Array(text.utf8)
        let whole = Self.run(bytes, cuts: [])
        #expect(whole.1 != nil)
        for k in 0...bytes.count {
            let split = Self.run(bytes, cuts: [k])
            #expect(split.0 == whole.0 && split.1?.status == whole.1?.status, "split at \(k)")
        }
    }

    @Test func pipelinedInOrder() throws {
        let text = Self.samples[4]
        guard case .success(let rs) = parseAll(text) else { Issue.record("failed"); return }
        #expect(rs.map(\.path) == ["/1", "/2", "/3", "/4"])
        #expect(rs.map(\.head.method) == [.get, .post, .post, .get])
        #expect(rs.map { String(decoding: $0.body, as: UTF8.self) } == ["", "abc", "xy", ""])
        #expect(rs.map(\.wireBytes) == [28, 51, 69, 28])
        #expect(rs.map(\.wireBytes).reduce(0, +) == text.utf8.count)
    }

    @Test func pipelinedAtTheAPILevel() throws {
        // One buffer holding a whole POST and the start of the next request.
        let bytes = Array("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokGET /b HTTP/1.1\r\nHo".utf8)
        let limits = HTTP1Limits()
        var scanner = HeadScanner()
        var head = RequestHead()
        try bytes.withUnsafeBytes { (all: UnsafeRawBufferPointer) throws in
            guard case .complete(let n) = scanner.scan(all, limits: limits) else { Issue.record("head"); return }
            try HeadParser.parse(UnsafeRawBufferPointer(rebasing: all[0..<n]), limits: limits, into: &head)
            #expect(head.contentLength == 2)
            var decoder = try #require(head.bodyDecoder(limits: limits))
            var body: [UInt8] = []
            let used = try decoder.decode(UnsafeRawBufferPointer(rebasing: all[n...])) { body += $0 }
            #expect(used == 2 && decoder.isComplete && body == Array("ok".utf8))
            scanner.reset()
            let rest = UnsafeRawBufferPointer(rebasing: all[(n + used)...])
            #expect(scanner.scan(rest, limits: limits) == .incomplete)
            #expect(Array(rest.prefix(6)) == Array("GET /b".utf8))
        }
    }
}

/// A small deterministic random generator for reproducible splits.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
