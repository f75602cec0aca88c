// Recovery: scan a state folder, check every header and record, and decide what is torn tail and what is damage.

/// What scanning a state folder found.
struct Inspection {
    /// The segments kept (not superseded by the snapshot) with a good header, in order, up to (and including) the
    /// damaged one.
    var segments: [Segment] = []
    /// The scan of each of `segments`.
    var scans: [SegmentFormat.ScanResult] = []
    /// The durable end stored in each of `segments`.
    var durableEnds: [Int] = []
    /// Leftover temporary files of an interrupted segment creation or snapshot write (removed at open).
    var temporaryFiles: [String] = []
    /// Bytes after the last good record of the last segment, past its durable end: torn by a crash, to be zeroed.
    var tornTail: (offset: Int, garbageEnd: Int)?
    /// The first damage to durable data, if any.
    var damage: Damage?
    /// The snapshot replay starts from (the newest one that decodes), and its path.
    var snapshot: Snapshot?
    var snapshotFile: String?
    /// Snapshot files newer than `snapshot` that failed to decode, newest first (skipped; `repair` removes them).
    var damagedSnapshots: [StateError] = []
    /// Paths of files that `snapshot` supersedes, left by a crash inside `installSnapshot`: leading segments whose
    /// records it covers entirely, and older snapshots (removed at open).
    var supersededFiles: [String] = []
    /// A problem no truncation can fix: the records before the first segment are covered by no usable snapshot.
    var refusal: StateError?

    /// Damage, and what `repair` would keep: segments `0..<keep`, the last of them truncated at `truncateAt`.
    struct Damage {
        var error: StateError
        var keep: Int
        var truncateAt: Int?
        var removedFiles: [String]
    }

    /// A segment file opened and mapped, with its header checked.
    private struct Opened {
        var index: UInt64
        var path: String
        var file: any StateFile
        var mapping: (any StateMapping)?
        var size: Int
        var header: Result<SegmentFormat.Header, StateError>
    }

    /// The last sequence number the chosen snapshot covers (0 without one).
    var snapshotSequence: UInt64 { snapshot?.sequence ?? 0 }

    /// Reads the snapshots and every segment of `folder` (see `StateLog` for the rules).
    static func inspect(folder: String, fileSystem: any StateFileSystem) throws(StateError) -> Inspection {
        var result = Inspection()
        let names = try fileSystem.listDirectory(folder)
        result.temporaryFiles = names.filter {
            ($0.hasPrefix("segment-") && $0.hasSuffix(".nxlog.tmp"))
                || ($0.hasPrefix("snapshot-") && $0.hasSuffix(".nxsnap.tmp"))
        }.sorted()

        try chooseSnapshot(names: names, folder: folder, fileSystem: fileSystem, into: &result)
        let covered = result.snapshotSequence
        let opened = try openSegments(names: names, folder: folder, fileSystem: fileSystem)

        // Leading segments whose records the snapshot covers entirely (the next one starts at or before S + 1)
        // were left by a crash between the snapshot's rename and their removal.
        var first = 0
        if result.snapshot != nil {
            while first + 1 < opened.count, case .success(let next) = opened[first + 1].header,
                  next.firstSequence <= covered &+ 1 {
                first += 1
            }
        }
        result.supersededFiles += opened[..<first].map(\.path)

        // The first kept segment must start at or before S + 1 (at 1 without a snapshot).
        if result.refusal == nil, first < opened.count, case .success(let header) = opened[first].header,
           header.firstSequence > covered &+ 1 {
            let segment = opened[first]
            if let newestDamaged = result.damagedSnapshots.first {
                result.refusal = newestDamaged
            } else if result.snapshot == nil {
                result.refusal = .missingSnapshot(firstSegment: segment.path, firstSequence: header.firstSequence)
            } else if segment.index > 0 {
                result.refusal = .missingSegment(file: folder + "/" + SegmentFormat.fileName(index: segment.index - 1))
            } else {
                result.refusal = .badSegmentHeader(file: segment.path,
                                                   reason: "it starts at sequence \(header.firstSequence) but the "
                                                       + "snapshot covers only through \(covered)")
            }
        }

        // A damaged snapshot alone in the folder: nothing shows that the state starts empty.
        if result.refusal == nil, result.snapshot == nil, opened.isEmpty,
           let newestDamaged = result.damagedSnapshots.first {
            result.refusal = newestDamaged
        }

        func damage(_ error: StateError, keep: Int, truncateAt: Int?, removeFrom position: Int) {
            let removed = opened[position...].map(\.path)
            result.damage = Damage(error: error, keep: keep, truncateAt: truncateAt, removedFiles: removed)
        }
        for position in first..<opened.count {
            let segment = opened[position]
            let keep = result.segments.count
            let previousEnd = result.scans.last?.end
            if position > first && segment.index != opened[position - 1].index + 1 {
                let missing = folder + "/" + SegmentFormat.fileName(index: opened[position - 1].index + 1)
                damage(.missingSegment(file: missing), keep: keep, truncateAt: previousEnd, removeFrom: position)
                break
            }
            let header: SegmentFormat.Header
            do {
                header = try segment.header.get()
            } catch {
                damage(error, keep: keep, truncateAt: previousEnd, removeFrom: position)
                break
            }
            guard let mapping = segment.mapping else { preconditionFailure("a segment with a good header is mapped") }
            let path = segment.path
            let name = SegmentFormat.fileName(index: segment.index)
            let size = segment.size
            guard header.index == segment.index else {
                damage(.badSegmentHeader(file: path, reason: "header names segment \(header.index)"),
                       keep: keep, truncateAt: previousEnd, removeFrom: position)
                break
            }
            if let previous = result.scans.last, header.firstSequence != previous.lastSequence + 1 {
                let previousPath = result.segments[keep - 1].path
                damage(.corruptRecord(file: previousPath, offset: previous.end,
                                      reason: "its records end at sequence \(previous.lastSequence) but '\(name)' "
                                          + "starts at \(header.firstSequence)"),
                       keep: keep, truncateAt: previous.end, removeFrom: position)
                break
            }
            let scan = SegmentFormat.scan(mapping.base, length: size, firstSequence: header.firstSequence)
            result.segments.append(Segment(index: segment.index, firstSequence: header.firstSequence, path: path,
                                           file: segment.file, mapping: mapping))
            result.scans.append(scan)
            result.durableEnds.append(header.durableEnd)
            let isLast = position == opened.count - 1
            switch scan.stop {
            case .damaged(let reason) where !isLast || scan.end < header.durableEnd:
                damage(.corruptRecord(file: path, offset: scan.end, reason: reason),
                       keep: keep + 1, truncateAt: scan.end, removeFrom: position + 1)
            case .end where scan.end < header.durableEnd:
                damage(.corruptRecord(file: path, offset: scan.end,
                                      reason: "records stop (zeroed or lost bytes) before the durable end "
                                          + "\(header.durableEnd)"),
                       keep: keep + 1, truncateAt: scan.end, removeFrom: position + 1)
            default:
                if isLast {
                    let garbageEnd = SegmentFormat.extentOfGarbage(mapping.base, from: scan.end, length: size)
                    if garbageEnd > scan.end { result.tornTail = (scan.end, garbageEnd) }
                }
            }
            if result.damage != nil { break }
        }
        return result
    }

    /// Loads the newest snapshot of `names` that decodes into `result`; older ones are superseded, newer damaged
    /// ones are skipped (a snapshot of another format version is a refusal).
    private static func chooseSnapshot(names: [String], folder: String, fileSystem: any StateFileSystem,
                                       into result: inout Inspection) throws(StateError) {
        let snapshotSequences = names.compactMap(SnapshotFile.sequence(fromFileName:)).sorted(by: >)
        for sequence in snapshotSequences {
            let path = folder + "/" + SnapshotFile.fileName(sequence: sequence)
            if result.snapshot != nil {
                result.supersededFiles.append(path)
                continue
            }
            do throws(StateError) {
                let snapshot = try SnapshotStore.read(path: path, fileSystem: fileSystem)
                guard sequence < .max else {
                    throw StateError.badSnapshot(file: path, offset: 16, reason: "sequence \(sequence) leaves no room "
                                                     + "for a next record")
                }
                guard snapshot.sequence == sequence else {
                    throw StateError.badSnapshot(file: path, offset: 16,
                                                 reason: "the header covers sequence \(snapshot.sequence), "
                                                     + "the file name \(sequence)")
                }
                result.snapshot = snapshot
                result.snapshotFile = path
            } catch {
                // A failed system call says nothing about the file's bytes: no fallback on it.
                if case .system = error { throw error }
                result.damagedSnapshots.append(error)
                // Written by another version: falling back to an older snapshot would lose what it holds.
                if case .unsupportedVersion = error { result.refusal = error }
            }
            if result.refusal != nil { break }
        }
    }

    /// Opens and maps every segment of `names`, in index order, and checks its header.
    private static func openSegments(names: [String], folder: String,
                                     fileSystem: any StateFileSystem) throws(StateError) -> [Opened] {
        let indices = names.compactMap(SegmentFormat.index(fromFileName:)).sorted()
        var opened: [Opened] = []
        for index in indices {
            let path = folder + "/" + SegmentFormat.fileName(index: index)
            let file = try fileSystem.openFile(path, create: false)
            let size = try file.size()
            guard size >= SegmentFormat.headerSize else {
                let error = StateError.badSegmentHeader(file: path,
                                                        reason: "the file has \(size) bytes, less than a header")
                opened.append(Opened(index: index, path: path, file: file, mapping: nil, size: size,
                                     header: .failure(error)))
                continue
            }
            let mapping = try file.map(length: size)
            let header: Result<SegmentFormat.Header, StateError>
            do {
                header = .success(try SegmentFormat.readHeader(mapping.base, length: size, file: path))
            } catch {
                header = .failure(error)
            }
            opened.append(Opened(index: index, path: path, file: file, mapping: mapping, size: size, header: header))
        }
        return opened
    }

    /// Zeroes `offset..<` the last nonzero byte of `segment`, then records `offset` as its durable end; both synced.
    static func truncate(_ segment: Segment, at offset: Int) throws(StateError) {
        let base = segment.mapping.base
        let garbageEnd = SegmentFormat.extentOfGarbage(base, from: offset, length: segment.capacity)
        if garbageEnd > offset {
            (base + offset).initializeMemory(as: UInt8.self, repeating: 0, count: garbageEnd - offset)
        }
        try markDurable(segment, end: offset, syncing: max(offset, garbageEnd))
    }

    /// Syncs `0..<syncing` of `segment`, then stores `end` in both durable-end slots, one sync each and a damaged
    /// slot first, so a crash at any point leaves at least one good slot.
    static func markDurable(_ segment: Segment, end: Int, syncing: Int) throws(StateError) {
        try segment.mapping.sync(offset: 0, count: syncing)
        let order = SegmentFormat.slotIsValid(segment.mapping.base, slot: 0) ? [1, 0] : [0, 1]
        for slot in order {
            SegmentFormat.writeDurableEnd(end, slot: slot, to: segment.mapping.base)
            try segment.mapping.sync(offset: 0, count: SegmentFormat.headerSize)
        }
    }
}

/// What `StateLog.verify` found in a folder.
public struct VerifyReport: Sendable, CustomStringConvertible {
    /// A torn tail: bytes after the last good record that a crash left unsynced; open truncates them.
    public struct TornTail: Sendable, Equatable {
        public var file: String
        public var offset: Int
        public var byteCount: Int
    }

    public var folder: String
    public var segmentCount = 0
    public var recordCount = 0
    /// The first and last sequence numbers of the good records, or `nil` if there are none.
    public var firstSequence: UInt64?
    public var lastSequence: UInt64?
    public var tornTail: TornTail?
    /// The first damage to durable data (open refuses the folder; `repair` truncates there).
    public var damage: StateError?
    /// Leftovers of an interrupted segment creation or snapshot write.
    public var temporaryFiles: [String] = []
    /// The snapshot open would load (the newest one that decodes), the sequence it covers through and its records.
    public var snapshotFile: String?
    public var snapshotSequence: UInt64?
    public var snapshotRecordCount: Int?
    /// Snapshot files newer than the loaded one that fail their checks (skipped by open; `repair` removes them).
    public var damagedSnapshots: [StateError] = []
    /// Files that the snapshot supersedes, left by a crash inside `installSnapshot` (open removes them).
    public var supersededFiles: [String] = []

    /// True if open would change nothing.
    public var isClean: Bool {
        damage == nil && tornTail == nil && temporaryFiles.isEmpty && damagedSnapshots.isEmpty
            && supersededFiles.isEmpty
    }

    public var description: String {
        var lines = ["\(folder): \(segmentCount) segment(s), \(recordCount) good record(s)"
            + (firstSequence.map { ", sequences \($0)...\(lastSequence ?? $0)" } ?? "")]
        if let snapshotFile, let snapshotSequence {
            lines.append("snapshot '\(snapshotFile)' through sequence \(snapshotSequence), "
                + "\(snapshotRecordCount ?? 0) record(s)")
        }
        for damaged in damagedSnapshots { lines.append("skipped snapshot: \(damaged)") }
        if !supersededFiles.isEmpty {
            lines.append("superseded by the snapshot (removed at the next open): "
                + supersededFiles.joined(separator: ", "))
        }
        if let tornTail {
            lines.append("torn tail: \(tornTail.byteCount) byte(s) at offset \(tornTail.offset) of '\(tornTail.file)'"
                + " (truncated at the next open)")
        }
        if let damage { lines.append("damaged: \(damage)") }
        if !temporaryFiles.isEmpty { lines.append("leftover temporary files: \(temporaryFiles.joined(separator: ", "))") }
        if isClean { lines.append("clean") }
        return lines.joined(separator: "\n")
    }
}

/// What `StateLog.repair` did.
public struct RepairReport: Sendable, CustomStringConvertible {
    public var folder: String
    /// The file cut short, and where (every record before the offset was kept).
    public var truncatedFile: String?
    public var truncatedAt: Int?
    /// The bytes zeroed after the cut.
    public var zeroedBytes = 0
    /// Segment files removed because they came after the damage, and damaged snapshot files.
    public var removedFiles: [String] = []
    /// The last sequence number kept, in a record or covered by the snapshot (`nil` if none), and so the first one
    /// dropped is the next.
    public var lastKeptSequence: UInt64?
    /// The damage that caused the repair, or `nil` if there was only a torn tail or nothing.
    public var damage: StateError?

    public var description: String {
        guard truncatedFile != nil || !removedFiles.isEmpty else { return "\(folder): nothing to repair" }
        var lines: [String] = []
        if let damage { lines.append("damage: \(damage)") }
        if let truncatedFile, let truncatedAt {
            lines.append("truncated '\(truncatedFile)' at offset \(truncatedAt) (\(zeroedBytes) byte(s) zeroed)")
        }
        for file in removedFiles { lines.append("removed '\(file)'") }
        let kept = lastKeptSequence.map { "kept every record up to sequence \($0); dropped everything after it" }
        lines.append(kept ?? "no record could be kept")
        return lines.joined(separator: "\n")
    }
}
