import Benchmark
import NexusBytes
import NexusHTTP1

/// Scanning and parsing the head of a typical API request: the work the engine does per request before routing.
let benchmarks: @Sendable () -> Void = {
    // 1000 iterations per sample: the time is per iteration, the malloc count per 1000 (the state is made once).
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           scalingFactor: .kilo, maxDuration: .seconds(3))

    let request = Array((
        "GET /api/echo?limit=10 HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: wrk/4.2\r\n"
        + "Accept: application/json\r\nX-API-Key: k1\r\nConnection: keep-alive\r\n\r\n").utf8)
    let limits = HTTP1Limits()

    final class State: @unchecked Sendable {
        var head = RequestHead()
        var scanner = HeadScanner()
    }
    let state = State()
    Benchmark("scan+parse a 150-byte GET head") { benchmark in
        request.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                state.scanner.reset()
                guard case .complete(let n) = state.scanner.scan(bytes, limits: limits) else { fatalError("incomplete") }
                try? HeadParser.parse(UnsafeRawBufferPointer(rebasing: bytes[0..<n]), limits: limits, into: &state.head)
                blackHole(state.head.contentLength)
            }
        }
    }

    let chunked = Array("5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n".utf8)
    Benchmark("decode a chunked body with a trailer") { benchmark in
        chunked.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                var d = BodyDecoder(chunkedWith: limits)
                var total = 0
                _ = try? d.decode(bytes) { total += $0.count }
                blackHole(total)
            }
        }
    }
}
