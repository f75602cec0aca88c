// StateLog+Snapshot: installing snapshots (compaction, restore, retention) and the figures that drive them.
#if canImport(Glibc)
import Glibc
#endif

/// One segment of the log, for retention decisions.
public struct SegmentSummary: Sendable, Equatable {
    /// The segment's index (its file is `SegmentFormat.fileName(index:)`).
    public var index: UInt64
    /// The sequence numbers of its first and last records (`lastSequence == firstSequence - 1` if it has none).
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    /// The bytes its records take (header excluded).
    public var byteCount: Int

    public init(index: UInt64, firstSequence: UInt64, lastSequence: UInt64, byteCount: Int) {
        self.index = index
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.byteCount = byteCount
    }
}

extension StateLog {
    /// The installed snapshot: the one loaded at open (the newest that verifies) or installed since; `nil` if none.
    ///
    /// Replay: apply `snapshot.records`, then `read(from: (snapshot?.sequence ?? 0) + 1)`.
    public var snapshot: Snapshot? { shared.view.withLock { $0.snapshot } }

    /// About how many log bytes hold records after the snapshot (every record without one): a sum over segments
    /// of their records' bytes, exact up to the segment the snapshot ends in. Compact when it grows large.
    public var bytesSinceSnapshot: Int {
        let view = shared.view.withLock { $0 }
        var total = 0
        for (segment, extent) in zip(view.segments, view.extents) where segment.index >= view.boundary.index {
            let start = segment.index == view.boundary.index ? view.boundary.offset : SegmentFormat.headerSize
            total += max(0, extent.end - start)
        }
        return total
    }

    /// The segments of the log, oldest first, as of the last batch.
    public func segmentSummaries() -> [SegmentSummary] {
        let view = shared.view.withLock { $0 }
        return zip(view.segments, view.extents).map { segment, extent in
            SegmentSummary(index: segment.index, firstSequence: segment.firstSequence,
                           lastSequence: extent.lastSequence, byteCount: extent.end - SegmentFormat.headerSize)
        }
    }

    /// Installs `snapshot` as the state through `snapshot.sequence`, replacing every record up to it; blocks the
    /// calling thread until done (never call it on an event loop, nor in an `onComplete` callback: those run on
    /// the writer thread, which would wait for itself).
    ///
    /// It goes through the writer thread, so it is ordered with appends: records appended before the call are
    /// written first. The writer syncs the records the snapshot covers, writes the snapshot file durably (temporary
    /// name, sync, rename, folder sync), then removes the segments whose records it covers entirely (never the
    /// current one), then every other snapshot file, then syncs the folder. Readers holding records of removed
    /// segments keep them (mappings are reference counted). Afterwards `snapshot` returns it and `read` starts
    /// after it. Uses: compaction (the state as of `lastSequence`), restore of a backup (the backup's image, at
    /// the current `lastSequence`, so every older record is superseded), retention (no records, through the last
    /// sequence of the oldest segments to drop).
    ///
    /// - Throws: `.snapshotOutOfRange` unless the current snapshot's sequence <= `snapshot.sequence` <=
    ///   `lastSequence` when the writer takes it; `.noSpace` or another file error (nothing changed); `.closed`;
    ///   `.failed` after a failed sync.
    public func installSnapshot(_ snapshot: Snapshot) throws(StateError) {
        let request = SnapshotRequest()
        while true {
            // Sequentially consistent, as in `append`: a post either happens before the writer's last drain or
            // sees `stopping`. Not counted while it yields on a full mailbox, so `finish` cannot wait on it.
            shared.inFlight.add(1, ordering: .sequentiallyConsistent)
            if shared.stopping.load(ordering: .sequentiallyConsistent) {
                shared.inFlight.subtract(1, ordering: .sequentiallyConsistent)
                throw .closed
            }
            let posted = mailbox.tryPost(.installSnapshot(snapshot, request))
            shared.inFlight.subtract(1, ordering: .sequentiallyConsistent)
            if posted { break }
            sched_yield()
        }
        request.done.wait()
        guard let outcome = request.outcome.withLock({ $0 }) else {
            preconditionFailure("snapshot installation signalled without an outcome")
        }
        try outcome.get()
    }
}
