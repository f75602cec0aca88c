import Glibc
import NexusState
import Testing

/// Options for tests: small segments, so rolls happen after a few records.
func smallOptions(_ policy: SyncPolicy = .always, segmentSize: Int = 4096) -> StateLogOptions {
    var options = StateLogOptions()
    options.segmentSize = segmentSize
    options.syncPolicy = policy
    return options
}

/// Payload `index` of a test: its length varies (0 to 99 bytes) so records straddle pages and roll segments.
func payload(_ index: Int) -> [UInt8] {
    (0..<(index * 37 % 100)).map { UInt8(truncatingIfNeeded: index &+ $0) }
}

/// The offset of record `sequence` in segment 0 when every record so far was `payload(i)` for i = 1, 2, ...
func offsetInFirstSegment(of sequence: Int) -> Int {
    SegmentFormat.headerSize + (1..<sequence).reduce(0) { $0 + SegmentFormat.recordSize(payloadCount: payload($1).count) }
}

func appendAll(_ log: StateLog, _ range: ClosedRange<Int>) throws {
    for index in range {
        let sequence = try log.append(type: 7, payload: payload(index)).wait()
        #expect(sequence == UInt64(index))
    }
}

func expectRecords(_ log: StateLog, _ range: ClosedRange<Int>, sourceLocation: SourceLocation = #_sourceLocation) {
    let records = log.read()
    #expect(records.count == range.count, sourceLocation: sourceLocation)
    for (record, index) in zip(records, range) {
        #expect(record == LogRecord(sequence: UInt64(index), type: 7, flags: 0, payload: payload(index)),
                sourceLocation: sourceLocation)
    }
}

/// Overwrites bytes of a real file.
func poke(_ path: String, offset: Int, _ bytes: [UInt8]) {
    let fd = open(path, O_RDWR)
    precondition(fd >= 0, "open \(path): errno \(errno)")
    _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
    close(fd)
}

func segmentPath(_ folder: String, _ index: UInt64) -> String { folder + "/" + SegmentFormat.fileName(index: index) }

@Suite("StateLog on disk")
struct StateLogTests {
    @Test("append, close, reopen: every record comes back; sequences continue")
    func roundTrip() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path)
        try appendAll(log, 1...50)
        #expect(log.lastSequence == 50)
        log.close()
        log = try StateLog.open(folder: folder.path)
        expectRecords(log, 1...50)
        #expect(log.read(from: 48).map(\.sequence) == [48, 49, 50])
        #expect(log.read(from: 10, limit: 2).map(\.sequence) == [10, 11])
        try appendAll(log, 51...60)
        log.close()
        let report = try StateLog.verify(folder: folder.path)
        #expect(report.isClean, "\(report)")
        #expect(report.recordCount == 60 && report.lastSequence == 60)
    }

    @Test("a full segment rolls to the next; all segments read back after reopen")
    func rolls() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...200)
        log.close()
        #expect(access(segmentPath(folder.path, 2), F_OK) == 0, "200 records of ~60 bytes need 3+ segments of 4 KiB")
        var info = stat()
        stat(segmentPath(folder.path, 1), &info)
        #expect(info.st_size == 4096, "segments are reserved at their full size")
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        expectRecords(log, 1...200)
        #expect(log.read(from: 150).first?.sequence == 150)
        log.close()
        #expect(try StateLog.verify(folder: folder.path).segmentCount >= 3)
    }

    @Test("a partial or zero-filled last record is a torn tail: truncated at open, earlier records kept")
    func tornTail() throws {
        for zeroFilled in [false, true] {
            let folder = TemporaryFolder()
            defer { folder.remove() }
            var log = try StateLog.open(folder: folder.path)
            try appendAll(log, 1...20)
            log.close()
            // A crash wrote 16 of a record's bytes, or its header but a zero-filled payload, just after the 20th
            // record: at the durable end, so it is a torn tail, not damage.
            let end = offsetInFirstSegment(of: 21)
            var header = [UInt8](repeating: 0, count: 20)
            header[0] = 90  // length 90
            header[8] = 21  // sequence 21
            header[16] = 0xAB  // a checksum that cannot match
            poke(segmentPath(folder.path, 0), offset: end, zeroFilled ? header : Array(header[0..<16]) + [1, 2, 3])
            let report = try StateLog.verify(folder: folder.path)
            #expect(report.damage == nil)
            #expect(report.tornTail?.offset == end, "\(report)")
            log = try StateLog.open(folder: folder.path)
            expectRecords(log, 1...20)
            try appendAll(log, 21...22)
            log.close()
            #expect(try StateLog.verify(folder: folder.path).isClean)
        }
    }

    @Test("a flipped byte in the middle is refused naming file and offset; repair keeps every record before it")
    func flippedByte() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...200)
        log.close()
        let file = segmentPath(folder.path, 0)
        let offset = offsetInFirstSegment(of: 10)
        poke(file, offset: offset + SegmentFormat.recordHeaderSize + 1, [0xFF])
        let expected = StateError.corruptRecord(file: file, offset: offset,
                                                reason: "record checksum mismatch (sequence 10)")
        #expect(throws: expected) { try StateLog.open(folder: folder.path, options: smallOptions()) }
        #expect(expected.description.contains(file) && expected.description.contains("offset \(offset)"))
        #expect(try StateLog.verify(folder: folder.path).damage == expected)
        let repair = try StateLog.repair(folder: folder.path)
        #expect(repair.truncatedFile == file && repair.truncatedAt == offset)
        #expect(repair.lastKeptSequence == 9)
        #expect(repair.removedFiles.contains(segmentPath(folder.path, 1)))
        #expect(repair.description.contains("kept every record up to sequence 9"))
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        expectRecords(log, 1...9)
        try appendAll(log, 10...12)
        log.close()
        #expect(try StateLog.verify(folder: folder.path).isClean)
    }

    @Test("a zero-filled page before the durable end is damage, in the last segment or an earlier one")
    func zeroFilledPage() throws {
        for damagedSegment: UInt64 in [0, 1] {
            let folder = TemporaryFolder()
            defer { folder.remove() }
            let options = smallOptions(segmentSize: 16_384)
            let log = try StateLog.open(folder: folder.path, options: options)
            try appendAll(log, 1...(damagedSegment == 0 ? 200 : 400))  // ~12 KiB: one segment; or two (then 1 is last)
            log.close()
            let file = segmentPath(folder.path, damagedSegment)
            poke(file, offset: 4096, [UInt8](repeating: 0, count: 4096))
            do {
                _ = try StateLog.open(folder: folder.path, options: options)
                Issue.record("a zeroed page was accepted")
            } catch {
                guard case .corruptRecord(let named, let offset, _) = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(named == file)
                #expect(offset <= 4096 && offset > 4096 - 128, "the record straddling or starting at the page")
            }
        }
    }

    @Test("a wrong format version or magic is refused with a clear error")
    func wrongVersionOrMagic() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let log = try StateLog.open(folder: folder.path)
        try appendAll(log, 1...3)
        log.close()
        let file = segmentPath(folder.path, 0)
        poke(file, offset: 8, [2, 0, 0, 0])
        #expect(throws: StateError.unsupportedVersion(file: file, found: 2, supported: 1)) {
            try StateLog.open(folder: folder.path)
        }
        #expect(throws: StateError.unsupportedVersion(file: file, found: 2, supported: 1)) {
            try StateLog.repair(folder: folder.path)
        }
        poke(file, offset: 0, Array("XXLOG".utf8))
        #expect(throws: StateError.badMagic(file: file)) { try StateLog.open(folder: folder.path) }
        #expect(StateError.badMagic(file: file).description.contains("NXLOG"))
    }

    @Test("a missing segment is an error naming it; repair keeps the segments before the gap")
    func missingSegment() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...200)
        log.close()
        let keptLast = try StateLog.verify(folder: folder.path)
        #expect(keptLast.segmentCount >= 3)
        unlink(segmentPath(folder.path, 1))
        #expect(throws: StateError.missingSegment(file: segmentPath(folder.path, 1))) {
            try StateLog.open(folder: folder.path, options: smallOptions())
        }
        let repair = try StateLog.repair(folder: folder.path)
        #expect(repair.removedFiles.first == segmentPath(folder.path, 2))
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        let kept = Int(log.lastSequence)
        #expect(kept > 10 && kept < 100)
        expectRecords(log, 1...kept)
        log.close()
    }

    @Test("a second open of the same folder is refused (flock), naming the folder and another nexusd")
    func lockRefusal() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let log = try StateLog.open(folder: folder.path)
        #expect(throws: StateError.locked(folder: folder.path)) { try StateLog.open(folder: folder.path) }
        #expect(throws: StateError.locked(folder: folder.path)) { try StateLog.verify(folder: folder.path) }
        let message = StateError.locked(folder: folder.path).description
        #expect(message.contains(folder.path) && message.contains("another nexusd"))
        log.close()
        let again = try StateLog.open(folder: folder.path)
        again.close()
    }

    @Test("records too large for a segment are refused; empty payloads are fine")
    func sizes() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let log = try StateLog.open(folder: folder.path, options: smallOptions())
        #expect(throws: StateError.recordTooLarge(size: 5000, limit: 4096 - 64 - 20)) {
            try log.append(type: 1, payload: [UInt8](repeating: 1, count: 5000)).wait()
        }
        #expect(try log.append(type: 1, payload: [UInt8](repeating: 1, count: 4096 - 64 - 20)).wait() == 1)
        #expect(try log.append(type: 2, flags: 3, payload: []).wait() == 2)
        #expect(log.read(from: 2) == [LogRecord(sequence: 2, type: 2, flags: 3, payload: [])])
        log.close()
        #expect(throws: StateError.closed) { try log.append(type: 1, payload: [1]).wait() }
    }

    @Test("interval and never policies acknowledge at once; sync() and close() make records durable")
    func policies() async throws {
        for policy in [SyncPolicy.interval(.milliseconds(5)), .never] {
            let folder = TemporaryFolder()
            defer { folder.remove() }
            var log = try StateLog.open(folder: folder.path, options: smallOptions(policy))
            for index in 1...100 {
                let sequence = try await log.append(type: 7, payload: payload(index))
                #expect(sequence == UInt64(index))
            }
            try log.sync()
            log.close()
            log = try StateLog.open(folder: folder.path, options: smallOptions(policy))
            expectRecords(log, 1...100)
            log.close()
        }
    }
}
