/// A route as the admin API shows it: its name, where it comes from and its definition (the same keys as an item of
/// the configuration's `routes`).
public struct RouteInfo: Codable, Sendable, Equatable {
    public var name: String
    /// `config` (from the file), `runtime` (added at run time), `override` (a runtime route replacing the file's
    /// route of that name) or `removed` (the file's route, removed at run time: a tombstone).
    public var source: String
    /// Whether it takes requests (false only for `removed`).
    public var active: Bool
    /// The definition, e.g. `{"path_prefix": "/v2/", "upstream": "api"}`.
    public var spec: JSONValue
    /// Why a runtime route is not in force although not removed: it no longer fits the file (its upstream was
    /// removed from the file, or a file route now matches the same requests). nil when all is well.
    public var problem: String?

    public init(name: String, source: String, active: Bool, spec: JSONValue, problem: String? = nil) {
        self.name = name
        self.source = source
        self.active = active
        self.spec = spec
        self.problem = problem
    }
}

/// `GET /v1/routes`: the routes in force, then the removed ones, each group in name order.
public struct RouteList: Codable, Sendable, Equatable {
    public var routes: [RouteInfo]

    public init(routes: [RouteInfo]) { self.routes = routes }
}

/// Percent-encoding of route names in paths (`/v1/routes/{name}`): names derived from a route's match hold `/`,
/// `*`, spaces and commas.
public enum RouteNamePath {
    /// `name` with every byte outside `A-Z a-z 0-9 _ . -` percent-encoded.
    public static func encode(_ name: String) -> String {
        var out = ""
        let hex = Array("0123456789ABCDEF".utf8)
        for b in name.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// The name in a path segment, or nil for bad percent-encoding, control characters or more than 256 bytes.
    public static func decode(_ segment: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        var it = Array(segment.utf8)[...]
        while let b = it.popFirst() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(v)
            it = it.dropFirst(2)
        }
        guard (1...256).contains(bytes.count), let s = String(validating: bytes, as: UTF8.self),
              !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return s
    }
}
