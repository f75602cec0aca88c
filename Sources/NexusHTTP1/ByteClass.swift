#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte classes from RFC 9110 and RFC 3986, as bit masks over ASCII (no table, no lazy global).
@usableFromInline enum ByteClass {
    @inline(__always) @usableFromInline
    static func inMask(_ c: UInt8, _ lo: UInt64, _ hi: UInt64) -> Bool {
        if c < 64 { return (lo >> UInt64(c)) & 1 != 0 }
        if c < 128 { return (hi >> UInt64(c &- 64)) & 1 != 0 }
        return false
    }

    /// tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA.
    @inline(__always) @usableFromInline
    static func isTokenChar(_ c: UInt8) -> Bool { inMask(c, 0x03ff_6cfa_0000_0000, 0x57ff_ffff_c7ff_fffe) }

    /// unreserved / sub-delims (reg-name characters except pct-encoded).
    @inline(__always) @usableFromInline
    static func isRegNameChar(_ c: UInt8) -> Bool { inMask(c, 0x2bff_7fd2_0000_0000, 0x47ff_fffe_87ff_fffe) }

    /// field-vchar / SP / HTAB: what a field value may hold (obs-text included; CTLs and DEL excluded).
    @inline(__always) @usableFromInline
    static func isFieldValueChar(_ c: UInt8) -> Bool { (c >= 0x20 && c != 0x7F) || c == 0x09 }

    @inline(__always) @usableFromInline
    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always) @usableFromInline
    static func hexValue(_ c: UInt8) -> Int? {
        if c &- 0x30 < 10 { return Int(c &- 0x30) }
        let l = c | 0x20
        if l &- 0x61 < 6 { return Int(l &- 0x61 &+ 10) }
        return nil
    }

    @inline(__always) @usableFromInline
    static func lower(_ c: UInt8) -> UInt8 { c &- 0x41 < 26 ? c | 0x20 : c }

    /// True when `p[r]` equals `lowercase` ignoring ASCII case (`lowercase` must be lowercase).
    @inlinable static func equalsIgnoringCase(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, _ lowercase: StaticString) -> Bool {
        guard lowercase.utf8CodeUnitCount == r.count else { return false }
        let u = lowercase.utf8Start
        var k = 0
        while k < r.count {
            if lower(p[r.lowerBound &+ k]) != u[k] { return false }
            k &+= 1
        }
        return true
    }

    /// The offset of the first `byte` in `p[from...]`, or `p.count` (memchr: vectorised in libc).
    @inline(__always) @usableFromInline
    static func firstIndex(of byte: UInt8, in p: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        guard from < p.count, let base = p.baseAddress else { return p.count }
        guard let hit = memchr(base + from, Int32(byte), p.count &- from) else { return p.count }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}
