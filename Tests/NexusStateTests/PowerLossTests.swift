import Glibc
import NexusRuntime
import NexusSystem
import NexusState
import Synchronization
import Testing

@Suite("StateLog under power loss and concurrency")
struct PowerLossTests {
    /// Appends in batches of 1-8 tickets until `count` or the power fails; returns the acknowledged records.
    static func appendUntilCrash(_ log: StateLog, count: Int, generator: inout SplitMix64) -> [UInt64: [UInt8]] {
        var acknowledged: [UInt64: [UInt8]] = [:]
        var appended = 0
        while appended < count {
            let batch = (0..<Int(generator.next() % 8 + 1)).map { _ in
                (0..<Int(generator.next() % 60)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            }
            let tickets = batch.map { log.append(type: 1, payload: $0) }
            var failed = false
            for (ticket, payload) in zip(tickets, batch) {
                do {
                    acknowledged[try ticket.wait()] = payload
                } catch {
                    failed = true
                }
            }
            if failed { break }
            appended += batch.count
        }
        return acknowledged
    }

    @Test("1,000 seeded power losses (sync always) lose no acknowledged record; the log verifies after recovery")
    func powerLoss() throws {
        var options = smallOptions(.always)
        options.queueCapacity = 64
        var crashes = 0
        var torn = FaultInjectingFileSystem.Counters()
        for seed in UInt64(1)...1000 {
            var generator = SplitMix64(seed: seed)
            let fs = FaultInjectingFileSystem(seed: seed, pageSize: 1024)
            var acknowledged: [UInt64: [UInt8]] = [:]
            for _ in 0..<2 {
                fs.crashAfter(operations: Int(generator.next() % 40 + 1))
                let log: StateLog
                do {
                    log = try StateLog.open(folder: "/state", options: options, fileSystem: fs)
                } catch {
                    #expect(fs.isCrashed, "seed \(seed): open failed without a crash: \(error)")
                    fs.reboot()
                    continue
                }
                acknowledged.merge(Self.appendUntilCrash(log, count: 150, generator: &generator)) { $1 }
                log.close()
                if fs.isCrashed { crashes += 1 }
                fs.reboot()
                let counters = fs.lastCrash
                torn.lost += counters.lost; torn.written += counters.written
                torn.torn += counters.torn; torn.zeroed += counters.zeroed
            }
            let log: StateLog
            do {
                log = try StateLog.open(folder: "/state", options: options, fileSystem: fs)
            } catch {
                Issue.record("seed \(seed): recovery refused the log: \(error)")
                continue
            }
            let records = log.read()
            let bySequence = Dictionary(uniqueKeysWithValues: records.map { ($0.sequence, $0.payload) })
            #expect(records.map(\.sequence) == Array(1...UInt64(max(records.count, 1))).prefix(records.count).map { $0 })
            for (sequence, payload) in acknowledged where bySequence[sequence] != payload {
                Issue.record("seed \(seed): acknowledged record \(sequence) lost or changed")
                break
            }
            log.close()
            let report = try StateLog.verify(folder: "/state", fileSystem: fs)
            #expect(report.isClean, "seed \(seed): \(report)")
        }
        #expect(crashes > 900, "most runs should have hit their crash point")
        #expect(torn.lost > 0 && torn.written > 0 && torn.torn > 0 && torn.zeroed > 0, "\(torn)")
    }

    @Test("8 threads append concurrently: all acknowledged, all present, each thread's records in its order")
    func concurrentAppends() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var log = try StateLog.open(folder: folder.path, options: smallOptions(.always, segmentSize: 65_536))
        let perThread = 300
        let failures = Atomic<Int>(0)
        let threads = (0..<8).map { thread in
            NexusThread.spawn(name: "appender-\(thread)") { [log] in
                for index in 0..<perThread {
                    let body = [UInt8(thread), UInt8(index & 0xFF), UInt8(index >> 8)]
                    // Every other append is fire-and-forget, so batches hold several records of one thread.
                    let ticket = log.append(type: UInt16(thread), payload: body)
                    if index % 2 == 1, (try? ticket.wait()) == nil { failures.add(1, ordering: .relaxed) }
                    if index % 2 == 0 { ticket.onComplete { if case .failure = $0 { failures.add(1, ordering: .relaxed) } } }
                }
            }
        }
        for thread in threads { thread.join() }
        try log.sync()
        #expect(failures.load(ordering: .relaxed) == 0)
        log.close()
        log = try StateLog.open(folder: folder.path, options: smallOptions(.always, segmentSize: 65_536))
        let records = log.read()
        #expect(records.count == 8 * perThread)
        #expect(records.map(\.sequence) == (1...UInt64(8 * perThread)).map { $0 })
        var next = [Int](repeating: 0, count: 8)
        for record in records {
            let thread = Int(record.payload[0])
            #expect(Int(record.type) == thread)
            #expect(Int(record.payload[1]) | Int(record.payload[2]) << 8 == next[thread])
            next[thread] += 1
        }
        #expect(next == [Int](repeating: perThread, count: 8))
        log.close()
    }

    @Test("disk full: the append fails with ENOSPC, reads go on, appends work again once space returns")
    func diskFull() throws {
        let fs = FaultInjectingFileSystem(seed: 7)
        fs.spaceLimit = 2 * 4096
        var log = try StateLog.open(folder: "/state", options: smallOptions(), fileSystem: fs)
        var sequence: UInt64 = 0
        var error: StateError?
        while error == nil {
            do { sequence = try log.append(type: 7, payload: payload(Int(sequence) + 1)).wait() } catch let e { error = e }
        }
        let full = SegmentFormat.fileName(index: 2)
        #expect(error == .noSpace(path: "/state/" + full + ".tmp"))
        #expect(error?.description.contains("ENOSPC") == true)
        #expect(sequence > 60, "two segments were filled")
        #expect(log.read().count == Int(sequence))
        #expect(throws: StateError.noSpace(path: "/state/" + full + ".tmp")) {
            try log.append(type: 7, payload: payload(Int(sequence) + 1)).wait()
        }
        fs.spaceLimit = nil
        #expect(try log.append(type: 7, payload: payload(Int(sequence) + 1)).wait() == sequence + 1)
        log.close()
        log = try StateLog.open(folder: "/state", options: smallOptions(), fileSystem: fs)
        expectRecords(log, 1...Int(sequence + 1))
        log.close()
        #expect(try StateLog.verify(folder: "/state", fileSystem: fs).isClean)
    }

    /// `NEXUS_BENCH_DIR=/dev/shm` runs it on tmpfs, where a sync costs next to nothing: what is left is the CPU
    /// cost of queueing, batching and waking, without the disk's noise.
    @Test("group commit figure (NEXUS_BENCH=1 only): acknowledged appends/s, 64 writer threads vs 1")
    func groupCommitFigure() throws {
        guard getenv("NEXUS_BENCH") != nil else { return }
        let base = getenv("NEXUS_BENCH_DIR").map { String(cString: $0) } ?? "/tmp"
        for threads in [1, 64] {
            let folder = TemporaryFolder(base: base)
            defer { folder.remove() }
            let log = try StateLog.open(folder: folder.path)
            let perThread = threads == 1 ? 2000 : 200
            let start = Clock.monotonicNanoseconds()
            let workers = (0..<threads).map { index in
                NexusThread.spawn(name: "bench-\(index)") { [log] in
                    for _ in 0..<perThread { _ = try? log.append(type: 1, payload: [UInt8](repeating: 1, count: 64)).wait() }
                }
            }
            for worker in workers { worker.join() }
            let seconds = Double(Clock.monotonicNanoseconds() - start) / 1e9
            let total = threads * perThread
            print("group commit, sync always, 64-byte records, \(base), \(threads) writer thread(s): \(total) acknowledged in "
                + "\(seconds) s = \(Int(Double(total) / seconds)) appends/s")
            log.close()
        }
    }

    /// The shape of the admin API and counter flushes: few threads, each with several appends in flight.
    @Test("group commit figure, pipelined (NEXUS_BENCH=1 only): 8 threads x 8 appends in flight vs 1 x 1")
    func pipelinedCommitFigure() throws {
        guard getenv("NEXUS_BENCH") != nil else { return }
        let base = getenv("NEXUS_BENCH_DIR").map { String(cString: $0) } ?? "/tmp"
        var single = 0.0
        for (threads, depth) in [(1, 1), (8, 8), (1, 64)] {
            let folder = TemporaryFolder(base: base)
            defer { folder.remove() }
            let log = try StateLog.open(folder: folder.path)
            let rounds = threads * depth == 1 ? 2000 : 12_800 / (threads * depth)
            let start = Clock.monotonicNanoseconds()
            let workers = (0..<threads).map { index in
                NexusThread.spawn(name: "bench-\(index)") { [log] in
                    for _ in 0..<rounds {
                        let tickets = (0..<depth).map { _ in
                            log.append(type: 1, payload: [UInt8](repeating: 1, count: 64))
                        }
                        for ticket in tickets { _ = try? ticket.wait() }
                    }
                }
            }
            for worker in workers { worker.join() }
            let seconds = Double(Clock.monotonicNanoseconds() - start) / 1e9
            let rate = Double(threads * depth * rounds) / seconds
            if threads * depth == 1 { single = rate }
            print("group commit, sync always, 64-byte records, \(base), \(threads) thread(s) x \(depth) in flight: "
                + "\(Int(rate)) appends/s = \(fixed(rate / single, 1))x one in flight")
            log.close()
        }
    }
}
