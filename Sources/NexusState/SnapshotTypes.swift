// Snapshot types (the snapshot file format and StateLog.installSnapshot land with the snapshot branch).

/// One record of a snapshot: its type and payload (sequence numbers are the snapshot's own).
public struct SnapshotRecord: Sendable, Equatable {
    public var type: UInt16
    public var payload: [UInt8]

    public init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }
}

/// The whole state as of `sequence`: it replaces every log record with a sequence number up to it.
public struct Snapshot: Sendable, Equatable {
    public var sequence: UInt64
    public var records: [SnapshotRecord]

    public init(sequence: UInt64, records: [SnapshotRecord]) {
        self.sequence = sequence
        self.records = records
    }
}
