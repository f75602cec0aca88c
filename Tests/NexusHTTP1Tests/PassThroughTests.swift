import NexusBytes
import Testing
@testable import NexusHTTP1

/// Forwarding a body unchanged: the consumed bytes are the message, to the byte, however the input is split.
@Suite struct PassThroughTests {
    static let chunkedBody = "4;ext=\"a b\"\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n"
    static let next = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

    /// Feeds `stream` to `decoder` in the pieces given by `cuts`, like a proxy: forward what was consumed, keep
    /// the rest. Returns the bytes forwarded, the bytes left over and whether the body completed.
    static func forward(_ stream: [UInt8], cuts: [Int], decoder: BodyDecoder) throws -> ([UInt8], [UInt8], Bool) {
        var d = decoder
        var pending: [UInt8] = []
        var forwarded: [UInt8] = []
        var start = 0
        for cut in cuts + [stream.count] where cut >= start {
            pending += stream[start..<cut]
            start = cut
            if d.isComplete { continue }
            let consumed = try pending.withUnsafeBytes { try d.passThrough($0) }
            #expect(consumed <= pending.count)
            forwarded += pending[0..<consumed]
            pending.removeFirst(consumed)
            if !d.isComplete { #expect(pending.isEmpty) }
        }
        return (forwarded, pending, d.isComplete)
    }

    @Test func chunkedBytesAreForwardedExactlyAndStopAtTheEnd() throws {
        let body = Array(Self.chunkedBody.utf8), tail = Array(Self.next.utf8)
        let stream = body + tail
        let d = ResponseFraming.chunked.bodyDecoder(limits: HTTP1Limits(maxBodyBytes: .max))
        let whole = try Self.forward(stream, cuts: [], decoder: d)
        #expect(whole.0 == body)
        #expect(whole.1 == tail)
        #expect(whole.2)
        // Split once at every position.
        for k in 0...stream.count {
            let r = try Self.forward(stream, cuts: [k], decoder: d)
            #expect(r.0 == body && r.1 == tail && r.2, "split at \(k)")
        }
        // One byte at a time.
        let bytewise = try Self.forward(stream, cuts: Array(0...stream.count), decoder: d)
        #expect(bytewise.0 == body && bytewise.1 == tail && bytewise.2)
    }

    @Test func lengthBodyStopsAtItsLength() throws {
        let stream = Array("hello world".utf8) + Array(Self.next.utf8)
        for k in 0...stream.count {
            let r = try Self.forward(stream, cuts: [k], decoder: ResponseFraming.length(11).bodyDecoder(limits: HTTP1Limits()))
            #expect(r.0 == Array("hello world".utf8) && r.1 == Array(Self.next.utf8) && r.2)
        }
    }

    @Test func noneIsCompleteAtOnceAndUntilCloseNever() throws {
        let none = ResponseFraming.none.bodyDecoder(limits: HTTP1Limits())
        #expect(none.isComplete)
        let stream = Array(String(repeating: "abc", count: 1000).utf8)
        var d = ResponseFraming.untilClose.bodyDecoder(limits: HTTP1Limits())
        let r = try Self.forward(stream, cuts: [1, 500, 501], decoder: d)
        #expect(r.0 == stream && r.1.isEmpty && !r.2)
        _ = try stream.withUnsafeBytes { try d.passThrough($0) }
        #expect(d.bodyBytes == stream.count && !d.isComplete)
    }

    @Test func aBrokenChunkedBodyIsAnError() {
        var d = ResponseFraming.chunked.bodyDecoder(limits: HTTP1Limits(maxBodyBytes: .max))
        let bad = Array("5\r\nhelloX\r\n0\r\n\r\n".utf8)
        #expect(throws: HTTPParseError.self) { try bad.withUnsafeBytes { try d.passThrough($0) } }
    }

    // MARK: Re-framing a close-delimited body as chunked

    @Test func chunkEncodingRoundTrips() throws {
        var g = SplitMix(seed: 9)
        var original: [UInt8] = []
        let out = ByteBuffer()
        for _ in 0..<200 {
            let piece = (0..<Int(g.next() % 40)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            original += piece
            piece.withUnsafeBytes { ChunkedEncoder.appendChunk($0, into: out) }   // empty pieces write nothing
        }
        ChunkedEncoder.appendLastChunk(into: out)
        var d = BodyDecoder(chunkedWith: HTTP1Limits(maxBodyBytes: .max))
        var decoded: [UInt8] = []
        let encoded = out.bytes
        let consumed = try encoded.withUnsafeBytes { try d.decode($0) { decoded += $0 } }
        #expect(consumed == encoded.count)
        #expect(d.isComplete)
        #expect(decoded == original)
    }

    @Test func chunkEncodingBytes() {
        let b = ByteBuffer()
        Array("hello, world!!!!".utf8).withUnsafeBytes { ChunkedEncoder.appendChunk($0, into: b) }
        ChunkedEncoder.appendChunkHeader(count: 255, into: b)
        ChunkedEncoder.appendChunkEnd(into: b)
        ChunkedEncoder.appendLastChunk(into: b)
        #expect(b.string == "10\r\nhello, world!!!!\r\nff\r\n\r\n0\r\n\r\n")
    }
}
