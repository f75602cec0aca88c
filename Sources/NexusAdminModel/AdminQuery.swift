/// Query strings of the admin API (`name=value&...`, percent-encoded): nexusctl builds them, nexusd parses them.
public enum AdminQuery {
    /// `name=value&...` with names and values percent-encoded; pairs whose value is nil are left out.
    public static func encode(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { escape(name) + "=" + escape($0) } }.joined(separator: "&")
    }

    /// The pairs of a query string; a pair with bad percent-encoding is dropped, a repeated name keeps its last value.
    public static func parse(_ query: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(parts[0]), let value = unescape(parts.count > 1 ? parts[1] : "") else { continue }
            out[name] = value
        }
        return out
    }

    /// Reads a `since`/`until` parameter into `since` or `until`; the error is the 400 detail.
    public static func timeBound(_ key: String, _ value: String, since: inout Int?, until: inout Int?) -> AdminQueryError? {
        guard let v = epochSeconds(value) else { return AdminQueryError("\(key) must be seconds since the Unix epoch") }
        if key == "since" { since = v } else { until = v }
        return nil
    }

    /// Seconds since the epoch from 0 to the end of year 9999, or nil.
    public static func epochSeconds(_ text: String) -> Int? {
        guard let v = Int(text), (0...253_402_300_799).contains(v) else { return nil }
        return v
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: ":"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    private static func unescape(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") { bytes.append(0x20); continue }
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(v)
            it = it.dropFirst(2)
        }
        guard let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            return nil
        }
        return text
    }
}
