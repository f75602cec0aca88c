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

    public static let defaults = StateConfig()
    public static let segmentSizeRange = (64 << 10)...(1 << 30)

    public init(folder: String = "/var/lib/nexus", fsync: Fsync = .always, fsyncInterval: Duration = .seconds(1),
                segmentSize: Int = 64 << 20) {
        self.folder = folder
        self.fsync = fsync
        self.fsyncInterval = fsyncInterval
        self.segmentSize = segmentSize
    }
}
