import NexusBytes

/// Makes request ids: 32 lowercase hex digits (128 bits) from a fast PRNG, without allocating.
///
/// Not cryptographic: xoshiro256** (Blackman, Vigna), seeded once from the system's random source
/// (`SystemRandomNumberGenerator`: getrandom(2) on Linux, arc4random on Darwin). Ids are unique in practice
/// (collisions are as likely as for a random 128-bit value) but predictable to anyone who sees enough of them:
/// never use one as a secret or a token. Keep one generator per event loop: it is a plain value, not shared.
public struct RequestIDGenerator: Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// A generator seeded from the system's random source.
    public init() {
        var rng = SystemRandomNumberGenerator()
        self.init(seed: rng.next())
    }

    /// A generator with a fixed seed (tests, reproducible runs); the state is expanded with SplitMix64.
    public init(seed: UInt64) {
        var x = seed
        @inline(__always) func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x); s1 = splitMix(&x); s2 = splitMix(&x); s3 = splitMix(&x)
    }

    /// The next 64 bits of the xoshiro256** sequence.
    @inlinable public mutating func nextUInt64() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Appends the next id: 32 lowercase hex digits.
    public mutating func next(into b: ByteBuffer) {
        let hi = nextUInt64(), lo = nextUInt64()
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0) // 32 bytes on the stack
        withUnsafeMutableBytes(of: &digits) { d in
            for k in 0..<16 {
                let shift = UInt64(60 &- 4 &* k)
                d[k] = hex(UInt8(truncatingIfNeeded: (hi >> shift) & 0xF))
                d[16 &+ k] = hex(UInt8(truncatingIfNeeded: (lo >> shift) & 0xF))
            }
            b.append(UnsafeRawBufferPointer(d))
        }
    }

    @inline(__always) func hex(_ v: UInt8) -> UInt8 { v < 10 ? v &+ 48 : v &+ 87 }
}
