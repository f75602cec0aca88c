import Synchronization

/// The sessions of the legacy revisions (2025-03-26 to 2025-11-25), shared by every event loop without a lock.
///
/// A session id is 16 hex digits of a random 64-bit token (SystemRandomNumberGenerator: getrandom). The table is
/// open-addressed over atomic words: a word holds the token with its two low bits replaced by the negotiated
/// revision, 0 is free, 1 is a tombstone (an ended session). `open` claims a free cell with a compare-and-swap
/// (relaxed is enough: the word is the whole state, nothing else is published with it); `end` swaps the word for a
/// tombstone. A full probe window evicts its first cell (the oldest session there loses): the table never grows.
public final class MCPSessions: @unchecked Sendable {
    // SAFETY: `cells` is allocated once and only touched through Atomic operations.
    private let cells: UnsafeMutablePointer<Atomic<UInt64>>
    private let mask: Int
    private static let probe = 8

    public init(capacity: Int = 65_536) {
        var n = 1
        while n < capacity { n <<= 1 }
        mask = n - 1
        cells = .allocate(capacity: n)
        for i in 0..<n { (cells + i).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        cells.deinitialize(count: mask + 1)
        cells.deallocate()
    }

    private static func revisionBits(_ r: MCPRevision) -> UInt64 {
        switch r {
        case .v2025_03_26: 0
        case .v2025_06_18: 1
        case .v2025_11_25, .v2026_07_28: 2
        }
    }

    private static func revision(_ bits: UInt64) -> MCPRevision {
        switch bits & 3 {
        case 0: .v2025_03_26
        case 1: .v2025_06_18
        default: .v2025_11_25
        }
    }

    /// Starts a session for `revision`; returns its id.
    public func open(_ revision: MCPRevision) -> String {
        var token: UInt64
        repeat { token = UInt64.random(in: 4...UInt64.max) & ~3 } while token == 0
        let word = token | Self.revisionBits(revision)
        let start = Int(truncatingIfNeeded: token >> 2) & mask
        var placed = false
        for i in 0..<Self.probe {
            let cell = cells + ((start + i) & mask)
            let old = cell.pointee.load(ordering: .relaxed)
            if old <= 1, cell.pointee.compareExchange(expected: old, desired: word, ordering: .relaxed).exchanged {
                placed = true
                break
            }
        }
        if !placed { (cells + start).pointee.store(word, ordering: .relaxed) }
        return Self.hex(token)
    }

    /// The revision of the open session `id`, or nil when it is unknown or ended.
    public func lookup(_ id: String) -> MCPRevision? {
        guard let token = Self.parse(id) else { return nil }
        let start = Int(truncatingIfNeeded: token >> 2) & mask
        for i in 0..<Self.probe {
            let w = (cells + ((start + i) & mask)).pointee.load(ordering: .relaxed)
            if w & ~3 == token && w > 1 { return Self.revision(w) }
        }
        return nil
    }

    /// Ends the session `id`; false when it was not open.
    public func end(_ id: String) -> Bool {
        guard let token = Self.parse(id) else { return false }
        let start = Int(truncatingIfNeeded: token >> 2) & mask
        for i in 0..<Self.probe {
            let cell = cells + ((start + i) & mask)
            let w = cell.pointee.load(ordering: .relaxed)
            if w & ~3 == token && w > 1 {
                return cell.pointee.compareExchange(expected: w, desired: 1, ordering: .relaxed).exchanged
            }
        }
        return false
    }

    static func hex(_ v: UInt64) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { out[i] = digits[Int((v >> UInt64(60 - 4 * i)) & 15)] }
        return String(decoding: out, as: UTF8.self)
    }

    static func parse(_ id: String) -> UInt64? {
        let u = Array(id.utf8)
        guard u.count == 16 else { return nil }
        var v: UInt64 = 0
        for b in u {
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            default: return nil
            }
            v = v << 4 | UInt64(d)
        }
        return v & 3 == 0 && v != 0 ? v : nil
    }
}
