import Glibc
import NexusRuntime
import NexusState
import Synchronization
import Testing

/// The application's view of a log: the snapshot's records, then every record after it (type and payload).
func replay(_ log: StateLog) -> [SnapshotRecord] {
    (log.snapshot?.records ?? []) + log.read(from: (log.snapshot?.sequence ?? 0) + 1).map {
        SnapshotRecord(type: $0.type, payload: $0.payload)
    }
}

/// A compaction image: the whole replay, through `lastSequence` (one appender, nothing in flight).
func compactionImage(_ log: StateLog) -> Snapshot {
    Snapshot(sequence: log.lastSequence, records: replay(log))
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

func snapshotPath(_ folder: String, _ sequence: UInt64) -> String {
    folder + "/" + SnapshotFile.fileName(sequence: sequence)
}

@Suite("StateLog snapshots")
struct SnapshotTests {
    @Test("compaction: old segments go, reopen gives the same replay, appends continue after the snapshot")
    func compaction() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...200)
        #expect(log.segmentSummaries().count >= 3)
        #expect(log.bytesSinceSnapshot > 10_000)
        let before = replay(log)
        let image = compactionImage(log)
        try log.installSnapshot(image)
        #expect(log.snapshot == image)
        #expect(log.segmentSummaries().count == 1, "only the current segment is left")
        #expect(!fileExists(segmentPath(folder.path, 0)) && fileExists(snapshotPath(folder.path, 200)))
        #expect(log.bytesSinceSnapshot == 0)
        #expect(log.read(from: 1).isEmpty && log.firstSequence == 201 && log.lastSequence == 200)
        #expect(replay(log) == before)
        #expect(try log.append(type: 7, payload: payload(201)).wait() == 201)
        #expect(log.bytesSinceSnapshot == SegmentFormat.recordSize(payloadCount: payload(201).count))
        log.close()
        var report = try StateLog.verify(folder: folder.path)
        #expect(report.isClean, "\(report)")
        #expect(report.snapshotSequence == 200 && report.snapshotRecordCount == 200)
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        #expect(log.snapshot == image)
        #expect(log.read().map(\.sequence) == [201])
        #expect(replay(log).count == 201 && Array(replay(log).prefix(200)) == before)
        try appendAll(log, 202...400)
        // A second compaction replaces the first snapshot file.
        try log.installSnapshot(compactionImage(log))
        #expect(!fileExists(snapshotPath(folder.path, 200)) && fileExists(snapshotPath(folder.path, 400)))
        log.close()
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        #expect(replay(log).count == 400)
        for (index, record) in replay(log).enumerated() { #expect(record.payload == payload(index + 1)) }
        log.close()
        report = try StateLog.verify(folder: folder.path)
        #expect(report.isClean && report.snapshotFile == snapshotPath(folder.path, 400), "\(report)")
    }

    @Test("restore: a foreign image at lastSequence replaces everything before; new records follow it")
    func restore() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...150)
        let backup = SnapshotFile.encode(Snapshot(sequence: 9, records: [SnapshotRecord(type: 1, payload: [1, 2]),
                                                                         SnapshotRecord(type: 2, payload: [3])]))
        let restored = try SnapshotFile.decode(backup, file: "upload")
        let image = Snapshot(sequence: log.lastSequence, records: restored.records)
        try log.installSnapshot(image)
        #expect(replay(log) == restored.records)
        #expect(try log.append(type: 7, payload: [42]).wait() == 151)
        log.close()
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        #expect(log.snapshot == image)
        #expect(replay(log) == restored.records + [SnapshotRecord(type: 7, payload: [42])])
        #expect(log.read(from: 1) == [LogRecord(sequence: 151, type: 7, flags: 0, payload: [42])])
        log.close()
        #expect(try StateLog.verify(folder: folder.path).isClean)
    }

    @Test("retention: an empty snapshot through the oldest segments drops them and keeps later records")
    func retention() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...300)
        let summaries = log.segmentSummaries()
        #expect(summaries.count >= 4)
        #expect(summaries.first?.firstSequence == 1 && summaries.last?.lastSequence == 300)
        for (earlier, later) in zip(summaries, summaries.dropFirst()) {
            #expect(earlier.lastSequence + 1 == later.firstSequence && earlier.index + 1 == later.index)
            #expect(earlier.byteCount > 4096 - 200 && earlier.byteCount <= 4096 - 64)
        }
        let through = summaries[1].lastSequence
        try log.installSnapshot(Snapshot(sequence: through, records: []))
        #expect(log.segmentSummaries() == Array(summaries.dropFirst(2)))
        #expect(!fileExists(segmentPath(folder.path, 1)) && fileExists(segmentPath(folder.path, 2)))
        #expect(log.firstSequence == through + 1)
        #expect(log.read(from: 1).map(\.sequence) == Array((through + 1)...300))
        #expect(log.bytesSinceSnapshot == summaries.dropFirst(2).reduce(0) { $0 + $1.byteCount })
        log.close()
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        expectRecordsAfter(log, through: Int(through), last: 300)
        log.close()
    }

    @Test("a snapshot beyond the last sequence or before the current one is refused")
    func outOfRange() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...10)
        #expect(throws: StateError.snapshotOutOfRange(sequence: 11, lowest: 0, highest: 10)) {
            try log.installSnapshot(Snapshot(sequence: 11, records: []))
        }
        try log.installSnapshot(Snapshot(sequence: 5, records: []))
        #expect(throws: StateError.snapshotOutOfRange(sequence: 4, lowest: 5, highest: 10)) {
            try log.installSnapshot(Snapshot(sequence: 4, records: []))
        }
        try log.installSnapshot(Snapshot(sequence: 5, records: [SnapshotRecord(type: 1, payload: [5])]))
        #expect(log.snapshot?.records.count == 1)
        log.close()
        #expect(throws: StateError.closed) { try log.installSnapshot(Snapshot(sequence: 5, records: [])) }
    }

    @Test("a damaged newest snapshot falls back to an older one the segments cover; repair removes it")
    func damagedFallback() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let options = smallOptions(segmentSize: 1 << 20)
        var log = try StateLog.open(folder: folder.path, options: options)
        try appendAll(log, 1...50)
        let older = compactionImage(log)
        try log.installSnapshot(older)
        try appendAll(log, 51...80)
        let newer = compactionImage(log)
        try log.installSnapshot(newer)
        log.close()
        // A crash between the newer snapshot's rename and the older one's removal, then bit rot in the newer one.
        let olderBytes = SnapshotFile.encode(older)
        let fd = open(snapshotPath(folder.path, 50), O_CREAT | O_WRONLY, 0o644)
        _ = olderBytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        poke(snapshotPath(folder.path, 80), offset: 100, [0xEE])
        var report = try StateLog.verify(folder: folder.path)
        #expect(report.snapshotSequence == 50 && report.damagedSnapshots.count == 1 && !report.isClean, "\(report)")
        #expect(report.description.contains(snapshotPath(folder.path, 80)))
        log = try StateLog.open(folder: folder.path, options: options)
        #expect(log.snapshot == older)
        #expect(replay(log) == newer.records, "the records after the older snapshot are all in the segment")
        log.close()
        let repair = try StateLog.repair(folder: folder.path)
        #expect(repair.removedFiles == [snapshotPath(folder.path, 80)])
        #expect(repair.lastKeptSequence == 80)
        report = try StateLog.verify(folder: folder.path)
        #expect(report.isClean && report.snapshotSequence == 50, "\(report)")
    }

    @Test("no usable snapshot and segments that do not start at 1: refused, naming the files")
    func noUsableSnapshot() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...200)
        try log.installSnapshot(compactionImage(log))
        try appendAll(log, 201...210)
        log.close()
        let snapshot = snapshotPath(folder.path, 200)
        poke(snapshot, offset: 70, [0xEE])
        do {
            _ = try StateLog.open(folder: folder.path, options: smallOptions())
            Issue.record("opened without its snapshot")
        } catch {
            guard case .badSnapshot(let file, let offset, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file == snapshot && offset == 40)
        }
        #expect(throws: StateError.self) { try StateLog.repair(folder: folder.path) }
        #expect(fileExists(snapshot), "repair keeps what it cannot replace")
        #expect(try StateLog.verify(folder: folder.path).damage != nil)
        unlink(snapshot)
        do {
            _ = try StateLog.open(folder: folder.path, options: smallOptions())
            Issue.record("opened without its snapshot")
        } catch {
            guard case .missingSnapshot(let file, let first) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file.hasPrefix(folder.path + "/segment-") && first > 1 && first <= 201)
            #expect(error.description.contains(file))
        }
    }

    @Test("damage in records the snapshot covers: repair cuts there; open continues after the snapshot")
    func repairInsideCoveredRecords() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let options = smallOptions(segmentSize: 1 << 20)
        var log = try StateLog.open(folder: folder.path, options: options)
        try appendAll(log, 1...50)
        let image = compactionImage(log)
        try log.installSnapshot(image)
        try appendAll(log, 51...60)
        log.close()
        let file = segmentPath(folder.path, 0)
        let offset = offsetInFirstSegment(of: 10)
        poke(file, offset: offset + SegmentFormat.recordHeaderSize + 1, [0xFF])
        #expect(throws: StateError.corruptRecord(file: file, offset: offset,
                                                 reason: "record checksum mismatch (sequence 10)")) {
            try StateLog.open(folder: folder.path, options: options)
        }
        let repair = try StateLog.repair(folder: folder.path)
        #expect(repair.truncatedAt == offset && repair.lastKeptSequence == 50, "\(repair)")
        log = try StateLog.open(folder: folder.path, options: options)
        #expect(log.snapshot == image && log.lastSequence == 50 && log.read().isEmpty)
        #expect(try log.append(type: 7, payload: payload(51)).wait() == 51)
        #expect(log.segmentSummaries().map(\.index) == [1], "a new segment starts at 51; the cut one is superseded")
        log.close()
        log = try StateLog.open(folder: folder.path, options: options)
        expectRecordsAfter(log, through: 50, last: 51)
        log.close()
        #expect(try StateLog.verify(folder: folder.path).isClean)
    }

    @Test("a snapshot of another format version is refused at open, not skipped")
    func newerVersionRefused() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path, options: smallOptions())
        try appendAll(log, 1...20)
        try log.installSnapshot(compactionImage(log))
        log.close()
        let path = snapshotPath(folder.path, 20)
        poke(path, offset: 8, [2])
        let expected = StateError.unsupportedVersion(file: path, found: 2, supported: 1)
        #expect(throws: expected) { try StateLog.open(folder: folder.path, options: smallOptions()) }
        #expect(throws: expected) { try StateLog.repair(folder: folder.path) }
        #expect(fileExists(path))
        poke(path, offset: 8, [1])
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        #expect(log.snapshot?.sequence == 20)
        log.close()
    }

    @Test("leftover temporary snapshot files are removed at open; a snapshot alone restores a folder")
    func leftoversAndSnapshotOnly() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let image = Snapshot(sequence: 77, records: [SnapshotRecord(type: 3, payload: [7, 7])])
        let bytes = SnapshotFile.encode(image)
        for path in [snapshotPath(folder.path, 77), snapshotPath(folder.path, 90) + ".tmp"] {
            let fd = open(path, O_CREAT | O_WRONLY, 0o644)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        #expect(try StateLog.verify(folder: folder.path).temporaryFiles.count == 1)
        var log = try StateLog.open(folder: folder.path, options: smallOptions())
        #expect(!fileExists(snapshotPath(folder.path, 90) + ".tmp"))
        #expect(log.snapshot == image && log.lastSequence == 77 && log.firstSequence == 78)
        #expect(try log.append(type: 1, payload: [1]).wait() == 78)
        log.close()
        log = try StateLog.open(folder: folder.path, options: smallOptions())
        #expect(replay(log) == image.records + [SnapshotRecord(type: 1, payload: [1])])
        log.close()
        #expect(try StateLog.verify(folder: folder.path).isClean)
    }

    @Test("a damaged snapshot alone in a folder, or one covering the last sequence number, is refused")
    func snapshotOnlyDamaged() throws {
        for (sequence, damaged) in [(UInt64(5), true), (UInt64.max, false)] {
            let folder = TemporaryFolder()
            defer { folder.remove() }
            let path = snapshotPath(folder.path, sequence)
            let records = [SnapshotRecord(type: 1, payload: [1])]
            var bytes = SnapshotFile.encode(Snapshot(sequence: sequence, records: records))
            if damaged { bytes[bytes.count - 1] ^= 1 }
            let fd = open(path, O_CREAT | O_WRONLY, 0o644)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            do {
                _ = try StateLog.open(folder: folder.path, options: smallOptions())
                Issue.record("opened an empty state beside a damaged snapshot")
            } catch {
                guard case .badSnapshot(let file, _, _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(file == path)
            }
            #expect(!fileExists(segmentPath(folder.path, 0)))
        }
    }

    @Test("appends from 4 threads while snapshots are installed: none lost, none duplicated, order kept")
    func concurrentAppendsDuringInstall() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let options = smallOptions(.always, segmentSize: 8192)
        var log = try StateLog.open(folder: folder.path, options: options)
        let perThread = 400
        let failures = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let threads = (0..<4).map { thread in
            NexusThread.spawn(name: "appender-\(thread)") { [log] in
                for index in 0..<perThread {
                    let body = [UInt8(thread), UInt8(index & 0xFF), UInt8(index >> 8)]
                    if (try? log.append(type: UInt16(thread), payload: body).wait()) == nil {
                        failures.add(1, ordering: .relaxed)
                    }
                }
                done.add(1, ordering: .relaxed)
            }
        }
        // A reader meanwhile: each read is contiguous and starts after the snapshot it saw, even while the segments
        // it reads from are removed (it holds their mappings).
        let readerBad = Atomic<Int>(0)
        let reader = NexusThread.spawn(name: "reader") { [log] in
            while done.load(ordering: .relaxed) < 4 {
                let records = log.read(from: 1)
                let first = records.first?.sequence ?? 1
                if first < 1 || zip(records, records.dropFirst()).contains(where: { $0.sequence + 1 != $1.sequence }) {
                    readerBad.add(1, ordering: .relaxed)
                }
            }
        }
        var installs = 0
        var image = Snapshot(sequence: 0, records: [])
        while done.load(ordering: .relaxed) < 4 || installs < 3 {
            // The image through S: the previous image plus the records up to S, read while others append.
            let through = log.lastSequence
            let added = log.read(from: image.sequence + 1, limit: Int(through - image.sequence))
            #expect(added.last?.sequence ?? image.sequence == through)
            image = Snapshot(sequence: through, records: image.records + added.map {
                SnapshotRecord(type: $0.type, payload: $0.payload)
            })
            try log.installSnapshot(image)
            installs += 1
        }
        for thread in threads { thread.join() }
        reader.join()
        #expect(failures.load(ordering: .relaxed) == 0 && readerBad.load(ordering: .relaxed) == 0)
        #expect(installs >= 3)
        func check(_ records: [SnapshotRecord]) {
            #expect(records.count == 4 * perThread)
            var next = [Int](repeating: 0, count: 4)
            for record in records {
                let thread = Int(record.payload[0])
                #expect(Int(record.type) == thread)
                #expect(Int(record.payload[1]) | Int(record.payload[2]) << 8 == next[thread])
                next[thread] += 1
            }
        }
        check(replay(log))
        log.close()
        log = try StateLog.open(folder: folder.path, options: options)
        check(replay(log))
        log.close()
        #expect(try StateLog.verify(folder: folder.path).isClean)
    }
}

/// Expects exactly the test records `through + 1 ... last` after the snapshot.
func expectRecordsAfter(_ log: StateLog, through: Int, last: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    let records = log.read()
    #expect(records.map(\.sequence) == (UInt64(through + 1)...UInt64(last)).map { $0 }, sourceLocation: sourceLocation)
    for record in records {
        #expect(record.payload == payload(Int(record.sequence)), sourceLocation: sourceLocation)
    }
}
