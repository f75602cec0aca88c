/// Builds a page in the Prometheus text exposition format 0.0.4 (`text/plain; version=0.0.4`).
///
/// One `# HELP` and `# TYPE` per family, then its samples; label values escaped (backslash, double quote, line
/// feed), metric and label names checked. Pure: the metrics thread fills one per scrape.
public struct PrometheusText: Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public private(set) var text = ""
    private var families: Set<String> = []

    public init() {}

    /// Starts a family; each name once per page (a second call is ignored, so collectors may share a family).
    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        precondition(Self.isValidName(name), "invalid metric name '\(name)'")
        guard families.insert(name).inserted else { return }
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample without labels.
    public mutating func sample(_ name: String, _ value: Int) { sample(name, [], String(value)) }

    /// One sample: `name{labels} value`.
    public mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Int) {
        sample(name, labels, String(value))
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        sample(name, labels, Self.format(value))
    }

    /// A histogram's samples from per-bucket counts (`LatencyBuckets` order) and a sum in seconds: the cumulative
    /// `_bucket{le=...}`, `_sum` and `_count`. `labels` go before `le`.
    public mutating func histogram(_ name: String, _ labels: [(String, String)], buckets: [Int], sumSeconds: Double) {
        let cumulative = LatencyBuckets.cumulative(buckets)
        for (i, n) in cumulative.enumerated() {
            sample(name + "_bucket", labels + [("le", LatencyBuckets.labels[i])], String(n))
        }
        sample(name + "_sum", labels, Self.format(sumSeconds))
        sample(name + "_count", labels, String(cumulative.last ?? 0))
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            var first = true
            for (k, v) in labels {
                precondition(Self.isValidLabelName(k), "invalid label name '\(k)'")
                if !first { text += "," }
                first = false
                text += k
                text += "=\""
                text += Self.escapeLabel(v)
                text += "\""
            }
            text += "}"
        }
        text += " "
        text += value
        text += "\n"
    }

    /// A label value: `\` to `\\`, `"` to `\"`, line feed to `\n`.
    public static func escapeLabel(_ v: String) -> String {
        guard v.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return v }
        var out = ""
        for ch in v.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// HELP text: `\` to `\\`, line feed to `\n`.
    static func escapeHelp(_ v: String) -> String {
        v.replacingBackslashesAndNewlines()
    }

    /// A float as Prometheus reads it: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    public static func isValidName(_ s: String) -> Bool {
        guard let first = s.utf8.first, isNameStart(first) || first == UInt8(ascii: ":") else { return false }
        return s.utf8.allSatisfy { isNameStart($0) || $0 == UInt8(ascii: ":") || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    public static func isValidLabelName(_ s: String) -> Bool {
        guard let first = s.utf8.first, isNameStart(first) else { return false }
        return s.utf8.allSatisfy { isNameStart($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    private static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
    }
}

extension String {
    fileprivate func replacingBackslashesAndNewlines() -> String {
        var out = ""
        for ch in unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
