// StateLog: the durable, memory-mapped, append-only log of a state folder; open, append, read, close.
import NexusRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// When the writer thread syncs, and so what a power loss can take.
///
/// "Acknowledged" means the append's ticket completed successfully. A process crash (the kernel survives) loses
/// nothing written under any policy: the bytes are in the page cache. The policies differ on power loss or a
/// kernel crash:
public enum SyncPolicy: Sendable, Equatable {
    /// Sync (msync MS_SYNC) once per batch, then acknowledge: no acknowledged record is ever lost. The batch is
    /// every append queued while the previous sync ran (group commit), so the cost is shared.
    case always
    /// Acknowledge once written to the mapping; sync at most `period` after the first unsynced write: a power loss
    /// can take the acknowledged records of up to the last `period` (plus the sync's own duration).
    case interval(Duration)
    /// Acknowledge once written; sync only when a segment is full and at `close()`/`sync()`: a power loss can take
    /// every record of the current segment written since it was opened or last synced.
    case never
}

/// The settings of a state log.
public struct StateLogOptions: Sendable {
    /// The size of each segment file, reserved with posix_fallocate when it is created (default 64 MiB).
    public var segmentSize = 64 << 20
    /// See `SyncPolicy` (default `.always`).
    public var syncPolicy = SyncPolicy.always
    /// How many appends may wait for the writer before `append` fails with `.queueFull`.
    public var queueCapacity = 65_536
    /// The most appends the writer takes into one batch.
    public var maxBatch = 4096
    /// The writer thread's name.
    public var threadName = "nexus-state"

    public init() {}
}

/// One record read back from the log.
public struct LogRecord: Sendable, Equatable {
    public var sequence: UInt64
    public var type: UInt16
    public var flags: UInt16
    public var payload: [UInt8]

    public init(sequence: UInt64, type: UInt16, flags: UInt16, payload: [UInt8]) {
        self.sequence = sequence
        self.type = type
        self.flags = flags
        self.payload = payload
    }
}

/// A durable append-only log of checksummed records in segment files of a state folder.
///
/// Opening takes an exclusive flock on `<folder>/LOCK`, scans every segment and verifies every checksum (see
/// `SegmentFormat` for the format): a torn tail of the last segment (bytes past its durable end that a crash left
/// half-written) is truncated; damage before that (a bad checksum, a zeroed page, a missing segment) is refused
/// with an error naming the file and offset, and `repair` can then truncate there.
///
/// A snapshot file (see `SnapshotFile`) can replace every record up to its sequence number: `installSnapshot`
/// writes one and drops the segments it covers (compaction, restore, retention); open loads the newest one that
/// decodes, and replay is `snapshot.records` then `read(from: snapshot.sequence + 1)`.
///
/// Appends from any thread go through a lock-free mailbox to one writer thread, which writes each batch into the
/// current segment's mapping, syncs once per batch as the `SyncPolicy` says, and completes the batch's tickets.
/// `append` never blocks, so event loops may call it. A full disk fails the append that needed a new segment with
/// `.noSpace`; the log keeps serving reads and appends succeed again once space returns. A failed sync is fatal:
/// later appends fail with `.failed` until the log is reopened (what reached the disk is then unknown).
public final class StateLog: Sendable {
    /// The state folder.
    public let folder: String
    public let options: StateLogOptions
    let mailbox: Mailbox<Message>
    let shared: Shared
    private let thread: NexusThread
    private let lock: Mutex<(any StateFileLock)?>

    enum Message: Sendable {
        case append(type: UInt16, flags: UInt16, payload: [UInt8], ticket: AppendTicket)
        case sync(FlushSignal)
        case installSnapshot(Snapshot, SnapshotRequest)
        case stop
    }

    /// What readers see, published by the writer after each batch.
    struct ReadView: @unchecked Sendable {
        // SAFETY: Segment is immutable apart from its mapped bytes (see Segment); arrays of it are values.
        var segments: [Segment]
        /// Where each segment's records end, and its last sequence number (parallel to `segments`).
        var extents: [SegmentExtent]
        /// The end of the readable records in the last segment, and the last sequence number (the snapshot's if
        /// it is above the last record's).
        var end: Int
        var lastSequence: UInt64
        /// The snapshot replay starts from, and where the records after it start.
        var snapshot: Snapshot?
        var boundary: SnapshotBoundary
    }

    /// Where a segment's records end and the sequence number of its last one (`firstSequence - 1` if none).
    struct SegmentExtent {
        var end: Int
        var lastSequence: UInt64
    }

    /// The first byte of the records after the snapshot: a segment index and an offset in that segment.
    struct SnapshotBoundary {
        var index: UInt64
        var offset: Int

        /// Where the records after sequence `covered` start in `segments`.
        init(covered: UInt64, segments: [Segment], extents: [SegmentExtent]) {
            let position = segments.lastIndex { $0.firstSequence <= covered &+ 1 } ?? 0
            let segment = segments[position]
            index = segment.index
            offset = SegmentFormat.offset(after: covered, segment.mapping.base, firstSequence: segment.firstSequence,
                                          end: extents[position].end)
        }
    }

    /// State shared between callers and the writer thread.
    final class Shared: Sendable {
        let view: Mutex<ReadView>
        let stopping = Atomic<Bool>(false)
        /// Appends between their `stopping` check and their post; the writer waits for 0 before its last drain.
        let inFlight = Atomic<Int>(0)

        init(view: ReadView) { self.view = Mutex(view) }
    }

    /// Opens (creating if needed) the log in `folder`; see the type's documentation for the checks.
    ///
    /// Snapshots: the newest snapshot file that decodes is loaded (`snapshot`); a damaged newer one is skipped (and
    /// reported by `verify`). The first segment must start at or before its sequence + 1 (at 1 without one). Files a
    /// crash inside `installSnapshot` left (segments it covers entirely, older snapshots, temporary files) are
    /// removed.
    ///
    /// - Throws: `.locked` if another process or open log holds the folder; a recovery error naming the damaged
    ///   file and offset; `.missingSnapshot`, `.badSnapshot` or `.missingSegment` if no usable snapshot covers the
    ///   records before the first segment; `.noSpace` if the first segment cannot be reserved.
    public static func open(folder: String, options: StateLogOptions = StateLogOptions(),
                            fileSystem: any StateFileSystem = RealFileSystem()) throws(StateError) -> StateLog {
        precondition(options.segmentSize >= 4096 && options.segmentSize % 8 == 0,
                     "segment size must be a multiple of 8 and at least 4096, got \(options.segmentSize)")
        try fileSystem.createDirectory(folder)
        let lock = try lockFolder(folder, fileSystem)
        let inspection = try Inspection.inspect(folder: folder, fileSystem: fileSystem)
        if let refusal = inspection.refusal { throw refusal }
        if let damage = inspection.damage { throw damage.error }
        let leftovers = inspection.temporaryFiles.map { folder + "/" + $0 } + inspection.supersededFiles
        for path in leftovers { try fileSystem.removeFile(path) }
        if !leftovers.isEmpty { try fileSystem.syncDirectory(folder) }
        let covered = inspection.snapshotSequence
        var segments = inspection.segments
        var extents = inspection.scans.map { SegmentExtent(end: $0.end, lastSequence: $0.lastSequence) }
        var end = SegmentFormat.headerSize
        if let last = segments.last, let scan = inspection.scans.last {
            end = scan.end
            if inspection.tornTail != nil {
                try Inspection.truncate(last, at: end)
            } else if inspection.durableEnds.last != end {
                // Records written but not yet marked durable (say a killed process): sync them, then mark them.
                try Inspection.markDurable(last, end: end, syncing: end)
            }
            if scan.lastSequence < covered {
                // The snapshot covers every record left (a repair cut some it had replaced): the next record is
                // S + 1, so continue in a new segment starting there; the old ones are then superseded.
                let next = try Segment.create(folder: folder, index: last.index + 1, firstSequence: covered + 1,
                                              size: options.segmentSize, fileSystem: fileSystem)
                for segment in segments { try fileSystem.removeFile(segment.path) }
                try fileSystem.syncDirectory(folder)
                segments = [next]
                extents = []
            }
        } else {
            segments = [try Segment.create(folder: folder, index: 0, firstSequence: covered + 1,
                                           size: options.segmentSize, fileSystem: fileSystem)]
        }
        if extents.isEmpty {
            end = SegmentFormat.headerSize
            extents = [SegmentExtent(end: end, lastSequence: covered)]
        }
        let lastSequence = max(covered, extents[extents.count - 1].lastSequence)
        // The scan read the whole reserved tail of the last segment (to find torn bytes): give those zero pages back
        // so an idle log does not count a whole segment as resident.
        if let last = segments.last { last.mapping.release(offset: end, count: last.capacity - end) }
        let boundary = SnapshotBoundary(covered: covered, segments: segments, extents: extents)
        let mailbox: Mailbox<Message>
        do {
            mailbox = try Mailbox<Message>(capacity: options.queueCapacity)
        } catch {
            throw .system(call: error.call, path: folder, errno: error.errno)
        }
        let view = ReadView(segments: segments, extents: extents, end: end, lastSequence: lastSequence,
                            snapshot: inspection.snapshot, boundary: boundary)
        let shared = Shared(view: view)
        let writer = StateLogWriter(folder: folder, options: options, fileSystem: fileSystem, mailbox: mailbox,
                                    shared: shared, view: view)
        let handOff = UncheckedHandOff(writer)
        let thread = NexusThread.spawn(name: options.threadName) { handOff.value.run() }
        return StateLog(folder: folder, options: options, mailbox: mailbox, shared: shared, thread: thread, lock: lock)
    }

    private init(folder: String, options: StateLogOptions, mailbox: Mailbox<Message>, shared: Shared,
                 thread: NexusThread, lock: any StateFileLock) {
        self.folder = folder
        self.options = options
        self.mailbox = mailbox
        self.shared = shared
        self.thread = thread
        self.lock = Mutex(lock)
    }

    deinit { close() }

    static func lockFolder(_ folder: String, _ fileSystem: any StateFileSystem) throws(StateError) -> any StateFileLock {
        guard let lock = try fileSystem.lockExclusive(folder + "/LOCK") else { throw .locked(folder: folder) }
        return lock
    }

    // MARK: Appending

    /// Queues a record; any thread, never blocks. The ticket completes when the record is acknowledged (see
    /// `SyncPolicy`) with its sequence number, or fails (`.queueFull`, `.noSpace`, `.recordTooLarge`, `.closed`,
    /// `.failed`).
    @discardableResult
    public func append(type: UInt16, flags: UInt16 = 0, payload: [UInt8]) -> AppendTicket {
        // Sequentially consistent, with `stopping` below and the writer's wait for 0: a post either happens
        // before the writer's last drain or sees `stopping` (see StateLogWriter.finish).
        shared.inFlight.add(1, ordering: .sequentiallyConsistent)
        defer { shared.inFlight.subtract(1, ordering: .sequentiallyConsistent) }
        if shared.stopping.load(ordering: .sequentiallyConsistent) { return AppendTicket(failed: .closed) }
        let ticket = AppendTicket()
        guard mailbox.post(.append(type: type, flags: flags, payload: payload, ticket: ticket)) else {
            return AppendTicket(failed: .queueFull)
        }
        return ticket
    }

    /// Appends a record and returns its sequence number once acknowledged; suspends without blocking a thread.
    public func append(type: UInt16, flags: UInt16 = 0, payload: [UInt8]) async throws(StateError) -> UInt64 {
        let ticket: AppendTicket = append(type: type, flags: flags, payload: payload)
        let result = await withCheckedContinuation { continuation in
            ticket.onComplete { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Blocks until everything queued before the call is written and synced (whatever the policy).
    public func sync() throws(StateError) {
        // Relaxed: an early refusal only; `close` joins the writer, which answers every queued sync first.
        if shared.stopping.load(ordering: .relaxed) { throw .closed }
        let done = FlushSignal()
        while !mailbox.tryPost(.sync(done)) { sched_yield() }
        done.wait()
    }

    /// Syncs what is written, marks it durable, stops the writer and releases the folder's lock. Appends queued
    /// before are completed; later ones fail with `.closed`. Only the first call does anything.
    public func close() {
        if shared.stopping.exchange(true, ordering: .sequentiallyConsistent) { return }
        while !mailbox.tryPost(.stop) { sched_yield() }
        thread.join()
        lock.withLock { $0 = nil }
    }

    // MARK: Reading

    /// The sequence number of the last acknowledged record, or the snapshot's if it is higher (0 if the log is
    /// empty); the next append gets this + 1.
    public var lastSequence: UInt64 { shared.view.withLock { $0.lastSequence } }

    /// The sequence number of the first record `read` can return: 1, or the snapshot's sequence + 1 (above
    /// `lastSequence` when no record follows the snapshot).
    public var firstSequence: UInt64 {
        shared.view.withLock { view in
            max(view.segments.first?.firstSequence ?? 1, (view.snapshot?.sequence ?? 0) + 1)
        }
    }

    /// The acknowledged records with sequence numbers from `requested` on, at most `limit` of them, in order; never
    /// one the snapshot covers (replay: `snapshot.records`, then `read(from: (snapshot?.sequence ?? 0) + 1)`).
    public func read(from requested: UInt64 = 1, limit: Int = .max) -> [LogRecord] {
        let view = shared.view.withLock { $0 }
        let sequence = max(requested, (view.snapshot?.sequence ?? 0) + 1)
        var records: [LogRecord] = []
        guard limit > 0, sequence <= view.lastSequence else { return records }
        let start = view.segments.lastIndex { $0.firstSequence <= sequence } ?? 0
        for position in start..<view.segments.count {
            let segment = view.segments[position]
            let isLast = position == view.segments.count - 1
            _ = SegmentFormat.scan(segment.mapping.base, length: segment.capacity, firstSequence: segment.firstSequence,
                                   until: isLast ? view.end : nil) { record in
                guard record.sequence >= sequence, records.count < limit else { return }
                records.append(LogRecord(sequence: record.sequence, type: record.type, flags: record.flags,
                                         payload: Array(record.payload)))
            }
            if records.count >= limit { break }
        }
        return records
    }

    // MARK: Offline checks

    /// Drops the pages of every segment from the process's resident set (after the application replayed the log):
    /// they stay in the files and come back on the next read. For memory accounting only.
    public func releaseResidentPages() {
        let view = shared.view.withLock { $0 }
        for (segment, extent) in zip(view.segments, view.extents) {
            segment.mapping.release(offset: 0, count: extent.end)
        }
    }

    /// Checks every snapshot and segment of `folder` without changing anything (takes the folder's lock while it
    /// reads).
    public static func verify(folder: String,
                              fileSystem: any StateFileSystem = RealFileSystem()) throws(StateError) -> VerifyReport {
        let lock = try lockFolder(folder, fileSystem)
        defer { withExtendedLifetime(lock) {} }
        let inspection = try Inspection.inspect(folder: folder, fileSystem: fileSystem)
        var report = VerifyReport(folder: folder)
        report.segmentCount = inspection.segments.count
        report.recordCount = inspection.scans.reduce(0) { $0 + $1.recordCount }
        if report.recordCount > 0, let first = inspection.segments.first, let last = inspection.scans.last {
            report.firstSequence = first.firstSequence
            report.lastSequence = last.lastSequence
        }
        if let torn = inspection.tornTail, let segment = inspection.segments.last {
            report.tornTail = .init(file: segment.path, offset: torn.offset, byteCount: torn.garbageEnd - torn.offset)
        }
        report.damage = inspection.refusal ?? inspection.damage?.error
        report.temporaryFiles = inspection.temporaryFiles
        report.snapshotFile = inspection.snapshotFile
        report.snapshotSequence = inspection.snapshot?.sequence
        report.snapshotRecordCount = inspection.snapshot?.records.count
        report.damagedSnapshots = inspection.damagedSnapshots
        report.supersededFiles = inspection.supersededFiles
        return report
    }

    /// Truncates `folder`'s log at its first damage, keeping every good record before it; removes the segments
    /// after it and damaged snapshot files, and says what was dropped. Never removes a good snapshot. Refuses
    /// (throws) a segment or snapshot of another format version, and a log whose first records no usable snapshot
    /// covers (nothing can be kept safely).
    public static func repair(folder: String,
                              fileSystem: any StateFileSystem = RealFileSystem()) throws(StateError) -> RepairReport {
        let lock = try lockFolder(folder, fileSystem)
        defer { withExtendedLifetime(lock) {} }
        let inspection = try Inspection.inspect(folder: folder, fileSystem: fileSystem)
        var report = RepairReport(folder: folder)
        if let refusal = inspection.refusal { throw refusal }
        report.damage = inspection.damage?.error
        if case .unsupportedVersion = inspection.damage?.error { throw inspection.damage!.error }
        for case .unsupportedVersion(let file, let found, let supported) in inspection.damagedSnapshots {
            throw .unsupportedVersion(file: file, found: found, supported: supported)
        }
        let keep = inspection.damage?.keep ?? inspection.segments.count
        let cut = inspection.damage.map { $0.truncateAt } ?? inspection.tornTail?.offset
        if keep > 0, let cut {
            let segment = inspection.segments[keep - 1]
            let garbageEnd = SegmentFormat.extentOfGarbage(segment.mapping.base, from: cut, length: segment.capacity)
            try Inspection.truncate(segment, at: cut)
            report.truncatedFile = segment.path
            report.truncatedAt = cut
            report.zeroedBytes = garbageEnd - cut
        }
        if keep > 0 { report.lastKeptSequence = inspection.scans[keep - 1].lastSequence }
        if let covered = inspection.snapshot?.sequence {
            report.lastKeptSequence = max(report.lastKeptSequence ?? 0, covered)
        }
        if report.lastKeptSequence == 0 { report.lastKeptSequence = nil }
        let damagedSnapshots = inspection.damagedSnapshots.compactMap { error -> String? in
            if case .badSnapshot(let file, _, _) = error { return file }
            return nil
        }
        for file in (inspection.damage?.removedFiles ?? []) + damagedSnapshots {
            try fileSystem.removeFile(file)
            report.removedFiles.append(file)
        }
        if !report.removedFiles.isEmpty { try fileSystem.syncDirectory(folder) }
        return report
    }
}

/// Moves a value to another thread that becomes its only user.
struct UncheckedHandOff<Value>: @unchecked Sendable {
    // SAFETY: the spawning thread gives up the value; only the new thread touches it afterwards.
    let value: Value
    init(_ value: Value) { self.value = value }
}
