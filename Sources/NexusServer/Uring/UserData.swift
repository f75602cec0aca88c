/// The 64 bits of user data carried by each io_uring operation: the kind of operation, the slot's generation and
/// the slot, so that a completion finds its connection without an allocation or a lookup table.
enum OperationKind: UInt8 {
    case accept = 1, receive, send, tick, wake, cancel, acceptResume, connect
}

struct UserData {
    @inline(__always)
    static func make(_ kind: OperationKind, slot: Int32 = 0, generation: UInt32 = 0) -> UInt64 {
        UInt64(kind.rawValue) << 56 | UInt64(generation & 0xFF_FFFF) << 32 | UInt64(UInt32(bitPattern: slot))
    }

    @inline(__always)
    static func kind(_ v: UInt64) -> OperationKind? { OperationKind(rawValue: UInt8(truncatingIfNeeded: v >> 56)) }

    @inline(__always)
    static func slot(_ v: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: v)) }

    @inline(__always)
    static func generation(_ v: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: v >> 32) & 0xFF_FFFF }
}
