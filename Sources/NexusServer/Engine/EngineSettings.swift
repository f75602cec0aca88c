import NexusConfig
import NexusHTTP1

/// The per-loop settings the engine works with, in the units it uses (milliseconds, bytes).
struct EngineSettings: Sendable {
    var limits: HTTP1Limits
    var headerTimeout: Int64
    var bodyTimeout: Int64
    var idleTimeout: Int64
    var sendTimeout: Int64
    /// How long a closing connection reads and discards after its last response.
    var lingerTimeout: Int64 = 2000
    /// While draining, a keep-alive connection idle this long is closed.
    var drainIdleGrace: Int64 = 1000
    /// Queued response bytes above which no further pipelined request is parsed until some are sent.
    var outputHighWater = 256 * 1024
    /// Unparsed bytes above which reading stops while output is backed up.
    var inputHighWater: Int
    /// Authentication, lockout, plans and quotas; nil without an `auth` section.
    var access: AccessControl?

    init(_ c: NexusConfig) {
        limits = HTTP1Limits(maxRequestLineBytes: c.limits.maxRequestLineBytes, maxHeaderBytes: c.limits.maxHeaderBytes,
                             maxHeaderCount: c.limits.maxHeaderCount, maxBodyBytes: c.limits.maxBodyBytes)
        headerTimeout = Self.ms(c.timeouts.headerRead)
        bodyTimeout = Self.ms(c.timeouts.bodyRead)
        idleTimeout = Self.ms(c.timeouts.keepAliveIdle)
        sendTimeout = Self.ms(c.timeouts.send)
        inputHighWater = max(64 * 1024, c.limits.maxHeaderBytes * 2)
    }

    static func ms(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        return max(1, s * 1000 + atto / 1_000_000_000_000_000)
    }
}
