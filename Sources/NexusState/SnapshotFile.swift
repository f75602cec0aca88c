// SnapshotFile: the whole state as of a sequence number, as one checksummed file (also the backup format).

/// One record of a snapshot: the application's type tag and its bytes.
public struct SnapshotRecord: Sendable, Equatable {
    public var type: UInt16
    public var payload: [UInt8]

    public init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }
}

/// The whole state as of `sequence`: it replaces every log record with a sequence number up to and including it.
///
/// Replay: apply `records` in order, then the log's records from `sequence + 1` on.
public struct Snapshot: Sendable, Equatable {
    /// The last log sequence number the snapshot covers.
    public var sequence: UInt64
    public var records: [SnapshotRecord]

    public init(sequence: UInt64, records: [SnapshotRecord]) {
        self.sequence = sequence
        self.records = records
    }
}

/// The format of snapshot files `snapshot-<16 hex S>.nxsnap` and of backups (little-endian throughout).
///
/// Header, 64 bytes at offset 0:
///
///     0  magic "NXSNAP\0\0"          8  u32 format version (1)    12 u32 header size (64)
///     16 u64 sequence S covered      24 u64 record count          32 u64 body length (bytes after the header)
///     40 u32 CRC32C of the body      44 u32 CRC32C of bytes 0..<44
///     48 16 reserved bytes, zero
///
/// The body follows at offset 64 and is exactly `body length` bytes: the records in the segment record encoding
/// (see `SegmentFormat`: `[u32 len][u16 type][u16 flags][u64 seq][u32 crc32c][payload]`, 8-byte aligned), with
/// sequence numbers 1...count inside the snapshot and flags 0. The file ends with the body.
///
/// The same bytes travel as a backup over the admin socket, so `decode` treats its input as untrusted: every
/// length is checked against the buffer before use, and any damage is an error naming the file and offset.
public enum SnapshotFile {
    /// The first 8 bytes of every snapshot.
    public static let magic: [UInt8] = Array("NXSNAP".utf8) + [0, 0]
    /// The format version this build writes and reads.
    public static let version: UInt32 = 1
    /// The size of the header; the body starts here.
    public static let headerSize = 64

    /// The file name of the snapshot covering through `sequence`: "snapshot-" and 16 hex digits, ".nxsnap".
    public static func fileName(sequence: UInt64) -> String {
        let hex = String(sequence, radix: 16)
        return "snapshot-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".nxsnap"
    }

    /// The sequence number in a snapshot file name, or `nil` if `name` is not one.
    public static func sequence(fromFileName name: String) -> UInt64? {
        guard name.hasPrefix("snapshot-"), name.hasSuffix(".nxsnap") else { return nil }
        let hex = name.dropFirst("snapshot-".count).dropLast(".nxsnap".count)
        guard hex.count == 16 else { return nil }
        return UInt64(hex, radix: 16)
    }

    /// The bytes of `snapshot`: header and body.
    public static func encode(_ snapshot: Snapshot) -> [UInt8] {
        let bodyLength = snapshot.records.reduce(0) { $0 + SegmentFormat.recordSize(payloadCount: $1.payload.count) }
        var bytes = [UInt8](repeating: 0, count: headerSize + bodyLength)
        bytes.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            var offset = headerSize
            for (position, record) in snapshot.records.enumerated() {
                offset += record.payload.withUnsafeBytes { payload in
                    SegmentFormat.writeRecord(to: base, at: offset, sequence: UInt64(position + 1), type: record.type,
                                              flags: 0, payload: payload)
                }
            }
            for (index, byte) in magic.enumerated() { base.storeBytes(of: byte, toByteOffset: index, as: UInt8.self) }
            SegmentFormat.store(version, base, 8)
            SegmentFormat.store(UInt32(headerSize), base, 12)
            SegmentFormat.store(snapshot.sequence, base, 16)
            SegmentFormat.store(UInt64(snapshot.records.count), base, 24)
            SegmentFormat.store(UInt64(bodyLength), base, 32)
            SegmentFormat.store(CRC32C.checksum(UnsafeRawBufferPointer(start: base + headerSize, count: bodyLength)),
                                base, 40)
            SegmentFormat.store(CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 44)), base, 44)
        }
        return bytes
    }

    /// Checks and decodes the snapshot (or backup) `bytes`; `file` names the source in errors.
    ///
    /// - Throws: `.unsupportedVersion` for another format version; `.badSnapshot` naming the offset of any other
    ///   damage (magic, header checksum, sizes, body checksum, a record, trailing bytes).
    public static func decode(_ bytes: [UInt8], file: String) throws(StateError) -> Snapshot {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(StateError) -> Snapshot in try decode(raw, file: file) }
        }
        return try result.get()
    }

    /// `decode` over borrowed bytes (a mapping, say).
    static func decode(_ raw: UnsafeRawBufferPointer, file: String) throws(StateError) -> Snapshot {
        func bad(_ offset: Int, _ reason: String) -> StateError {
            .badSnapshot(file: file, offset: offset, reason: reason)
        }
        guard raw.count >= headerSize, let base = raw.baseAddress else {
            throw bad(0, "the file has \(raw.count) bytes, less than a \(headerSize)-byte header")
        }
        for (index, byte) in magic.enumerated() where raw[index] != byte {
            throw bad(0, "no NXSNAP magic: not a Nexus snapshot or backup")
        }
        let found: UInt32 = SegmentFormat.load(base, 8)
        guard found == version else { throw .unsupportedVersion(file: file, found: found, supported: version) }
        let headerCRC: UInt32 = SegmentFormat.load(base, 44)
        guard headerCRC == CRC32C.checksum(UnsafeRawBufferPointer(start: base, count: 44)) else {
            throw bad(44, "header checksum mismatch")
        }
        guard SegmentFormat.load(base, 12) as UInt32 == UInt32(headerSize) else {
            throw bad(12, "header size is not \(headerSize)")
        }
        guard raw[48..<64].allSatisfy({ $0 == 0 }) else { throw bad(48, "reserved header bytes are not zero") }
        let sequence: UInt64 = SegmentFormat.load(base, 16)
        let count: UInt64 = SegmentFormat.load(base, 24)
        let bodyLength: UInt64 = SegmentFormat.load(base, 32)
        guard bodyLength == UInt64(raw.count - headerSize) else {
            throw bad(32, "body length \(bodyLength) but the file holds \(raw.count - headerSize) bytes after the "
                + "header")
        }
        let body = UnsafeRawBufferPointer(start: base + headerSize, count: raw.count - headerSize)
        guard SegmentFormat.load(base, 40) as UInt32 == CRC32C.checksum(body) else {
            throw bad(40, "body checksum mismatch")
        }
        // Every record is at least a record header, so a count above this cannot be right (and bounds the array).
        guard count <= UInt64(body.count / SegmentFormat.recordHeaderSize) else {
            throw bad(24, "record count \(count) cannot fit in \(body.count) bytes")
        }
        var records: [SnapshotRecord] = []
        records.reserveCapacity(Int(count))
        let scan = SegmentFormat.scan(base, length: raw.count, firstSequence: 1) { record in
            records.append(SnapshotRecord(type: record.type, payload: Array(record.payload)))
        }
        if case .damaged(let reason) = scan.stop { throw bad(scan.end, reason) }
        guard scan.end == raw.count else { throw bad(scan.end, "records end here, before the end of the body") }
        guard UInt64(scan.recordCount) == count else {
            throw bad(24, "the header counts \(count) records, the body holds \(scan.recordCount)")
        }
        return Snapshot(sequence: sequence, records: records)
    }
}
