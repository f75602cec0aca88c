import NexusBytes
import NexusHTTP1

/// What one connection made of a byte stream: the requests, then the error or the bytes left incomplete.
struct Outcome: Equatable {
    struct Request: Equatable {
        var head: RequestHead
        var headBytes: [UInt8]
        var body: [UInt8]
        var trailers: [String]
    }
    var requests: [Request] = []
    var error: HTTPParseError?
}

/// Drives HeadScanner, HeadParser and BodyDecoder like a connection, checking invariants with preconditions.
struct Session {
    let limits: HTTP1Limits
    var buffer: [UInt8] = []
    var scanner = HeadScanner()
    var head = RequestHead()
    var headBytes: [UInt8] = []
    var decoder: BodyDecoder?
    var body: [UInt8] = []
    var outcome = Outcome()

    init(limits: HTTP1Limits) { self.limits = limits }

    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: chunk)
        while true {
            if decoder == nil {
                let limits = limits
                let result = buffer.withUnsafeBytes { scanner.scan($0, limits: limits) }
                switch result {
                case .incomplete:
                    precondition(buffer.count <= limits.maxHeaderBytes, "incomplete past maxHeaderBytes")
                    return
                case .failed(let e):
                    throw e
                case .complete(let n):
                    precondition(n > 0 && n <= buffer.count && n <= limits.maxHeaderBytes, "bad head length")
                    headBytes = Array(buffer[0..<n])
                    try parseHead()
                    buffer.removeFirst(n)
                    scanner.reset()
                    if let d = head.bodyDecoder(limits: limits) {
                        decoder = d
                    } else {
                        finish(trailers: [])
                        continue
                    }
                }
            }
            var delivered = 0
            let consumed = try buffer.withUnsafeBytes { (raw) throws -> Int in
                let before = decoder!.bodyBytes
                let used = try decoder!.decode(raw) { piece in
                    delivered += piece.count
                    body.append(contentsOf: piece)
                }
                precondition(decoder!.bodyBytes - before == delivered, "bodyBytes disagrees with the sink")
                return used
            }
            precondition(consumed >= 0 && consumed <= buffer.count, "consumed more than given")
            precondition(delivered <= consumed, "delivered more than consumed")
            precondition(body.count <= limits.maxBodyBytes, "body above maxBodyBytes")
            buffer.removeFirst(consumed)
            if decoder!.isComplete {
                finish(trailers: decoder!.trailers.map { "\($0.name): \($0.value)" })
                decoder = nil
            } else {
                precondition(buffer.isEmpty, "decoder stopped early without completing")
                return
            }
        }
    }

    mutating func parseHead() throws {
        let limits = limits
        try headBytes.withUnsafeBytes { (raw) throws in
            try HeadParser.parse(raw, limits: limits, into: &head)
        }
        Session.checkRanges(head, count: headBytes.count, limits: limits)
    }

    static func checkRanges(_ h: RequestHead, count: Int, limits: HTTP1Limits) {
        func inside(_ r: Range<Int>?) { if let r { precondition(r.lowerBound >= 0 && r.upperBound <= count, "range out of head") } }
        inside(h.methodRange); inside(h.targetRange); inside(h.pathRange); inside(h.queryRange); inside(h.hostRange)
        precondition(!h.methodRange.isEmpty && !h.targetRange.isEmpty, "empty method or target")
        precondition(h.pathRange.lowerBound >= h.targetRange.lowerBound && h.pathRange.upperBound <= h.targetRange.upperBound)
        if let q = h.queryRange { precondition(q.lowerBound > h.targetRange.lowerBound && q.upperBound == h.targetRange.upperBound) }
        precondition(h.fields.count <= limits.maxHeaderCount, "too many fields")
        for f in h.fields { inside(f.name); inside(f.value); precondition(!f.name.isEmpty) }
        precondition(!(h.isChunked && h.contentLength != nil), "two framings")
        if let cl = h.contentLength { precondition(cl >= 0 && cl <= limits.maxBodyBytes, "bad Content-Length") }
        if h.version == .http10 { precondition(!h.isChunked && !h.expectContinue) }
        if h.version == .http11 { precondition(h.hostRange != nil, "HTTP/1.1 without a host") }
    }

    mutating func finish(trailers: [String]) {
        outcome.requests.append(.init(head: head, headBytes: headBytes, body: body, trailers: trailers))
        body = []
    }

    /// Feeds `input` in the pieces ending at `cuts` (ascending), and returns what came out.
    static func run(_ input: UnsafeRawBufferPointer, cuts: [Int], limits: HTTP1Limits) -> Outcome {
        var s = Session(limits: limits)
        var start = 0
        do {
            for cut in cuts + [input.count] where cut >= start && cut <= input.count {
                try s.feed(UnsafeRawBufferPointer(rebasing: input[start..<cut]))
                start = cut
            }
        } catch let e as HTTPParseError {
            s.outcome.error = e
        } catch {
            preconditionFailure("unexpected error type \(error)")
        }
        return s.outcome
    }
}

enum FuzzDriver {
    /// The first byte picks limits and split pattern; the rest is the byte stream of one connection.
    static func run(_ data: UnsafeRawBufferPointer) {
        guard let selector = data.first else { return }
        let input = UnsafeRawBufferPointer(rebasing: data[1...])
        let limits = selector & 1 == 0
            ? HTTP1Limits()
            : HTTP1Limits(maxRequestLineBytes: 40, maxHeaderBytes: 160, maxHeaderCount: 4, maxBodyBytes: 64,
                          maxTrailerBytes: 40, maxChunkExtensionBytes: 12)

        // Whole, then split: the outcome must not depend on how the bytes arrive.
        let whole = Session.run(input, cuts: [], limits: limits)
        let step = Int(selector >> 1) % 7 + 1
        let pieces = Session.run(input, cuts: Array(stride(from: 0, to: input.count, by: step)), limits: limits)
        precondition(pieces == whole, "split feeding changed the outcome")
        let cut = input.count * Int(selector) / 256
        precondition(Session.run(input, cuts: [cut], limits: limits) == whole, "one cut changed the outcome")

        // The parser and the decoders straight on the raw bytes.
        var head = RequestHead()
        if (try? HeadParser.parse(input, limits: limits, into: &head)) != nil {
            Session.checkRanges(head, count: input.count, limits: limits)
        }
        var chunked = BodyDecoder(chunkedWith: limits)
        var total = 0
        if let used = try? chunked.decode(input, { total += $0.count }) {
            precondition(used <= input.count && total <= used, "chunked decoder consumed count")
        }
        precondition(total <= input.count && total <= limits.maxBodyBytes, "chunked decoder delivered too much")
        var fixed = BodyDecoder(contentLength: Int(selector))
        let usedFixed = (try? fixed.decode(input) { _ in }) ?? -1
        precondition(usedFixed == min(Int(selector), input.count))

        // The response side with bytes from the input.
        let b = ByteBuffer(capacity: 64)
        JSONString.append(input, to: b)
        precondition(b.readableBytes == JSONString.encodedCount(input), "encodedCount disagrees with append")
        for byte in b.readable { precondition(byte >= 0x20, "raw control byte in JSON") }
        ResponseWriter.header("X", bytes: input, into: b)
    }
}
