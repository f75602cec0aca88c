// StrictBase64URL: the base64url that JWS requires (RFC 7515 §2): no padding, no `+`/`/`, no whitespace,
// and no stray bits in the last character, so each byte string has exactly one accepted encoding.

enum StrictBase64URL {
    /// 0-63 for the alphabet, 0xFF for anything else.
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() {
            t[Int(c)] = UInt8(i)
        }
        return t
    }()

    /// The bytes of `text`, or `nil` if it is not canonical unpadded base64url.
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        let n = text.count
        if n % 4 == 1 { return nil }
        var out = [UInt8]()
        out.reserveCapacity(n * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in text {
            let v = table[Int(c)]
            if v == 0xFF { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        // The 2 or 4 bits left over from a final partial group must be zero (RFC 4648 §3.5 canonical encoding).
        if acc != 0 { return nil }
        return out
    }
}
