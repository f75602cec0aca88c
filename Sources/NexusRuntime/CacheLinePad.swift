// CacheLinePad: hand-made padding that keeps hot atomics of different threads on different cache lines.

/// 128 bytes of padding placed between fields that different threads write.
///
/// Swift gives no alignment control over class fields, and `Atomic` must live in a class or global, so the rings
/// separate their producer and consumer fields with this padding. 128 bytes rather than 64 because x86's adjacent-line
/// prefetcher pulls cache lines in pairs, and because the object's start is only 16-byte aligned: 128 bytes between
/// two fields guarantees they never share a 64-byte line, whatever the object's address.
public struct CacheLinePad: Sendable {
    private var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// Creates zeroed padding.
    public init() {
        bytes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    }
}

/// Rounds a requested ring capacity up to a power of two (at least 1), so indices map to slots with a mask.
@usableFromInline
func ringCapacity(forRequested requested: Int) -> Int {
    precondition(requested >= 1, "ring capacity must be at least 1, got \(requested)")
    precondition(requested <= 1 << 40, "ring capacity \(requested) is unreasonably large")
    if requested == 1 { return 1 }
    return 1 << (Int.bitWidth - (requested - 1).leadingZeroBitCount)
}
