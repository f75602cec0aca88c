import NexusState
import Testing

@Suite("Snapshots under power loss")
struct SnapshotPowerLossTests {
    @Test("1,000 seeded power losses, some inside installSnapshot: nothing acknowledged is lost; the log verifies")
    func powerLossWithSnapshots() throws {
        var options = smallOptions(.always)
        options.queueCapacity = 64
        var crashes = 0
        var installs = 0
        var crashesInInstall = 0
        var supersededSeen = 0
        for seed in UInt64(1)...1000 {
            var generator = SplitMix64(seed: seed &+ 1_000_000)
            let fs = FaultInjectingFileSystem(seed: seed, pageSize: 1024)
            // Acknowledged appends, and records of installed snapshots (the same records: the image is the replay).
            var acknowledged: [UInt64: [UInt8]] = [:]
            for _ in 0..<3 {
                fs.crashAfter(operations: Int(generator.next() % 80 + 1))
                let log: StateLog
                do {
                    log = try StateLog.open(folder: "/state", options: options, fileSystem: fs)
                } catch {
                    #expect(fs.isCrashed, "seed \(seed): open failed without a crash: \(error)")
                    fs.reboot()
                    continue
                }
                var appended = 0
                while appended < 150 && !fs.isCrashed {
                    let count = Int(generator.next() % 40 + 1)
                    acknowledged.merge(PowerLossTests.appendUntilCrash(log, count: count, generator: &generator)) { $1 }
                    appended += count
                    if fs.isCrashed { break }
                    let image = compactionImage(log)
                    do {
                        try log.installSnapshot(image)
                        installs += 1
                        for (position, record) in image.records.enumerated() {
                            acknowledged[UInt64(position + 1)] = record.payload
                        }
                    } catch {
                        #expect(fs.isCrashed, "seed \(seed): installSnapshot failed without a crash: \(error)")
                        crashesInInstall += 1
                    }
                }
                log.close()
                if fs.isCrashed { crashes += 1 }
                fs.reboot()
            }
            if let report = try? StateLog.verify(folder: "/state", fileSystem: fs), !report.supersededFiles.isEmpty {
                supersededSeen += 1
            }
            let log: StateLog
            do {
                log = try StateLog.open(folder: "/state", options: options, fileSystem: fs)
            } catch {
                Issue.record("seed \(seed): recovery refused the log: \(error)")
                continue
            }
            let records = replay(log)
            #expect(UInt64(records.count) == log.lastSequence, "seed \(seed): the replay has a gap")
            for (sequence, payload) in acknowledged
            where sequence > UInt64(records.count) || records[Int(sequence) - 1].payload != payload {
                Issue.record("seed \(seed): acknowledged record \(sequence) lost or changed")
                break
            }
            log.close()
            let report = try StateLog.verify(folder: "/state", fileSystem: fs)
            #expect(report.isClean, "seed \(seed): \(report)")
        }
        print("snapshot power losses: \(crashes) crashes, \(crashesInInstall) inside installSnapshot, \(installs) "
            + "installs, \(supersededSeen) folders with superseded files at recovery")
        #expect(crashes > 900, "most lives should hit their crash point")
        #expect(crashesInInstall > 100 && installs > 1000 && supersededSeen > 0)
    }

    @Test("fsync never: installSnapshot syncs the records it covers first, so a power loss after it keeps S + 1 next")
    func snapshotSyncsCoveredRecords() throws {
        for seed in UInt64(1)...20 {
            let fs = FaultInjectingFileSystem(seed: seed, pageSize: 1024)
            var log = try StateLog.open(folder: "/state", options: smallOptions(.never), fileSystem: fs)
            try appendAll(log, 1...30)
            let image = Snapshot(sequence: 25, records: [SnapshotRecord(type: 1, payload: [25])])
            try log.installSnapshot(image)
            try appendAll(log, 31...35)  // acknowledged, not synced: a power loss may take them
            fs.crashNow()
            log.close()
            fs.reboot()
            log = try StateLog.open(folder: "/state", options: smallOptions(.never), fileSystem: fs)
            #expect(log.snapshot == image, "seed \(seed)")
            #expect(log.lastSequence >= 30, "seed \(seed): records up to the install were synced by it")
            let after = log.read()
            #expect(after.map(\.sequence) == Array(26...log.lastSequence), "seed \(seed)")
            let last = log.lastSequence
            #expect(try log.append(type: 7, payload: []).wait() == last + 1, "seed \(seed)")
            log.close()
            #expect(try StateLog.verify(folder: "/state", fileSystem: fs).isClean, "seed \(seed)")
        }
    }
}

