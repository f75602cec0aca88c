/// Why a schema did not compile: every problem found, each with the JSON pointer of the offending keyword.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// One problem: where (`#/properties/a/minLength`) and what.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let location: String
        public let message: String
        public var description: String { "\(location): \(message)" }
    }

    public let problems: [Problem]

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

/// One way an instance fails its schema.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    /// RFC 6901 pointer to the failing value in the instance (`""` for the whole instance, `/items/0/name`).
    public let instanceLocation: String
    /// Where the failing keyword is in the schema document, as `#` + JSON pointer (`#/properties/a/minimum`).
    public let keywordLocation: String
    /// The keyword that failed (`minimum`, `required`, `false` for a false schema).
    public let keyword: String
    /// What is wrong, in words.
    public let message: String

    /// `{"instanceLocation": ..., "keywordLocation": ..., "keyword": ..., "message": ...}`, for a problem body.
    public var json: JSONValue {
        ["instanceLocation": .string(instanceLocation), "keywordLocation": .string(keywordLocation),
         "keyword": .string(keyword), "message": .string(message)]
    }

    /// `<instance pointer or "(root)">: <message> [<keyword location>]`.
    public var description: String {
        "\(instanceLocation.isEmpty ? "(root)" : instanceLocation): \(message) [\(keywordLocation)]"
    }
}
