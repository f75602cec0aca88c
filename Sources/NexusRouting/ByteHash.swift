/// The hash of byte strings used by the route tables: 64-bit FNV-1a, then a final avalanche.
///
/// FNV-1a is incremental, so the hash of every prefix of a path comes out of one pass over it (the prefix table
/// relies on that). It is not keyed: the keys are the configuration's, and a client choosing what to look up cannot
/// make a probe longer than the longest cluster the configuration made (the tables are at most half full).
struct ByteHash {
    private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    mutating func add(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// The finished hash (murmur3's fmix64 over the FNV state); does not change the state.
    @inline(__always)
    var value: UInt64 {
        var h = state
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// The hash of `bytes[range]`, ASCII letters folded to lower case when `foldCase`.
    @inline(__always)
    static func of(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, foldCase: Bool = false) -> UInt64 {
        var hash = ByteHash()
        if foldCase {
            for i in range { hash.add(asciiLower(bytes[i])) }
        } else {
            for i in range { hash.add(bytes[i]) }
        }
        return hash.value
    }

    static func of(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { of($0, 0..<$0.count) }
    }
}

/// `byte` with an ASCII upper-case letter mapped to lower case.
@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 {
    byte &- 0x41 < 26 ? byte | 0x20 : byte
}
