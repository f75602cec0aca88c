import NexusState
import Testing

/// Recomputes both checksums of snapshot `bytes` after a test changed them, so the later checks are reached.
func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    func store(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }
    if bytes.count >= SnapshotFile.headerSize {
        store(CRC32C.checksum(bytes[SnapshotFile.headerSize...]), at: 40)
        store(CRC32C.checksum(bytes[..<44]), at: 44)
    }
    return bytes
}

func sampleSnapshot(sequence: UInt64 = 42, count: Int = 20) -> Snapshot {
    Snapshot(sequence: sequence, records: (1...max(count, 1)).prefix(count).map {
        SnapshotRecord(type: UInt16($0 % 5), payload: payload($0))
    })
}

@Suite("Snapshot files")
struct SnapshotFileTests {
    @Test("encode then decode gives the snapshot back; names carry the sequence in 16 hex digits")
    func roundTrip() throws {
        for snapshot in [sampleSnapshot(), Snapshot(sequence: 0, records: []),
                         Snapshot(sequence: .max, records: [SnapshotRecord(type: 9, payload: [])])] {
            let bytes = SnapshotFile.encode(snapshot)
            #expect(bytes.count % 8 == 0 && Array(bytes[0..<8]) == SnapshotFile.magic)
            #expect(try SnapshotFile.decode(bytes, file: "s") == snapshot)
        }
        #expect(SnapshotFile.fileName(sequence: 0x2A) == "snapshot-000000000000002a.nxsnap")
        #expect(SnapshotFile.sequence(fromFileName: "snapshot-000000000000002a.nxsnap") == 0x2A)
        #expect(SnapshotFile.sequence(fromFileName: "snapshot-2a.nxsnap") == nil)
        #expect(SnapshotFile.sequence(fromFileName: "snapshot-000000000000002a.nxsnap.tmp") == nil)
    }

    @Test("another format version is refused naming the file and the version")
    func wrongVersion() {
        var bytes = SnapshotFile.encode(sampleSnapshot())
        bytes[8] = 2
        let expected = StateError.unsupportedVersion(file: "backup.nxsnap", found: 2, supported: 1)
        #expect(throws: expected) { try SnapshotFile.decode(resealed(bytes), file: "backup.nxsnap") }
        #expect(throws: expected) { try SnapshotFile.decode(bytes, file: "backup.nxsnap") }
        #expect(expected.description.contains("snapshot format version 2"))
    }

    @Test("every truncation and every single-byte change is refused with an error naming the file")
    func damageIsRefused() {
        let bytes = SnapshotFile.encode(sampleSnapshot())
        for length in 0..<bytes.count {
            do {
                _ = try SnapshotFile.decode(Array(bytes[..<length]), file: "cut")
                Issue.record("a snapshot cut to \(length) bytes was accepted")
            } catch {
                #expect(error.description.contains("'cut'"))
            }
        }
        for offset in 0..<bytes.count {
            var changed = bytes
            changed[offset] ^= 0x10
            #expect(throws: StateError.self, "byte \(offset)") { try SnapshotFile.decode(changed, file: "flip") }
        }
        var longer = bytes
        longer += [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: StateError.self) { try SnapshotFile.decode(longer, file: "long") }
        #expect(throws: StateError.self) { try SnapshotFile.decode(resealed(longer), file: "long") }
    }

    @Test("untrusted input: random flips and forged lengths under valid checksums never crash")
    func untrustedInput() {
        var generator = SplitMix64(seed: 99)
        let bytes = SnapshotFile.encode(sampleSnapshot(count: 40))
        for round in 0..<3000 {
            var changed = bytes
            for _ in 0..<Int(generator.next() % 4 + 1) {
                let offset = Int(generator.next() % UInt64(changed.count))
                changed[offset] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 3 == 0 {
                changed = Array(changed[..<Int(generator.next() % UInt64(changed.count + 1))])
            }
            // Half the rounds pass the checksums, so the size and record checks see the forged values.
            let input = round % 2 == 0 ? resealed(changed) : changed
            _ = try? SnapshotFile.decode(input, file: "fuzz")  // an error or a snapshot, never a crash
        }
        // Forged header fields with valid checksums: huge count, huge body length, a record length past the end.
        for (offset, value) in [(24, UInt8(0xFF)), (31, 0x7F), (39, 0x7F), (64 + 3, 0x7F), (64, 0xF8)] {
            var forged = bytes
            forged[offset] = value
            #expect(throws: StateError.self, "offset \(offset)") { try SnapshotFile.decode(resealed(forged), file: "f") }
        }
        for length in [0, 1, 63, 64, 65, 100, 4096] {
            let noise = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            #expect(throws: StateError.self) { try SnapshotFile.decode(noise, file: "noise") }
            #expect(throws: StateError.self) { try SnapshotFile.decode(SnapshotFile.magic + noise, file: "noise") }
        }
    }
}
