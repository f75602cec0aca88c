// SegmentFormat: the on-disk layout of segment headers and records, and the scan that checks them.

/// The on-disk format of a log segment (little-endian throughout).
///
/// Header, 64 bytes at offset 0:
///
///     0  magic "NXLOG\0\0\0"        8  u32 format version (1)     12 u32 header size (64)
///     16 u64 segment index           24 u64 first sequence number  32 u32 CRC32C of bytes 0..<32   36 u32 0
///     40 u64 durable end (slot A)    48 u32 CRC32C of bytes 40..<48
///     52 u64 durable end (slot B)    60 u32 CRC32C of bytes 52..<60
///
/// The durable end is an offset below which every byte was synced by an earlier sync; the writer stores the
/// previous sync's end in the same sync as new records, so it is always a lower bound. Recovery uses it to tell
/// a torn tail (damage at or after it: truncated) from damage to durable records (before it: refused). The writer
/// alternates between the two slots, so a sync torn by a crash damages at most the slot it was writing; recovery
/// takes the larger end among the slots whose checksum holds.
///
/// Records follow from offset 64, each starting 8-byte aligned:
///
///     0 u32 payload length   4 u16 type   6 u16 flags   8 u64 sequence number
///     16 u32 CRC32C over bytes 4..<16 then the payload   20 payload, zero padding to a multiple of 8
///
/// Sequence numbers start at 1 and rise by 1 across segments. An all-zero record header (sequence 0 is never
/// used) or too little room for a record header ends a segment's records; the rest of a segment is zeros.
public enum SegmentFormat {
    /// The first 8 bytes of every segment.
    public static let magic: [UInt8] = Array("NXLOG".utf8) + [0, 0, 0]
    /// The format version this build writes and reads.
    public static let version: UInt32 = 1
    /// The size of the segment header; records start here.
    public static let headerSize = 64
    /// The size of a record's header (before its payload).
    public static let recordHeaderSize = 20
    /// The offsets of the two durable-end slots in the header.
    static let durableEndSlots = [40, 52]

    /// The file name of segment `index`: "segment-" and 16 hex digits, ".nxlog".
    public static func fileName(index: UInt64) -> String {
        let hex = String(index, radix: 16)
        return "segment-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".nxlog"
    }

    /// The index in a segment file name, or `nil` if `name` is not one.
    public static func index(fromFileName name: String) -> UInt64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".nxlog") else { return nil }
        let hex = name.dropFirst("segment-".count).dropLast(".nxlog".count)
        guard hex.count == 16 else { return nil }
        return UInt64(hex, radix: 16)
    }

    /// The bytes a record with `payloadCount` payload bytes occupies, padding included.
    @inlinable
    public static func recordSize(payloadCount: Int) -> Int {
        (recordHeaderSize + payloadCount + 7) & ~7
    }

    // MARK: Header

    /// The decoded fixed part of a header.
    struct Header: Equatable {
        var index: UInt64
        var firstSequence: UInt64
        var durableEnd: Int
    }

    /// Writes a complete header at `base`.
    static func writeHeader(_ header: Header, to base: UnsafeMutableRawPointer) {
        base.initializeMemory(as: UInt8.self, repeating: 0, count: headerSize)
        for (offset, byte) in magic.enumerated() { base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self) }
        store(version, base, 8)
        store(UInt32(headerSize), base, 12)
        store(header.index, base, 16)
        store(header.firstSequence, base, 24)
        store(CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 32)), base, 32)
        writeDurableEnd(header.durableEnd, slot: 0, to: base)
        writeDurableEnd(header.durableEnd, slot: 1, to: base)
    }

    /// Rewrites durable-end slot `slot` (0 or 1) and its checksum in the header at `base`.
    static func writeDurableEnd(_ end: Int, slot: Int, to base: UnsafeMutableRawPointer) {
        let offset = durableEndSlots[slot]
        store(UInt64(end), base, offset)
        store(CRC32C.checksum(UnsafeRawBufferPointer(start: base + offset, count: 8)), base, offset + 8)
    }

    /// True if durable-end slot `slot` of the header at `base` passes its checksum.
    static func slotIsValid(_ base: UnsafeRawPointer, slot: Int) -> Bool {
        let offset = durableEndSlots[slot]
        return load(base, offset + 8) as UInt32 == CRC32C.checksum(UnsafeRawBufferPointer(start: base + offset, count: 8))
    }

    /// Reads and checks the header of the segment `file` mapped at `base` (`length` bytes).
    static func readHeader(_ base: UnsafeRawPointer, length: Int, file: String) throws(StateError) -> Header {
        guard length >= headerSize else {
            throw .badSegmentHeader(file: file, reason: "the file has \(length) bytes, less than a header")
        }
        for (offset, byte) in magic.enumerated() where base.load(fromByteOffset: offset, as: UInt8.self) != byte {
            throw .badMagic(file: file)
        }
        let found: UInt32 = load(base, 8)
        guard found == version else { throw .unsupportedVersion(file: file, found: found, supported: version) }
        let headerCRC: UInt32 = load(base, 32)
        guard headerCRC == CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 32)) else {
            throw .badSegmentHeader(file: file, reason: "header checksum mismatch at offset 32")
        }
        guard load(base, 12) as UInt32 == UInt32(headerSize) else {
            throw .badSegmentHeader(file: file, reason: "header size is not \(headerSize)")
        }
        let ends = durableEndSlots.compactMap { offset -> UInt64? in
            let crc: UInt32 = load(base, offset + 8)
            guard crc == CRC32C.checksum(UnsafeRawBufferPointer(start: base + offset, count: 8)) else { return nil }
            return load(base, offset)
        }
        guard let end = ends.max() else {
            throw .badSegmentHeader(file: file, reason: "both durable-end slots (offsets 40 and 52) are damaged")
        }
        guard end >= UInt64(headerSize), end <= UInt64(length) else {
            throw .badSegmentHeader(file: file, reason: "durable end \(end) outside the segment")
        }
        return Header(index: load(base, 16), firstSequence: load(base, 24), durableEnd: Int(end))
    }

    // MARK: Records

    /// Writes a record at `base + offset` (the caller checked it fits); returns its size.
    static func writeRecord(to base: UnsafeMutableRawPointer, at offset: Int, sequence: UInt64, type: UInt16,
                            flags: UInt16, payload: UnsafeRawBufferPointer) -> Int {
        let record = base + offset
        let size = recordSize(payloadCount: payload.count)
        store(UInt32(payload.count), record, 0)
        store(type, record, 4)
        store(flags, record, 6)
        store(sequence, record, 8)
        if let source = payload.baseAddress, payload.count > 0 {
            (record + recordHeaderSize).copyMemory(from: source, byteCount: payload.count)
        }
        let padding = size - recordHeaderSize - payload.count
        if padding > 0 {
            (record + recordHeaderSize + payload.count).initializeMemory(as: UInt8.self, repeating: 0, count: padding)
        }
        var crc = CRC32C.checksum(UnsafeRawBufferPointer(start: record + 4, count: 12))
        crc = CRC32C.checksum(payload, continuing: crc)
        store(crc, record, 16)
        return size
    }

    /// A record as the scan sees it, valid while the mapping lives.
    struct RecordView {
        var offset: Int
        var sequence: UInt64
        var type: UInt16
        var flags: UInt16
        var payload: UnsafeRawBufferPointer
    }

    /// Where and why a scan stopped.
    enum ScanStop: Equatable {
        /// A zero record header or no room for another record: the segment's records end here.
        case end
        /// The record at the scan's `end` offset is damaged.
        case damaged(reason: String)
    }

    /// The outcome of scanning one segment's records.
    struct ScanResult {
        /// The offset after the last good record.
        var end: Int
        /// The sequence number of the last good record, or `firstSequence - 1` if none.
        var lastSequence: UInt64
        var recordCount: Int
        var stop: ScanStop
    }

    /// Walks and checks the records from `headerSize` on, stopping at the first end or damage, or after `limit`.
    static func scan(_ base: UnsafeRawPointer, length: Int, firstSequence: UInt64, until limit: Int? = nil,
                     _ visit: (RecordView) -> Void = { _ in }) -> ScanResult {
        var offset = headerSize
        var expected = firstSequence
        var count = 0
        let stopAt = min(limit ?? length, length)
        func result(_ stop: ScanStop) -> ScanResult {
            ScanResult(end: offset, lastSequence: expected &- 1, recordCount: count, stop: stop)
        }
        while offset < stopAt {
            guard offset + recordHeaderSize <= length else { return result(.end) }
            let record = base + offset
            let payloadCount = Int(load(record, 0) as UInt32)
            let sequence: UInt64 = load(record, 8)
            if sequence == 0 && payloadCount == 0 && load(record, 4) as UInt32 == 0 && load(record, 16) as UInt32 == 0 {
                return result(.end)
            }
            let size = recordSize(payloadCount: payloadCount)
            guard size <= length - offset else {
                return result(.damaged(reason: "record length \(payloadCount) runs past the end of the segment"))
            }
            guard sequence == expected else {
                return result(.damaged(reason: "sequence number \(sequence) where \(expected) was expected"))
            }
            let payload = UnsafeRawBufferPointer(start: record + recordHeaderSize, count: payloadCount)
            var crc = CRC32C.checksum(UnsafeRawBufferPointer(start: record + 4, count: 12))
            crc = CRC32C.checksum(payload, continuing: crc)
            guard crc == load(record, 16) as UInt32 else {
                return result(.damaged(reason: "record checksum mismatch (sequence \(sequence))"))
            }
            visit(RecordView(offset: offset, sequence: sequence, type: load(record, 4), flags: load(record, 6),
                             payload: payload))
            offset += size
            expected += 1
            count += 1
        }
        return result(.end)
    }

    /// The offset of the first record with a sequence number above `sequence` among the checked records of a
    /// segment (`headerSize..<end`, starting at `firstSequence`); `end` if there is none.
    static func offset(after sequence: UInt64, _ base: UnsafeRawPointer, firstSequence: UInt64, end: Int) -> Int {
        var offset = headerSize
        var next = firstSequence
        while offset + recordHeaderSize <= end && next <= sequence {
            offset += recordSize(payloadCount: Int(load(base + offset, 0) as UInt32))
            next += 1
        }
        return min(offset, end)
    }

    /// The offset just past the last nonzero byte in `from..<length`, rounded up to 8 (`from` if all zero).
    static func extentOfGarbage(_ base: UnsafeRawPointer, from: Int, length: Int) -> Int {
        var end = length
        while end > from {
            let wordStart = max(from, (end - 1) & ~7)
            let byteCount = end - wordStart
            var nonzero = false
            if byteCount == 8 {
                nonzero = base.loadUnaligned(fromByteOffset: wordStart, as: UInt64.self) != 0
            } else {
                for index in wordStart..<end where base.load(fromByteOffset: index, as: UInt8.self) != 0 {
                    nonzero = true
                }
            }
            if nonzero { return min(length, (end + 7) & ~7) }
            end = wordStart
        }
        return from
    }

    @inline(__always)
    static func load<T: FixedWidthInteger>(_ base: UnsafeRawPointer, _ offset: Int) -> T {
        T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    @inline(__always)
    static func store<T: FixedWidthInteger>(_ value: T, _ base: UnsafeMutableRawPointer, _ offset: Int) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}
