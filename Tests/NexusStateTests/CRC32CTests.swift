import NexusState
import Testing

@Suite("CRC32C")
struct CRC32CTests {
    @Test("standard check value and published vectors (RFC 3720 B.4)")
    func vectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        let check = Array("123456789".utf8)
        check.withUnsafeBytes { raw in
            #expect(CRC32C.softwareChecksum(raw) == 0xE306_9283)
            if let hardware = CRC32C.hardwareChecksum(raw) { #expect(hardware == 0xE306_9283) }
        }
    }

    @Test("continuing a checksum equals checksumming the concatenation")
    func continuation() {
        let whole = Array("The quick brown fox jumps over the lazy dog".utf8)
        for split in 0...whole.count {
            let first = CRC32C.checksum(whole[..<split])
            #expect(CRC32C.checksum(whole[split...], continuing: first) == CRC32C.checksum(whole))
        }
    }

    @Test("SSE4.2 and table paths agree on every length and alignment")
    func pathsAgree() {
        #expect(CRC32C.hardwareAvailable, "x86_64 Linux hosts have SSE4.2; the hardware path went untested")
        var generator = SplitMix64(seed: 42)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        bytes.withUnsafeBytes { raw in
            for start in 0..<16 {
                for length in [0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 100, 1000, 4000] where start + length <= raw.count {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    let software = CRC32C.softwareChecksum(slice, continuing: 0x1234_5678)
                    let hardware = CRC32C.hardwareChecksum(slice, continuing: 0x1234_5678) ?? software
                    #expect(software == hardware, "start \(start) length \(length)")
                }
            }
        }
    }
}
