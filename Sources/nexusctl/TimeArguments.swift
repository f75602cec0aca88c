import ArgumentParser
import Glibc

/// A length of time on the command line: `90s`, `15m`, `12h`, `30d`, or a number of seconds.
struct DurationArgument: ExpressibleByArgument {
    var seconds: Int

    init?(argument: String) {
        let digits = argument.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, let n = Int(digits) else { return nil }
        let unit: Int
        switch argument.dropFirst(digits.count) {
        case "", "s": unit = 1
        case "m": unit = 60
        case "h": unit = 3600
        case "d": unit = 86_400
        default: return nil
        }
        let (v, overflow) = n.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        seconds = v
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A point in time on the command line: an age (`15m`, `2h`, `7d`: that long ago), seconds since the Unix epoch,
/// or an RFC 3339 UTC time (`2026-11-27T10:00:00Z`).
struct TimeArgument: ExpressibleByArgument {
    var unixSeconds: Int

    init?(argument: String) {
        if let t = Self.rfc3339(argument) {
            unixSeconds = t
        } else if argument.allSatisfy({ $0.isASCII && $0.isNumber }), let t = Int(argument), argument.count >= 9 {
            unixSeconds = t
        } else if let age = DurationArgument(argument: argument) {
            unixSeconds = Int(time(nil)) - age.seconds
        } else {
            return nil
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z` to seconds since the epoch.
    static func rfc3339(_ s: String) -> Int? {
        let b = Array(s.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b.last == UInt8(ascii: "Z") else { return nil }
        // After the seconds: `Z`, or `.` and 1 to 9 digits then `Z`.
        let fraction = b[19..<(b.count - 1)]
        if !fraction.isEmpty {
            guard fraction.first == UInt8(ascii: "."), (2...10).contains(fraction.count),
                  fraction.dropFirst().allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        }
        for i in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] where !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { return nil }
        func number(_ r: Range<Int>) -> Int? { Int(String(decoding: b[r], as: UTF8.self)) }
        guard let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10), let h = number(11..<13),
              let mi = number(14..<16), let sec = number(17..<19), (1...12).contains(mo), (1...31).contains(d),
              h < 24, mi < 60, sec < 61 else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + h * 3600 + mi * 60 + sec
    }
}
