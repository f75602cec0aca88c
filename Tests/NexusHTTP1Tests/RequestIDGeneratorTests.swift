import NexusBytes
import Testing
@testable import NexusHTTP1

@Suite struct RequestIDGeneratorTests {
    @Test func idsAre32LowercaseHexDigitsAndDistinct() {
        var g = RequestIDGenerator()
        let b = ByteBuffer()
        var seen = Set<String>()
        for _ in 0..<10_000 {
            b.clear()
            g.next(into: b)
            let s = b.string
            #expect(s.utf8.count == 32)
            #expect(s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            seen.insert(s)
        }
        #expect(seen.count == 10_000)
    }

    @Test func aSeedGivesTheSameSequenceAndSystemSeedsDiffer() {
        var a = RequestIDGenerator(seed: 42), b = RequestIDGenerator(seed: 42)
        let x = ByteBuffer(), y = ByteBuffer()
        for _ in 0..<5 { a.next(into: x); b.next(into: y) }
        #expect(x.bytes == y.bytes)
        var s1 = RequestIDGenerator(), s2 = RequestIDGenerator()
        #expect(s1.nextUInt64() != s2.nextUInt64())
    }

    @Test func appendsWithoutDisturbingWhatIsThere() {
        var g = RequestIDGenerator(seed: 3)
        let b = ByteBuffer(capacity: 16)
        b.append("X-Request-Id: ")
        g.next(into: b)
        #expect(b.readableBytes == 14 + 32)
        #expect(b.string.hasPrefix("X-Request-Id: "))
    }
}
