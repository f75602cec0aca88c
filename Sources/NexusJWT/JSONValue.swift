// JSONValue: a decoded JSON document, for JOSE headers, claims and JWK members whose shape varies.

/// Any JSON value. Numbers are Doubles (JSON has no integers; NumericDate values fit exactly up to 2^53).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON text in `bytes` (RFC 8259, strictly: see JSONParser), or `nil` if it is not valid JSON.
    public init?(parsing bytes: [UInt8]) {
        guard let value = JSONParser.parse(bytes) else { return nil }
        self = value
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number, if this is one.
    public var numberValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// The array, if this is one.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}
