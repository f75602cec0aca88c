import Glibc
import NexusRuntime
import NexusSystem
import Testing

@Suite("NexusThread")
struct NexusThreadTests {
    /// Reads the calling thread's name from /proc/thread-self/comm.
    static func currentThreadName() -> String {
        let fd = open("/proc/thread-self/comm", O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = read(fd, &bytes, bytes.count)
        return String(decoding: bytes[0..<max(n, 0)], as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test("runs the body, names the thread (cut to 15 bytes), join waits")
    func spawnAndJoin() {
        let seen = Box("")
        let thread = NexusThread.spawn(name: "nexus-test-thread-long-name") {
            seen.value = NexusThreadTests.currentThreadName()
        }
        thread.join()
        #expect(thread.setupError == nil)
        #expect(seen.value == "nexus-test-thre")
    }

    @Test("pins to an available CPU")
    func pinning() {
        let cpu = RuntimeThreadAffinity.availableCPUs() - 1
        let thread = NexusThread.spawn(name: "pinned", cpu: cpu) {}
        thread.join()
        #expect(thread.setupError == nil)
        #expect(thread.cpu == cpu)
    }

    @Test("an impossible CPU is reported, and the body still runs")
    func pinningFailure() {
        let ran = Box(false)
        let thread = NexusThread.spawn(name: "unpinned", cpu: 100_000) { ran.value = true }
        thread.join()
        #expect(ran.value)
        #expect(thread.setupError?.call == "pthread_setaffinity_np")
    }
}
