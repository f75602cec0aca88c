import NexusRuntime
import NexusSystem

/// The JSON access log: one object per answered request, one per line.
///
/// A loop formats the line (only when the log is on) and posts it to the log's writer thread through a lock-free
/// MPSC ring (`LogWriter`): it never waits and never does I/O. A full ring drops the line and counts it
/// (`dropped`, exported as `nexus_access_log_dropped_total`). `reopen()` (SIGUSR1) opens the path again after
/// logrotate renamed the file.
///
/// Fields: `time` (UTC, ms), `client` (the peer's address), `method`, `path` (with the query unless `logQuery` is
/// false), `status`, `bytes` (of the response as queued: head and body), `duration_ms` (from the request's first
/// byte to its response being queued), `route`, `consumer`, `request_id`, `upstream` (the backend's configured
/// address), `tls`. No request field is logged: an Authorization value or an API key never reaches the file.
public final class AccessLog: Sendable {
    private let writer: LogWriter
    let logQuery: Bool

    /// Opens (creates 0640) `path` for appending and starts the writer thread `nexus-access`.
    public init(path: String, logQuery: Bool, capacity: Int = 16384) throws(RuntimeSyscallError) {
        // 10 ms batches: under load the writer is woken ~100 times a second, not once per request.
        writer = try LogWriter(path: path, capacity: capacity, threadName: "nexus-access", batchMilliseconds: 10)
        self.logQuery = logQuery
    }

    /// Lines lost: the ring was full, or their write failed.
    public var dropped: Int { writer.dropped }

    /// Opens the file again (lines already queued go to the old one).
    public func reopen() { writer.reopen() }

    /// Returns once the lines queued so far are written.
    public func flush() { writer.flush() }

    /// Writes what is queued and stops the thread.
    public func stop() { writer.stop() }

    /// Formats and queues the line of the request on `c`. Called by the loop that answered it.
    func log(_ engine: HTTPEngine, _ c: Connection, slot: Int, status: Int, bytes: Int, micros: Int64) {
        var line = JSONLine()
        line.begin()
        line.key("time"); line.timestamp(Clock.unixMilliseconds())
        if c.clientIP == nil { c.clientIP = Array((Socket.peerAddress(c.fd)?.ipString ?? "").utf8) }
        line.key("client"); line.string(c.clientIP ?? [])
        let head = c.head
        let headBytes = c.headBytes.readable
        let parsed = head.pathRange.upperBound <= headBytes.count && !head.methodRange.isEmpty
            && head.methodRange.upperBound <= headBytes.count
        if parsed {
            line.key("method"); line.string(UnsafeRawBufferPointer(rebasing: headBytes[head.methodRange]))
            line.key("path")
            var end = head.pathRange.upperBound
            if logQuery, let q = head.queryRange, q.upperBound <= headBytes.count { end = q.upperBound }
            line.string(UnsafeRawBufferPointer(rebasing: headBytes[head.pathRange.lowerBound..<end]))
        } else {
            line.key("method"); line.null()
            line.key("path"); line.null()
        }
        line.key("status"); line.integer(status)
        line.key("bytes"); line.integer(bytes)
        line.key("duration_ms"); line.milliseconds(micros)
        line.key("route")
        if slot >= 0 && slot < engine.routes.names.count { line.string(engine.routes.names[slot]) } else { line.null() }
        line.key("consumer")
        if let p = c.principal { line.string(p.consumer) } else { line.null() }
        line.key("request_id")
        if let id = c.requestID {
            line.string(id)
        } else if parsed, let r = head.value(of: "x-request-id", in: headBytes) {
            line.string(UnsafeRawBufferPointer(rebasing: headBytes[r]))
        } else {
            line.null()
        }
        line.key("upstream")
        if let u = c.upstreamName { line.string(u) } else { line.null() }
        line.key("tls"); line.bool(c.tls != nil)
        line.end()
        writer.write(line.bytes)
    }
}

/// A JSON object written by hand into bytes: the access log's hot path allocates this one array per line.
struct JSONLine {
    var bytes: [UInt8] = []
    private var first = true

    init() { bytes.reserveCapacity(320) }

    mutating func begin() { bytes.append(UInt8(ascii: "{")) }
    mutating func end() { bytes.append(UInt8(ascii: "}")) }

    mutating func key(_ k: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func null() { bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    mutating func bool(_ b: Bool) {
        if b { bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) } else { bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65]) }
    }

    /// Decimal digits, appended in place (no String).
    mutating func integer(_ n: Int) {
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        var v = n.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(truncatingIfNeeded: v % 10) &+ 0x30)
            v /= 10
        } while v > 0
        bytes[start...].reverse()
    }

    /// `n` as exactly `width` digits (0 <= n < 10^width).
    private mutating func digits(_ n: Int, _ width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor &*= 10 }
        var v = n
        while divisor > 0 {
            bytes.append(UInt8(truncatingIfNeeded: v / divisor) &+ 0x30)
            v %= divisor
            divisor /= 10
        }
    }

    /// Microseconds as milliseconds with three decimals.
    mutating func milliseconds(_ micros: Int64) {
        integer(Int(micros / 1000))
        bytes.append(UInt8(ascii: "."))
        digits(Int(micros % 1000), 3)
    }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string(UnsafeRawBufferPointer($0)) }
    }

    mutating func string(_ b: [UInt8]) {
        b.withUnsafeBytes { string($0) }
    }

    /// A JSON string: `"` and `\` escaped, control bytes and bytes >= 0x7F as \u00XX (so that any bytes make valid
    /// JSON; request lines are ASCII, so this changes nothing in practice).
    mutating func string(_ b: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        @inline(__always) func hex(_ v: UInt8) -> UInt8 { v < 10 ? v &+ 0x30 : v &+ 0x57 }
        for x in b {
            switch x {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(x)
            case 0x20..<0x7F:
                bytes.append(x)
            default:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex(x >> 4), hex(x & 15)])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `"2026-11-27T02:59:01.123Z"` from Unix milliseconds, digits appended in place.
    mutating func timestamp(_ ms: Int64) {
        let (y, mo, d, h, mi, s) = Self.civil(ms / 1000)
        bytes.append(UInt8(ascii: "\""))
        digits(y, 4); bytes.append(UInt8(ascii: "-")); digits(mo, 2); bytes.append(UInt8(ascii: "-")); digits(d, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(h, 2); bytes.append(UInt8(ascii: ":")); digits(mi, 2); bytes.append(UInt8(ascii: ":")); digits(s, 2)
        bytes.append(UInt8(ascii: ".")); digits(Int(ms % 1000), 3)
        bytes.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }

    /// Unix seconds to UTC date and time (Howard Hinnant's days-to-civil).
    static func civil(_ seconds: Int64) -> (Int, Int, Int, Int, Int, Int) {
        let days = Int(seconds / 86_400), rest = Int(seconds % 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, rest / 3600, rest / 60 % 60, rest % 60)
    }
}
