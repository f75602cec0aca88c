/// Validation of uri-host [ ":" port ] (RFC 3986 3.2.2, RFC 9110 7.2) for Host and request targets.
enum Authority {
    /// True when `p[r]` is reg-name / "[" IPv6address "]", then an optional ":" and 1-5 digit port <= 65535.
    ///
    /// The host must not be empty; userinfo ("@") and IPvFuture are refused.
    static func isValid(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, requirePort: Bool) -> Bool {
        var i = r.lowerBound
        let e = r.upperBound
        guard i < e else { return false }
        if p[i] == UInt8(ascii: "[") {
            var j = i &+ 1
            while j < e && p[j] != UInt8(ascii: "]") { j &+= 1 }
            guard j < e, isValidIPv6(p, (i &+ 1)..<j) else { return false }
            i = j &+ 1
        } else {
            let hs = i
            while i < e {
                let c = p[i]
                if ByteClass.isRegNameChar(c) {
                    i &+= 1
                } else if c == UInt8(ascii: "%") {
                    guard e &- i >= 3, ByteClass.hexValue(p[i &+ 1]) != nil, ByteClass.hexValue(p[i &+ 2]) != nil else {
                        return false
                    }
                    i &+= 3
                } else {
                    break
                }
            }
            guard i > hs else { return false }
        }
        if i == e { return !requirePort }
        guard p[i] == UInt8(ascii: ":") else { return false }
        i &+= 1
        let ps = i
        var port = 0
        while i < e && ByteClass.isDigit(p[i]) && i &- ps < 5 {
            port = port &* 10 &+ Int(p[i] &- 0x30)
            i &+= 1
        }
        return i == e && i > ps && port <= 65535
    }

    /// IPv6address (RFC 3986 3.2.2): eight 16-bit groups, one "::" for a run of zero groups, optional IPv4 tail.
    static func isValidIPv6(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        let e = r.upperBound
        guard e &- i >= 2 && e &- i <= 45 else { return false }
        var groups = 0
        var compressed = false
        if p[i] == UInt8(ascii: ":") {
            guard p[i &+ 1] == UInt8(ascii: ":") else { return false }
            compressed = true
            i &+= 2
            if i == e { return true }
        }
        while true {
            let gs = i
            while i < e && i &- gs < 5 && ByteClass.hexValue(p[i]) != nil { i &+= 1 }
            guard i > gs else { return false }
            if i < e && p[i] == UInt8(ascii: ".") {
                guard isValidIPv4(p, gs..<e) else { return false }
                groups &+= 2
                break
            }
            guard i &- gs <= 4 else { return false }
            groups &+= 1
            if i == e { break }
            guard p[i] == UInt8(ascii: ":") else { return false }
            i &+= 1
            guard i < e else { return false }
            if p[i] == UInt8(ascii: ":") {
                guard !compressed else { return false }
                compressed = true
                i &+= 1
                if i == e { break }
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    /// dec-octet "." dec-octet "." dec-octet "." dec-octet, without leading zeros.
    static func isValidIPv4(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        let e = r.upperBound
        for part in 0..<4 {
            if part > 0 {
                guard i < e, p[i] == UInt8(ascii: ".") else { return false }
                i &+= 1
            }
            let s = i
            var v = 0
            while i < e && ByteClass.isDigit(p[i]) && i &- s < 3 {
                v = v &* 10 &+ Int(p[i] &- 0x30)
                i &+= 1
            }
            let len = i &- s
            guard len >= 1, v <= 255, !(len > 1 && p[s] == UInt8(ascii: "0")) else { return false }
        }
        return i == e
    }
}
