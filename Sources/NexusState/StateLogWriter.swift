// StateLogWriter: the one thread that writes records into the mapping, syncs per batch and acknowledges.
import NexusRuntime
import NexusSystem
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
         shared: StateLog.Shared, segments: [Segment], end: Int, nextSequence: UInt64) {
        self.folder = folder
        self.options = options
        self.fileSystem = fileSystem
        self.mailbox = mailbox
        self.shared = shared
        self.segments = segments
        writeOffset = end
        syncedOffset = end
        self.nextSequence = nextSequence
    }

    var current: Segment { segments[segments.count - 1] }
    var dirty: Bool { writeOffset != syncedOffset }

    /// Wait, drain a batch, write it, sync per policy, publish, acknowledge; until `.stop`.
    func run() {
        var acknowledgements: [(AppendTicket, UInt64)] = []
        var syncRequests: [FlushSignal] = []
        var stopRequested = false
        while true {
            rollFailure = nil
            mailbox.drain(limit: options.maxBatch) { message in
                switch message {
                case .append(let type, let flags, let payload, let ticket):
                    do throws(StateError) {
                        acknowledgements.append((ticket, try write(type: type, flags: flags, payload: payload)))
                    } catch {
                        ticket.complete(.failure(error))
                    }
                case .sync(let signal):
                    syncRequests.append(signal)
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
            for (ticket, sequence) in acknowledgements {
                ticket.complete(failure.map { .failure($0) } ?? .success(sequence))
            }
            acknowledgements.removeAll(keepingCapacity: true)
            for signal in syncRequests { signal.signal() }
            syncRequests.removeAll()
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
            segments.append(next)
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
        let view = StateLog.ReadView(segments: segments, end: writeOffset, lastSequence: nextSequence - 1)
        shared.view.withLock { $0 = view }
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
