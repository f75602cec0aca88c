import Glibc
import NexusState

/// A small seeded generator (SplitMix64) so every randomized test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fresh, empty directory under `base` (/tmp by default), removed by `remove()`.
struct TemporaryFolder {
    let path: String
    init(base: String = "/tmp") {
        var template = Array((base + "/nexus-state-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: errno \(errno)")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Removes the (flat) folder without spawning `rm`: a fork would inherit, for an instant, another test's lock
    /// descriptor, and flock locks live as long as any copy of the descriptor does.
    func remove() {
        if let names = try? RealFileSystem().listDirectory(path) {
            for name in names { unlink(path + "/" + name) }
        }
        rmdir(path)
    }
}
