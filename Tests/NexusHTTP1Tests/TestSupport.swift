import NexusBytes
import Testing
@testable import NexusHTTP1

/// One request as a connection would see it: head, decoded body, trailers and the bytes it took.
struct Parsed: Equatable {
    var head: RequestHead
    var headBytes: [UInt8]
    var body: [UInt8]
    var trailers: [String]
    var wireBytes: Int

    func text(_ r: Range<Int>?) -> String? { r.map { String(decoding: headBytes[$0], as: UTF8.self) } }
    var path: String { text(head.pathRange)! }
    var target: String { text(head.targetRange)! }
    var host: String? { text(head.hostRange) }
}

/// Drives HeadScanner, HeadParser and BodyDecoder over bytes that arrive in pieces, like a connection does.
struct Connection {
    var limits = HTTP1Limits()
    var buffer: [UInt8] = []
    var scanner = HeadScanner()
    var head = RequestHead()
    var headBytes: [UInt8] = []
    var decoder: BodyDecoder?
    var body: [UInt8] = []
    var wire = 0
    var requests: [Parsed] = []

    init(limits: HTTP1Limits = HTTP1Limits()) { self.limits = limits }

    mutating func feed<C: Collection>(_ chunk: C) throws where C.Element == UInt8 {
        buffer.append(contentsOf: chunk)
        while true {
            if decoder == nil {
                let limits = limits
                let result = buffer.withUnsafeBytes { scanner.scan($0, limits: limits) }
                switch result {
                case .incomplete: return
                case .failed(let e): throw e
                case .complete(let n):
                    headBytes = Array(buffer[0..<n])
                    try headBytes.withUnsafeBytes { try HeadParser.parse($0, limits: limits, into: &head) }
                    buffer.removeFirst(n)
                    wire = n
                    scanner.reset()
                    if let d = head.bodyDecoder(limits: limits) {
                        decoder = d
                    } else {
                        finish(trailers: [])
                        continue
                    }
                }
            }
            let consumed = try buffer.withUnsafeBytes { raw in
                try decoder!.decode(raw) { body.append(contentsOf: $0) }
            }
            #expect(consumed <= buffer.count)
            buffer.removeFirst(consumed)
            wire += consumed
            if decoder!.isComplete {
                finish(trailers: decoder!.trailers.map { "\($0.name): \($0.value)" })
                decoder = nil
            } else {
                #expect(buffer.isEmpty)
                return
            }
        }
    }

    mutating func finish(trailers: [String]) {
        requests.append(Parsed(head: head, headBytes: headBytes, body: body, trailers: trailers, wireBytes: wire))
        body = []
        wire = 0
    }
}

/// Feeds `text` whole and returns the requests, or the error.
func parseAll(_ bytes: [UInt8], limits: HTTP1Limits = HTTP1Limits()) -> Result<[Parsed], HTTPParseError> {
    var c = Connection(limits: limits)
    do {
        try c.feed(bytes)
        return .success(c.requests)
    } catch let e as HTTPParseError {
        return .failure(e)
    } catch {
        fatalError("unexpected error \(error)")
    }
}

func parseAll(_ text: String, limits: HTTP1Limits = HTTP1Limits()) -> Result<[Parsed], HTTPParseError> {
    parseAll(Array(text.utf8), limits: limits)
}

/// The single complete request in `text`, or nil (and an issue) when there is not exactly one.
func parseOne(_ text: String, limits: HTTP1Limits = HTTP1Limits(),
              sourceLocation: SourceLocation = #_sourceLocation) -> Parsed? {
    switch parseAll(text, limits: limits) {
    case .success(let r) where r.count == 1: return r[0]
    case .success(let r):
        Issue.record("expected one request, got \(r.count)", sourceLocation: sourceLocation)
        return nil
    case .failure(let e):
        Issue.record("unexpected error \(e)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The status of the error `text` produces, 0 when it parses to at least one complete request,
/// or -1 when the input is merely incomplete.
func status(_ text: String, limits: HTTP1Limits = HTTP1Limits()) -> Int {
    switch parseAll(text, limits: limits) {
    case .success(let r): return r.isEmpty ? -1 : 0
    case .failure(let e): return e.status
    }
}

/// Parses a head that is complete (no scanner), for parser-only checks.
func parseHeadOnly(_ text: String, limits: HTTP1Limits = HTTP1Limits()) -> Result<RequestHead, HTTPParseError> {
    var head = RequestHead()
    do {
        try Array(text.utf8).withUnsafeBytes { try HeadParser.parse($0, limits: limits, into: &head) }
        return .success(head)
    } catch let e as HTTPParseError {
        return .failure(e)
    } catch {
        fatalError("unexpected error \(error)")
    }
}
