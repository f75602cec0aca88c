import NexusAuth
import Logging
import NexusRuntime
import NexusTLS

/// What one event loop is given at start.
///
/// SAFETY: created by the main thread and handed to the loop's thread before it starts; from then on only that
/// thread touches it, except `mailbox`, which is made for crossing threads.
final class LoopContext: @unchecked Sendable {
    let index: Int
    /// One SO_REUSEPORT listener per configured listener, owned by this loop.
    let listeners: [Int32]
    let settings: EngineSettings
    let routes: RouteTable
    /// Client connections this loop accepts.
    let maxConnections: Int
    /// Extra slots for connections to backends.
    let upstreamSlots: Int
    let pools: [UpstreamPool]
    /// The TLS settings of each listener (same positions as `listeners`), nil for a plain one.
    let tls: [TLSServerContext?]
    let mailbox: Mailbox<LoopMessage>
    let logger: Logger
    /// Where the loop posts its usage counts (nil: not recorded).
    let usageSink: UsageSink?
    /// The API keys in force when the loop starts.
    let credentials: CredentialTable
    /// What the loop publishes for status and metrics.
    let counters = LoopCounters()
    /// Where the loop leaves its metrics at each tick (nil: no metrics listener), and the access log (nil: off).
    var metricsBoard: MetricsBoard?
    var accessLog: AccessLog?
    /// Connections answered 503 because every slot was taken.
    var refusedConnections = 0

    init(index: Int, listeners: [Int32], settings: EngineSettings, routes: RouteTable, maxConnections: Int, upstreamSlots: Int, pools: [UpstreamPool],
         tls: [TLSServerContext?], mailbox: Mailbox<LoopMessage>, logger: Logger, usageSink: UsageSink?,
         credentials: CredentialTable) {
        self.usageSink = usageSink
        self.credentials = credentials
        self.index = index
        self.listeners = listeners
        self.settings = settings
        self.routes = routes
        self.maxConnections = maxConnections
        self.upstreamSlots = upstreamSlots
        self.pools = pools
        self.tls = tls
        self.mailbox = mailbox
        self.logger = logger
    }
}
