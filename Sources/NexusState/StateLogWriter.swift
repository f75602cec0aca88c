// StateLogWriter: the one thread that writes records into the mapping, syncs per batch and acknowledges.
import NexusRuntime
import NexusSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The writer thread's state and loop; used only on the writer thread (after the hand-off in `StateLog.open`).
final class StateLogWriter {
    let folder: String
    let options: StateLogOptions
    let fileSystem: any StateFileSystem
    let mailbox: Mailbox<StateLog.Message>
    let shared: StateLog.Shared
    var segments: [Segment]
    /// Where each segment's records end (parallel to `segments`; the last entry is brought up to date at publish).
    var extents: [StateLog.SegmentExtent]
    /// The installed snapshot, and where the records after it start.
    var snapshot: Snapshot?
    var boundary: StateLog.SnapshotBoundary
    /// The end of the written records in the current (last) segment.
    var writeOffset: Int
    /// The end of what the last sync made durable in the current segment.
    var syncedOffset: Int
    var nextSequence: UInt64
    var lastSyncNanoseconds = Clock.monotonicNanoseconds()
    /// The durable-end slot the next sync writes; alternates so a torn sync leaves the other slot intact.
    var nextSlot = 0
    /// Set by a failed sync (or a failed segment creation other than ENOSPC); appends fail with it from then on.
    var failure: StateError?
    /// A roll that failed in this batch (ENOSPC): later appends of the batch that need one fail without retrying.
    var rollFailure: StateError?

    init(folder: String, options: StateLogOptions, fileSystem: any StateFileSystem, mailbox: Mailbox<StateLog.Message>,
         shared: StateLog.Shared, view: StateLog.ReadView) {
        self.folder = folder
        self.options = options
        self.fileSystem = fileSystem
        self.mailbox = mailbox
        self.shared = shared
        segments = view.segments
        extents = view.extents
        snapshot = view.snapshot
        boundary = view.boundary
        writeOffset = view.end
        syncedOffset = view.end
        nextSequence = view.lastSequence + 1
    }

    var current: Segment { segments[segments.count - 1] }
    var dirty: Bool { writeOffset != syncedOffset }

    /// Wait, drain a batch, write it, sync per policy, publish, acknowledge; until `.stop`.
    func run() {
        var acknowledgements: [(AppendTicket, Result<UInt64, StateError>)] = []
        var syncRequests: [FlushSignal] = []
        var installations: [SnapshotRequest] = []
        var stopRequested = false
        while true {
            rollFailure = nil
            mailbox.drain(limit: options.maxBatch) { message in
                switch message {
                case .append(let type, let flags, let payload, let ticket):
                    // A failure completes with the batch too: completed here, its caller could retry into this same
                    // batch and meet the cached `rollFailure` even after space returned.
                    do throws(StateError) {
                        let sequence = try write(type: type, flags: flags, payload: payload)
                        acknowledgements.append((ticket, .success(sequence)))
                    } catch {
                        acknowledgements.append((ticket, .failure(error)))
                    }
                case .sync(let signal):
                    syncRequests.append(signal)
                case .installSnapshot(let snapshot, let request):
                    do throws(StateError) {
                        try install(snapshot)
                        request.outcome.withLock { $0 = .success(()) }
                    } catch {
                        request.outcome.withLock { $0 = .failure(error) }
                    }
                    installations.append(request)
                case .stop:
                    stopRequested = true
                }
            }
            let now = Clock.monotonicNanoseconds()
            switch options.syncPolicy {
            case .always:
                syncIfDirty()
            case .interval(let period):
                if now - lastSyncNanoseconds >= period.nanoseconds { syncIfDirty() }
            case .never:
                break
            }
            if !syncRequests.isEmpty || stopRequested { syncIfDirty() }
            if failure == nil { publish() }
            for (ticket, result) in acknowledgements {
                if let failure, case .success = result {
                    ticket.complete(.failure(failure))
                } else {
                    ticket.complete(result)
                }
            }
            acknowledgements.removeAll(keepingCapacity: true)
            for signal in syncRequests { signal.signal() }
            syncRequests.removeAll()
            // After the publish, so `snapshot` shows an installed snapshot once `installSnapshot` returns.
            for request in installations { request.done.signal() }
            installations.removeAll()
            if stopRequested {
                finish()
                return
            }
            var timeout: Int32 = -1
            if case .interval(let period) = options.syncPolicy, dirty {
                let remaining = lastSyncNanoseconds + period.nanoseconds - Clock.monotonicNanoseconds()
                timeout = Int32(clamping: max(1, (remaining + 999_999) / 1_000_000))
            }
            _ = mailbox.waker.waitBlocking(timeoutMilliseconds: timeout)
        }
    }

    /// Writes one record into the current segment (rolling first if it does not fit); returns its sequence number.
    func write(type: UInt16, flags: UInt16, payload: [UInt8]) throws(StateError) -> UInt64 {
        if let failure { throw failure }
        let size = SegmentFormat.recordSize(payloadCount: payload.count)
        let limit = options.segmentSize - SegmentFormat.headerSize
        guard size <= limit else {
            throw .recordTooLarge(size: payload.count, limit: limit - SegmentFormat.recordHeaderSize)
        }
        if writeOffset + size > current.capacity { try roll() }
        let sequence = nextSequence
        let base = current.mapping.base
        _ = payload.withUnsafeBytes { raw in
            SegmentFormat.writeRecord(to: base, at: writeOffset, sequence: sequence, type: type, flags: flags,
                                      payload: raw)
        }
        writeOffset += size
        nextSequence += 1
        return sequence
    }

    /// Makes the current segment durable, then creates the next one. ENOSPC leaves the log as it was.
    func roll() throws(StateError) {
        if let rollFailure { throw rollFailure }
        syncIfDirty()
        if let failure { throw failure }
        do {
            let next = try Segment.create(folder: folder, index: current.index + 1, firstSequence: nextSequence,
                                          size: options.segmentSize, fileSystem: fileSystem)
            extents[extents.count - 1] = StateLog.SegmentExtent(end: writeOffset, lastSequence: nextSequence - 1)
            segments.append(next)
            extents.append(StateLog.SegmentExtent(end: SegmentFormat.headerSize, lastSequence: nextSequence - 1))
            writeOffset = SegmentFormat.headerSize
            syncedOffset = writeOffset
        } catch {
            if case .noSpace = error {
                rollFailure = error
            } else {
                failure = .failed(reason: error.description)
            }
            throw error
        }
    }

    /// Syncs the written records of the current segment, recording the previous sync's end as its durable end in
    /// the same sync (a lower bound even if this sync is cut short). A failure poisons the log.
    func syncIfDirty() {
        guard dirty, failure == nil else { return }
        let segment = current
        SegmentFormat.writeDurableEnd(syncedOffset, slot: nextSlot, to: segment.mapping.base)
        nextSlot ^= 1
        do {
            try segment.mapping.sync(offset: 0, count: writeOffset)
            syncedOffset = writeOffset
            lastSyncNanoseconds = Clock.monotonicNanoseconds()
        } catch {
            failure = .failed(reason: error.description)
        }
    }

    /// Lets readers see everything written so far.
    func publish() {
        extents[extents.count - 1] = StateLog.SegmentExtent(end: writeOffset, lastSequence: nextSequence - 1)
        let view = StateLog.ReadView(segments: segments, extents: extents, end: writeOffset,
                                     lastSequence: nextSequence - 1, snapshot: snapshot, boundary: boundary)
        shared.view.withLock { $0 = view }
    }

    /// Installs `snapshot` (see `StateLog.installSnapshot`): syncs the records it replaces, writes it durably, then
    /// removes the segments it covers entirely (never the current one) and every other snapshot file.
    ///
    /// Once the snapshot is renamed into place it is installed: a failure to remove what it supersedes is not an
    /// error (the next open removes those files).
    func install(_ snapshot: Snapshot) throws(StateError) {
        if let failure { throw failure }
        let lowest = self.snapshot?.sequence ?? 0
        let highest = nextSequence - 1
        guard snapshot.sequence >= lowest && snapshot.sequence <= highest else {
            throw .snapshotOutOfRange(sequence: snapshot.sequence, lowest: lowest, highest: highest)
        }
        // The records it covers must be durable before it is (whatever the policy): a power loss must never leave a
        // snapshot through S with a log that ends before S, or the next append would reuse a covered number.
        syncIfDirty()
        if let failure { throw failure }
        let path = try SnapshotStore.write(snapshot, folder: folder, fileSystem: fileSystem)
        self.snapshot = snapshot
        let covered = snapshot.sequence
        var removed = 0
        while removed + 1 < segments.count, segments[removed + 1].firstSequence <= covered + 1 {
            do { try fileSystem.removeFile(segments[removed].path) } catch { break }
            removed += 1
        }
        segments.removeFirst(removed)
        extents.removeFirst(removed)
        extents[extents.count - 1] = StateLog.SegmentExtent(end: writeOffset, lastSequence: nextSequence - 1)
        boundary = StateLog.SnapshotBoundary(covered: covered, segments: segments, extents: extents)
        if let names = try? fileSystem.listDirectory(folder) {
            for name in names where SnapshotFile.sequence(fromFileName: name) != nil && folder + "/" + name != path {
                try? fileSystem.removeFile(folder + "/" + name)
            }
        }
        try? fileSystem.syncDirectory(folder)
    }

    /// At stop: records the exact durable end, then fails whatever was posted concurrently with `close()`.
    func finish() {
        if failure == nil && !dirty {
            try? Inspection.markDurable(current, end: writeOffset, syncing: SegmentFormat.headerSize)
        }
        // Sequentially consistent, pairing with `append`: an append that missed `stopping` is counted here until
        // its post is done, so after this loop no post can arrive unseen.
        while shared.inFlight.load(ordering: .sequentiallyConsistent) != 0 { sched_yield() }
        mailbox.drain { message in
            switch message {
            case .append(_, _, _, let ticket): ticket.complete(.failure(.closed))
            case .sync(let signal): signal.signal()
            case .installSnapshot(_, let request):
                request.outcome.withLock { $0 = .failure(.closed) }
                request.done.signal()
            case .stop: break
            }
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// One `installSnapshot` call waiting for the writer: the writer sets `outcome`, then signals `done`.
final class SnapshotRequest: Sendable {
    let done = FlushSignal()
    let outcome = Mutex<Result<Void, StateError>?>(nil)
}
