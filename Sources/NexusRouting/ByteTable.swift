/// An immutable hash table from byte strings to small integers, looked up with borrowed bytes.
///
/// Keys are stored back to back in one array; a lookup hashes the borrowed bytes, probes linearly, compares the
/// stored hash and then the bytes. Nothing is allocated on lookup. Built once by `init(_:)` from distinct keys.
struct ByteTable: Sendable {
    private struct Entry: Sendable {
        var hash: UInt64
        var start: Int32
        var count: Int32
        var value: Int32
    }

    private let keyBytes: [UInt8]
    private let entries: [Entry]
    /// Open addressing: index into `entries`, or -1 for an empty slot. The count is a power of two, at least twice
    /// the number of entries.
    private let slots: [Int32]
    private let mask: Int

    static let empty = ByteTable([])

    var isEmpty: Bool { entries.isEmpty }

    /// A table of `pairs`; the keys must be distinct (the caller checks: it knows which rule to blame).
    init(_ pairs: [(key: [UInt8], value: Int)]) {
        var keyBytes: [UInt8] = []
        var entries: [Entry] = []
        var capacity = 2
        while capacity < pairs.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        for (key, value) in pairs {
            let entry = Entry(hash: ByteHash.of(key), start: Int32(keyBytes.count), count: Int32(key.count),
                              value: Int32(value))
            keyBytes += key
            var slot = Int(truncatingIfNeeded: entry.hash) & (capacity - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(entries.count)
            entries.append(entry)
        }
        self.keyBytes = keyBytes
        self.entries = entries
        self.slots = slots
        self.mask = capacity - 1
    }

    /// The value of the key equal to `bytes[range]`, whose hash (`ByteHash`, folded when `foldCase`) is `hash`.
    ///
    /// With `foldCase` the stored keys must be lower case; ASCII letters of `bytes` are compared folded.
    @inline(__always)
    func find(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, hash: UInt64, foldCase: Bool = false) -> Int? {
        if entries.isEmpty { return nil }
        return entries.withUnsafeBufferPointer { entries in
            slots.withUnsafeBufferPointer { slots in
                keyBytes.withUnsafeBufferPointer { keys in
                    var slot = Int(truncatingIfNeeded: hash) & mask
                    while true {
                        let index = Int(slots[slot])
                        if index < 0 { return nil }
                        let entry = entries[index]
                        if entry.hash == hash && Int(entry.count) == range.count {
                            var equal = true
                            var k = Int(entry.start)
                            for i in range {
                                let byte = foldCase ? asciiLower(bytes[i]) : bytes[i]
                                if byte != keys[k] { equal = false; break }
                                k += 1
                            }
                            if equal { return Int(entry.value) }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    /// The value of `bytes[range]`, hashing it here.
    @inline(__always)
    func find(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, foldCase: Bool = false) -> Int? {
        if entries.isEmpty { return nil }
        return find(bytes, range, hash: ByteHash.of(bytes, range, foldCase: foldCase), foldCase: foldCase)
    }
}
