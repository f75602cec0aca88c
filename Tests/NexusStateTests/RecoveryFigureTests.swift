import Glibc
import NexusRuntime
import NexusState
import NexusSystem
import Testing

@Suite("Recovery figure")
struct RecoveryFigureTests {
    @Test("recovery time per GiB (NEXUS_BENCH=1 only): StateLog.open over ~1 GiB of 4 KiB records, every CRC checked")
    func recoveryFigure() throws {
        guard getenv("NEXUS_BENCH") != nil else { return }
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var options = StateLogOptions()
        options.segmentSize = 64 << 20
        options.syncPolicy = .never
        let recordPayload = 4096
        let recordBytes = SegmentFormat.recordSize(payloadCount: recordPayload)
        let count = (1 << 30) / recordBytes
        var log = try StateLog.open(folder: folder.path, options: options)
        let body = (0..<recordPayload).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var writeStart = Clock.monotonicNanoseconds()
        var pending: [AppendTicket] = []
        for index in 0..<count {
            pending.append(log.append(type: 1, payload: body))
            if index % 1024 == 1023 || index == count - 1 {
                for ticket in pending { _ = try ticket.wait() }
                pending.removeAll(keepingCapacity: true)
            }
        }
        try log.sync()
        let writeSeconds = Double(Clock.monotonicNanoseconds() - writeStart) / 1e9
        log.close()
        let segments = try RealFileSystem().listDirectory(folder.path).filter { $0.hasSuffix(".nxlog") }
        let mebibytes = Double(count * recordBytes) / Double(1 << 20)
        print("recovery figure: \(count) records of \(recordPayload) bytes, \(Int(mebibytes)) MiB in "
            + "\(segments.count) segments of 64 MiB, written in \(fixed(writeSeconds, 2)) s")
        for cold in [true, false] {
            for run in 1...3 {
                if cold {
                    // Drop this folder's pages from the page cache (not the whole machine's), so open reads the disk.
                    for name in segments {
                        let fd = open(folder.path + "/" + name, O_RDONLY)
                        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
                        close(fd)
                    }
                }
                writeStart = Clock.monotonicNanoseconds()
                log = try StateLog.open(folder: folder.path, options: options)
                let seconds = Double(Clock.monotonicNanoseconds() - writeStart) / 1e9
                #expect(log.lastSequence == UInt64(count))
                log.close()
                print("recovery figure, \(cold ? "cold page cache" : "warm page cache"), run \(run): open in "
                    + "\(fixed(seconds, 3)) s = \(Int(mebibytes / seconds)) MiB/s = "
                    + "\(fixed(seconds * 1024 / mebibytes, 3)) s per GiB")
            }
        }
    }
}

/// `value` with `digits` decimals (no Foundation here).
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let fraction = String(scaled % Int(scale))
    return "\(scaled / Int(scale))." + String(repeating: "0", count: digits - fraction.count) + fraction
}
