// UTCTimestamp: RFC 3339 UTC timestamps for log lines, without Foundation.
#if canImport(Glibc)
import Glibc
#endif

/// Formats wall-clock times as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds) without Foundation.
///
/// The calendar conversion is Howard Hinnant's `civil_from_days` (proleptic Gregorian, valid for any `Int` day).
public enum UTCTimestamp {
    /// The current wall-clock time (wraps `clock_gettime(CLOCK_REALTIME)`).
    public static func now() -> (seconds: Int, nanoseconds: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int(spec.tv_sec), Int(spec.tv_nsec))
    }

    /// The civil (year, month 1-12, day 1-31) of `days` since 1970-01-01.
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Appends the timestamp of `seconds` (since the epoch) and `nanoseconds` to `bytes`, e.g.
    /// `2026-11-26T23:41:02.123Z`; milliseconds are truncated, not rounded.
    public static func append(seconds: Int, nanoseconds: Int, to bytes: inout [UInt8]) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        appendDigits(year, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendDigits(nanoseconds / 1_000_000, width: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// The timestamp of `seconds` and `nanoseconds` as a `String` (see `append`).
    public static func format(seconds: Int, nanoseconds: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(seconds: seconds, nanoseconds: nanoseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` in decimal, zero-padded to at least `width` digits (a minus sign for years before 0).
    private static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDigits(-value, width: width, to: &bytes)
            return
        }
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        for _ in digits.count..<max(width, digits.count) { bytes.append(UInt8(ascii: "0")) }
        bytes.append(contentsOf: digits.reversed())
    }
}
