#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversions for upstreams and proxy routes: names, booleans, backend addresses, hosts, templates, statuses.
extension ValueParsers {
    /// A name of a listener or upstream: 1 to 64 letters, digits, `.`, `_` or `-`.
    static func name(_ text: String) throws(InvalidValue) -> String {
        let allowed = text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
        guard !text.isEmpty, text.utf8.count <= 64, allowed else {
            throw InvalidValue("invalid name '\(text)': use 1 to 64 letters, digits, '.', '_' or '-'")
        }
        return text
    }

    /// `true` or `false`. YAML 1.1 spellings (`yes`, `on`...) are refused rather than guessed.
    static func boolean(_ text: String) throws(InvalidValue) -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw InvalidValue("expected true or false, got '\(text)'")
        }
    }

    /// A backend address: `IPv4:port`, `[IPv6]:port` or `hostname:port`, port 1...65535. Host names are RFC 1123
    /// labels and are returned lowercase; a name whose last label is numeric must be a valid IPv4 address.
    static func backendAddress(_ text: String) throws(InvalidValue) -> (host: String, port: UInt16, kind: BackendConfig.Kind) {
        let usage = "expected HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or api.internal:8080"
        let hostPart: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw InvalidValue("invalid address '\(text)': missing ']' after the IPv6 address")
            }
            hostPart = text[...close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw InvalidValue("invalid address '\(text)': expected ':port' after ']'")
            }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw InvalidValue("invalid address '\(text)': \(usage)")
            }
            hostPart = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !hostPart.contains(":") else {
                throw InvalidValue("invalid address '\(text)': write IPv6 addresses in brackets, e.g. [::1]:8080")
            }
            guard !hostPart.isEmpty, hostPart != "*" else {
                throw InvalidValue("invalid address '\(text)': a backend needs a host; \(usage)")
            }
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit) else {
            throw InvalidValue("invalid port '\(portText)' in '\(text)': expected a number 1...65535")
        }
        guard let value = Int(portText), (1...65535).contains(value) else {
            throw InvalidValue("port \(portText) is out of range 1...65535")
        }
        let (host, kind) = try self.host(String(hostPart))
        return (host, UInt16(value), kind)
    }

    /// A host without port: `[IPv6]` (returned without brackets), an IPv4 address, or an RFC 1123 host name
    /// (returned lowercase).
    static func host(_ text: String) throws(InvalidValue) -> (host: String, kind: BackendConfig.Kind) {
        if text.hasPrefix("[") && text.hasSuffix("]") && text.count >= 2 {
            let inner = String(text.dropFirst().dropLast())
            var address = in6_addr()
            guard inet_pton(AF_INET6, inner, &address) == 1 else {
                throw InvalidValue("invalid IPv6 address '\(inner)'")
            }
            return (inner, .ipv6)
        }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        if let last = labels.last, !last.isEmpty, last.allSatisfy(\.isASCIIDigit) {
            var address = in_addr()
            guard inet_pton(AF_INET, text, &address) == 1 else {
                throw InvalidValue("invalid IPv4 address '\(text)': expected four numbers like 127.0.0.1")
            }
            return (text, .ipv4)
        }
        guard let name = hostname(text) else {
            throw InvalidValue("invalid host name '\(text)': use labels of letters, digits and '-' separated by dots")
        }
        return (name, .hostname)
    }

    /// The lowercase form of an RFC 1123 host name (labels of 1 to 63 letters, digits and `-`, not starting or
    /// ending with `-`, at most 253 bytes in all), or nil.
    static func hostname(_ text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= 253 else { return nil }
        for label in text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                  label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else { return nil }
        }
        return text.lowercased()
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            false
        }
    }

    /// A route's `host`: a host name or IPv4 address, or `*.` and a host name; lowercased, no port.
    static func hostMatch(_ text: String) throws(InvalidValue) -> HostMatch {
        if text == "*" {
            throw InvalidValue("host '*' matches every host: leave out 'host' instead")
        }
        if text.contains(":") {
            throw InvalidValue("host '\(text)' must not hold a port (or an IPv6 address): routes match the name only")
        }
        if text.hasPrefix("*.") {
            let domain = String(text.dropFirst(2))
            guard !domain.contains("*"), let name = hostname(domain) else {
                throw InvalidValue("invalid wildcard host '\(text)': expected '*.' and a host name, like *.example.com")
            }
            return .wildcard(suffix: "." + name)
        }
        if text.contains("*") {
            throw InvalidValue("invalid host '\(text)': a wildcard is only a leading '*.', like *.example.com")
        }
        let (host, kind) = try self.host(text)
        precondition(kind != .ipv6, "brackets were refused with ':'")
        return .exact(host)
    }

    /// A Host field value for a health check: a host (as `host(_:)`), optionally with `:port` (1...65535).
    static func hostHeader(_ text: String) throws(InvalidValue) -> String {
        let hasPort = text.hasPrefix("[") ? text.contains("]:") : text.contains(":")
        if hasPort {
            let address = try backendAddress(text)
            return BackendConfig(host: address.host, port: address.port, kind: address.kind).address
        }
        let (host, kind) = try self.host(text)
        return kind == .ipv6 ? "[\(host)]" : host
    }

    /// A route's `path`: a plain path (`routePath`) gives `.exact`; one with `{` gives `.template` after checking
    /// that each `{name}` is a whole segment, names are `[A-Za-z_][A-Za-z0-9_]*` and unique.
    static func pathOrTemplate(_ text: String) throws(InvalidValue) -> PathMatch {
        let path = try routePath(text)
        guard path.contains("{") else { return .exact(path) }
        var names: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            guard segment.contains("{") || segment.contains("}") else { continue }
            guard segment.hasPrefix("{"), segment.hasSuffix("}"), segment.count >= 2 else {
                throw InvalidValue("'\(segment)' in '\(path)': a parameter is a whole segment, like /users/{id}")
            }
            let name = segment.dropFirst().dropLast()
            guard let first = name.first, first == "_" || (first.isASCII && first.isLetter),
                  name.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "_") }) else {
                throw InvalidValue("invalid parameter name '\(name)' in '\(path)': use a letter or '_', then letters, digits or '_'")
            }
            guard !names.contains(name) else {
                throw InvalidValue("parameter '{\(name)}' appears twice in '\(path)'")
            }
            names.append(name)
        }
        return .template(path)
    }

    /// A request target for a health check: starts with `/`, no spaces or control characters, no `#`.
    static func requestTarget(_ text: String) throws(InvalidValue) -> String {
        guard text.hasPrefix("/") else {
            throw InvalidValue("path must start with '/', got '\(text)'")
        }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw InvalidValue("path must not contain spaces or control characters")
        }
        guard !text.contains("#") else {
            throw InvalidValue("path must not contain '#'")
        }
        return text
    }

    /// A status `200` or a range `200-399`, within 100...599.
    static func statusRange(_ text: String) throws(InvalidValue) -> ClosedRange<Int> {
        let range = HealthCheckConfig.statusRange
        let usage = "expected a status like 200 or a range like 200-399, within \(range.lowerBound)...\(range.upperBound)"
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
              let low = Int(parts[0]), let high = Int(parts[parts.count - 1]) else {
            throw InvalidValue("invalid status '\(text)': \(usage)")
        }
        guard range.contains(low), range.contains(high) else {
            throw InvalidValue("status '\(text)' is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        guard low <= high else {
            throw InvalidValue("invalid status range '\(text)': the first status is greater than the second")
        }
        return low...high
    }
}
