// Shared helpers for the runtime tests: stress sizes, a cross-thread result box, pipes.
import Glibc

/// Stress sizes: the full sizes normally; smaller under ThreadSanitizer (about 10x slower) unless NEXUS_STRESS=1.
enum Stress {
    /// True when the test binary was built with -sanitize=thread (its runtime exports `__tsan_init`).
    static let underThreadSanitizer: Bool = dlsym(nil, "__tsan_init") != nil
    static let forced: Bool = getenv("NEXUS_STRESS").map { String(cString: $0) == "1" } ?? false

    /// `full` normally or with NEXUS_STRESS=1, else `reduced` under TSan.
    static func size(full: Int, reduced: Int) -> Int {
        (underThreadSanitizer && !forced) ? reduced : full
    }
}

/// A value written by one thread and read by another only after a synchronizing join.
final class Box<Value>: @unchecked Sendable {
    // SAFETY: every test writes `value` from exactly one thread and reads it only after `NexusThread.join()`,
    // which orders the write before the read.
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Creates a pipe; returns (read end, write end).
func makePipe() -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    precondition(pipe(&fds) == 0, "pipe failed")
    return (fds[0], fds[1])
}

/// Reads `fd` until EOF.
func readAll(_ fd: Int32) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n > 0 { result.append(contentsOf: chunk[0..<n]); continue }
        if n < 0 && errno == EINTR { continue }
        return result
    }
}

/// Splits bytes into lines (without the newlines).
func lines(_ bytes: [UInt8]) -> [String] {
    bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map {
        String(decoding: $0, as: UTF8.self)
    }
}
