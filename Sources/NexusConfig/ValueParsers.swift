#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a scalar's text is not a valid value; the decoder adds file, position and key.
public struct InvalidValue: Error {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}

/// Pure text-to-value conversions for the configuration's scalar types.
enum ValueParsers {
    /// A decimal integer within `range`.
    static func integer(_ text: String, in range: ClosedRange<Int>) throws(InvalidValue) -> Int {
        guard let value = Int(text) else {
            throw InvalidValue("expected an integer, got '\(text)'")
        }
        guard range.contains(value) else {
            throw InvalidValue("\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A byte count: a plain integer, or an integer with a 1024-based unit (B, K/KiB, M/MiB, G/GiB, any case).
    static func size(_ text: String, in range: ClosedRange<Int>) throws(InvalidValue) -> Int {
        let digits = text.prefix(while: \.isASCIIDigit)
        let unit = text.dropFirst(digits.count).drop(while: { $0 == " " }).lowercased()
        let usage = "expected a size like 512, 8KiB, 1MiB (units B, KiB, MiB, GiB)"
        guard !digits.isEmpty else {
            throw InvalidValue("invalid size '\(text)': \(usage)")
        }
        guard let number = Int(digits) else {
            throw InvalidValue("size '\(text)' is too large")
        }
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kib": multiplier = 1 << 10
        case "m", "mib": multiplier = 1 << 20
        case "g", "gib": multiplier = 1 << 30
        case "kb", "mb", "gb":
            throw InvalidValue("ambiguous unit in '\(text)': write \(unit.prefix(1).uppercased())iB (1024-based)")
        default:
            throw InvalidValue("invalid size '\(text)': \(usage)")
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow, range.contains(bytes) else {
            throw InvalidValue("size '\(text)' is out of range \(formatSize(range.lowerBound))...\(formatSize(range.upperBound))")
        }
        return bytes
    }

    /// A duration: `500ms`, `10s`, `2m`, `1h`, `90d`, or a plain integer of seconds; greater than zero, at most `maximum`.
    static func duration(_ text: String, maximum: Duration) throws(InvalidValue) -> Duration {
        let digits = text.prefix(while: \.isASCIIDigit)
        let unit = text.dropFirst(digits.count)
        let usage = "expected a duration like 500ms, 10s, 2m, 1h, 90d, or a number of seconds"
        guard !digits.isEmpty else {
            throw InvalidValue("invalid duration '\(text)': \(usage)")
        }
        guard let number = Int(digits) else {
            throw InvalidValue("duration '\(text)' is longer than the maximum \(formatDuration(maximum))")
        }
        let millisecondsPerUnit: Int
        switch unit {
        case "ms": millisecondsPerUnit = 1
        case "", "s": millisecondsPerUnit = 1000
        case "m": millisecondsPerUnit = 60_000
        case "h": millisecondsPerUnit = 3_600_000
        case "d": millisecondsPerUnit = 86_400_000
        default: throw InvalidValue("invalid duration '\(text)': \(usage)")
        }
        guard number > 0 else {
            throw InvalidValue("duration must be greater than 0, got '\(text)'")
        }
        let (milliseconds, overflow) = number.multipliedReportingOverflow(by: millisecondsPerUnit)
        let duration = Duration.milliseconds(milliseconds)
        guard !overflow, duration <= maximum else {
            throw InvalidValue("duration '\(text)' is longer than the maximum \(formatDuration(maximum))")
        }
        return duration
    }

    /// A listen address: `IPv4:port`, `[IPv6]:port`, `*:port` or `:port` (both 0.0.0.0). Hosts must be numeric,
    /// checked with inet_pton(3).
    static func address(_ text: String) throws(InvalidValue) -> (host: String, port: UInt16, isIPv6: Bool) {
        let host: Substring
        let portText: Substring
        let isIPv6: Bool
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw InvalidValue("invalid address '\(text)': missing ']' after the IPv6 address")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw InvalidValue("invalid address '\(text)': expected ':port' after ']'")
            }
            portText = rest.dropFirst()
            isIPv6 = true
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw InvalidValue("invalid address '\(text)': expected HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080, *:8080")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else {
                throw InvalidValue("invalid address '\(text)': write IPv6 addresses in brackets, e.g. [::1]:8080")
            }
            isIPv6 = false
        }
        let port = try self.port(String(portText), in: text)
        if !isIPv6 && (host.isEmpty || host == "*") {
            return ("0.0.0.0", port, false)
        }
        let hostText = String(host)
        if isIPv6 {
            var address = in6_addr()
            guard inet_pton(AF_INET6, hostText, &address) == 1 else {
                throw InvalidValue("invalid IPv6 address '\(hostText)'")
            }
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, hostText, &address) == 1 else {
                throw InvalidValue("invalid IPv4 address '\(hostText)': expected four numbers like 127.0.0.1 (host names are not resolved)")
            }
        }
        return (hostText, port, isIPv6)
    }

    private static func port(_ text: String, in address: String) throws(InvalidValue) -> UInt16 {
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else {
            throw InvalidValue("invalid port '\(text)' in '\(address)': expected a number 0...65535")
        }
        guard let value = Int(text), let port = UInt16(exactly: value) else {
            throw InvalidValue("port \(text) is out of range 0...65535")
        }
        return port
    }

    /// True for an RFC 9110 token (method names, header field names).
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "A")...UInt8(ascii: "Z"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// True when a header field value is safe to write: no control characters (CR, LF, NUL...) except tab.
    static func isFieldValue(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// A route path: starts with `/`, no whitespace or control characters, no `?` or `#`.
    static func routePath(_ text: String) throws(InvalidValue) -> String {
        guard text.hasPrefix("/") else {
            throw InvalidValue("path must start with '/', got '\(text)'")
        }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw InvalidValue("path must not contain spaces or control characters")
        }
        guard !text.contains("?"), !text.contains("#") else {
            throw InvalidValue("path must not contain '?' or '#': routes match the path only")
        }
        return text
    }

    static func formatSize(_ bytes: Int) -> String {
        for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return "\(bytes)B"
    }

    static func formatDuration(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension ValueParsers {
    /// `100/s`, `6000/m`, `100000/h`: a count per second, minute or hour (1...1,000,000,000).
    static func rate(_ text: String) throws(InvalidValue) -> (Int, Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let usage = "expected a rate like 100/s, 6000/m or 100000/h"
        guard parts.count == 2, let n = Int(parts[0].trimmingCharacters(in: " ")), (1...1_000_000_000).contains(n) else {
            throw InvalidValue("invalid rate '\(text)': \(usage)")
        }
        switch parts[1].trimmingCharacters(in: " ") {
        case "s": return (n, 1)
        case "m": return (n, 60)
        case "h": return (n, 3600)
        default: throw InvalidValue("invalid rate '\(text)': \(usage)")
        }
    }

    /// `A-Z a-z 0-9 _ -`.
    static func isIdentifierByte(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}
