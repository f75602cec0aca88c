// Recovery: scan a state folder, check every header and record, and decide what is torn tail and what is damage.

/// What scanning a state folder found.
struct Inspection {
    /// The segments with a good header, in order, up to (and including) the damaged one.
    var segments: [Segment] = []
    /// The scan of each of `segments`.
    var scans: [SegmentFormat.ScanResult] = []
    /// The durable end stored in each of `segments`.
    var durableEnds: [Int] = []
    /// Leftover temporary files of an interrupted segment creation (removed at open).
    var temporaryFiles: [String] = []
    /// Bytes after the last good record of the last segment, past its durable end: torn by a crash, to be zeroed.
    var tornTail: (offset: Int, garbageEnd: Int)?
    /// The first damage to durable data, if any.
    var damage: Damage?

    /// Damage, and what `repair` would keep: segments `0..<keep`, the last of them truncated at `truncateAt`.
    struct Damage {
        var error: StateError
        var keep: Int
        var truncateAt: Int?
        var removedFiles: [String]
    }

    /// Reads every segment of `folder` (see `StateLog` for the rules).
    static func inspect(folder: String, fileSystem: any StateFileSystem) throws(StateError) -> Inspection {
        var result = Inspection()
        let names = try fileSystem.listDirectory(folder)
        result.temporaryFiles = names.filter { $0.hasPrefix("segment-") && $0.hasSuffix(".nxlog.tmp") }.sorted()
        let indices = names.compactMap(SegmentFormat.index(fromFileName:)).sorted()
        func damage(_ error: StateError, keep: Int, truncateAt: Int?, removeFrom position: Int) {
            let removed = indices[position...].map { folder + "/" + SegmentFormat.fileName(index: $0) }
            result.damage = Damage(error: error, keep: keep, truncateAt: truncateAt, removedFiles: removed)
        }
        for (position, index) in indices.enumerated() {
            let name = SegmentFormat.fileName(index: index)
            let path = folder + "/" + name
            let previousEnd = result.scans.last?.end
            if position > 0 && index != indices[position - 1] + 1 {
                let missing = folder + "/" + SegmentFormat.fileName(index: indices[position - 1] + 1)
                damage(.missingSegment(file: missing), keep: position, truncateAt: previousEnd, removeFrom: position)
                break
            }
            let file = try fileSystem.openFile(path, create: false)
            let size = try file.size()
            guard size >= SegmentFormat.headerSize else {
                damage(.badSegmentHeader(file: path, reason: "the file has \(size) bytes, less than a header"),
                       keep: position, truncateAt: previousEnd, removeFrom: position)
                break
            }
            let mapping = try file.map(length: size)
            let header: SegmentFormat.Header
            do {
                header = try SegmentFormat.readHeader(mapping.base, length: size, file: path)
            } catch {
                damage(error, keep: position, truncateAt: previousEnd, removeFrom: position)
                break
            }
            guard header.index == index else {
                damage(.badSegmentHeader(file: path, reason: "header names segment \(header.index)"),
                       keep: position, truncateAt: previousEnd, removeFrom: position)
                break
            }
            if let previous = result.scans.last, header.firstSequence != previous.lastSequence + 1 {
                let previousPath = result.segments[position - 1].path
                damage(.corruptRecord(file: previousPath, offset: previous.end,
                                      reason: "its records end at sequence \(previous.lastSequence) but '\(name)' "
                                          + "starts at \(header.firstSequence)"),
                       keep: position, truncateAt: previous.end, removeFrom: position)
                break
            }
            let scan = SegmentFormat.scan(mapping.base, length: size, firstSequence: header.firstSequence)
            result.segments.append(Segment(index: index, firstSequence: header.firstSequence, path: path,
                                           file: file, mapping: mapping))
            result.scans.append(scan)
            result.durableEnds.append(header.durableEnd)
            let isLast = position == indices.count - 1
            switch scan.stop {
            case .damaged(let reason) where !isLast || scan.end < header.durableEnd:
                damage(.corruptRecord(file: path, offset: scan.end, reason: reason),
                       keep: position + 1, truncateAt: scan.end, removeFrom: position + 1)
            case .end where scan.end < header.durableEnd:
                damage(.corruptRecord(file: path, offset: scan.end,
                                      reason: "records stop (zeroed or lost bytes) before the durable end "
                                          + "\(header.durableEnd)"),
                       keep: position + 1, truncateAt: scan.end, removeFrom: position + 1)
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
    /// Leftovers of an interrupted segment creation.
    public var temporaryFiles: [String] = []

    /// True if open would change nothing.
    public var isClean: Bool { damage == nil && tornTail == nil && temporaryFiles.isEmpty }

    public var description: String {
        var lines = ["\(folder): \(segmentCount) segment(s), \(recordCount) good record(s)"
            + (firstSequence.map { ", sequences \($0)...\(lastSequence ?? $0)" } ?? "")]
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
    /// Segment files removed because they came after the damage.
    public var removedFiles: [String] = []
    /// The last sequence number kept (`nil` if no record was kept), and so the first one dropped is the next.
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
