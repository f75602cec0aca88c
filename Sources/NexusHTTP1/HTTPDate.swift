import NexusBytes

/// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 5.6.7) computed from Unix seconds, without Foundation.
///
/// Build one per second and reuse its bytes for every response of that second.
public struct HTTPDate: Sendable, Equatable {
    /// The seconds since 1970-01-01T00:00:00Z it was made from (clamped to years 0001-9999).
    public let unixSeconds: Int
    /// The 29 bytes of the date.
    public let bytes: [UInt8]

    /// Formats `unixSeconds`, clamped to 0001-01-01 ... 9999-12-31T23:59:59.
    public init(unixSeconds: Int) {
        let t = min(max(unixSeconds, -62_135_596_800), 253_402_300_799)
        self.unixSeconds = t
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        // Civil date from days since the epoch (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 11) % 7 // 1970-01-01 was a Thursday (4); 0 is Sunday

        let names: StaticString = "SunMonTueWedThuFriSatJanFebMarAprMayJunJulAugSepOctNovDec"
        let n = names.utf8Start
        var out = [UInt8]()
        out.reserveCapacity(29)
        func two(_ v: Int) { out.append(UInt8(0x30 + v / 10)); out.append(UInt8(0x30 + v % 10)) }
        for k in 0..<3 { out.append(n[weekday * 3 + k]) }
        out.append(UInt8(ascii: ","))
        out.append(.sp)
        two(day)
        out.append(.sp)
        for k in 0..<3 { out.append(n[21 + (month - 1) * 3 + k]) }
        out.append(.sp)
        two(year / 100)
        two(year % 100)
        out.append(.sp)
        two(secs / 3600)
        out.append(UInt8(ascii: ":"))
        two(secs / 60 % 60)
        out.append(UInt8(ascii: ":"))
        two(secs % 60)
        out.append(contentsOf: [.sp, UInt8(ascii: "G"), UInt8(ascii: "M"), UInt8(ascii: "T")])
        bytes = out
    }

    /// The date as a String (tests, logs).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends the 29 bytes to `b`.
    public func append(to b: ByteBuffer) { b.append(bytes) }
}
