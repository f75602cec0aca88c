/// The durable state folder. YAML: `state`.
public struct StateConfig: Sendable, Equatable {
    /// How appends are made durable before they are acknowledged.
    public enum Fsync: String, Sendable, Equatable {
        /// Acknowledge after the batch is synced: nothing acknowledged is lost on power loss.
        case always
        /// Acknowledge at once, sync every `fsync_interval`: a power loss can take that much.
        case interval
        /// Sync only when a segment fills and at shutdown.
        case never
    }

    /// The folder; a relative path is taken from the configuration file's folder. Default `/var/lib/nexus`.
    /// YAML: `folder`.
    public var folder: String
    /// YAML: `fsync`. Default `always`.
    public var fsync: Fsync
    /// The period of `fsync: interval`. Default 1s. YAML: `fsync_interval`.
    public var fsyncInterval: Duration
    /// Segment files roll at this size, 64KiB..1GiB. Default 64MiB. YAML: `segment_size`.
    public var segmentSize: Int

    /// Compaction: once the log since the last snapshot holds this much, nexusd writes a snapshot of the whole
    /// state and drops the segments it replaces, which bounds start-up time. 64KiB..16GiB. Default 64MiB.
    /// YAML: `compact_after`.
    public var compactAfter = 64 << 20
    /// Audit entries older than this are dropped (whole segments of the audit log, checked hourly). Default 90d.
    /// YAML: `audit_retention`.
    public var auditRetention: Duration = .seconds(90 * 86_400)
    /// Hourly usage counters older than this are dropped at compaction. Default 35d. YAML: `usage_retention`.
    public var usageRetention: Duration = .seconds(35 * 86_400)
    /// How often the loops' usage counters are written to the log as deltas; a crash loses at most this much
    /// counting. Default 5s, at most 60s. YAML: `usage_flush`.
    public var usageFlush: Duration = .seconds(5)

    public static let defaults = StateConfig()
    public static let compactAfterRange = (64 << 10)...(16 << 30)
    public static let maximumRetention: Duration = .seconds(10 * 366 * 86_400)
    public static let segmentSizeRange = (64 << 10)...(1 << 30)

    public init(folder: String = "/var/lib/nexus", fsync: Fsync = .always, fsyncInterval: Duration = .seconds(1),
                segmentSize: Int = 64 << 20) {
        self.folder = folder
        self.fsync = fsync
        self.fsyncInterval = fsyncInterval
        self.segmentSize = segmentSize
    }
}
