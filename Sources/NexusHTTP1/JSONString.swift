import NexusBytes

/// Writes bytes as a quoted JSON string (RFC 8259).
///
/// `"` and `\` are escaped, control characters and DEL become \u00XX, and each maximal invalid UTF-8 subpart
/// becomes \ufffd, so the output is valid JSON (and ASCII-safe) whatever the input.
public enum JSONString {
    /// Appends `bytes` as a quoted, escaped JSON string.
    public static func append(_ bytes: UnsafeRawBufferPointer, to b: ByteBuffer) {
        b.append(byte: UInt8(ascii: "\""))
        var i = 0
        var run = 0 // start of the pending run of bytes copied as they are
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c >= 0x20 && c < 0x7F && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") { i &+= 1; continue }
            if c >= 0x80 {
                let (len, valid) = utf8Sequence(bytes, at: i)
                if valid { i &+= len; continue }
                flush(bytes, run, i, b)
                b.append("\\ufffd")
                i &+= len
                run = i
                continue
            }
            flush(bytes, run, i, b)
            switch c {
            case UInt8(ascii: "\""): b.append("\\\"")
            case UInt8(ascii: "\\"): b.append("\\\\")
            default:
                b.append("\\u00")
                b.append(byte: hexDigit(c >> 4))
                b.append(byte: hexDigit(c & 0xF))
            }
            i &+= 1
            run = i
        }
        flush(bytes, run, n, b)
        b.append(byte: UInt8(ascii: "\""))
    }

    /// The number of bytes `append` writes for `bytes`, quotes included.
    public static func encodedCount(_ bytes: UnsafeRawBufferPointer) -> Int {
        var count = 2
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if c >= 0x20 && c < 0x7F {
                count &+= (c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\")) ? 2 : 1
                i &+= 1
            } else if c >= 0x80 {
                let (len, valid) = utf8Sequence(bytes, at: i)
                count &+= valid ? len : 6
                i &+= len
            } else {
                count &+= 6
                i &+= 1
            }
        }
        return count
    }

    @inline(__always) static func flush(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ b: ByteBuffer) {
        if to > from { b.append(UnsafeRawBufferPointer(rebasing: bytes[from..<to])) }
    }

    @inline(__always) static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? v &+ 0x30 : v &+ 0x57 }

    /// The length of the UTF-8 sequence starting with a non-ASCII byte at `i`, and whether it is well formed.
    ///
    /// When it is not, the length is that of the maximal invalid subpart (at least 1), per Unicode 3.9 / WHATWG.
    static func utf8Sequence(_ p: UnsafeRawBufferPointer, at i: Int) -> (Int, Bool) {
        let c = p[i]
        let need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return (1, false)
        }
        var k = 1
        while k <= need {
            guard i &+ k < p.count else { return (k, false) }
            let d = p[i &+ k]
            guard d >= lo && d <= hi else { return (k, false) }
            lo = 0x80
            hi = 0xBF
            k &+= 1
        }
        return (need &+ 1, true)
    }
}
