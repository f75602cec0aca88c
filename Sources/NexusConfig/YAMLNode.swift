/// A YAML document as a tree of strings, with the position of every node.
///
/// Nexus reads YAML as plain text and gives values meaning only when decoding the configuration, so `8080`,
/// `"8080"` and `yes` are all just strings here: no YAML 1.1 surprises such as `no` becoming `false`.
/// Anchors, aliases, tags and multiple documents are refused by the parser (see `YAMLNode.parse`).
public indirect enum YAMLNode: Sendable {
    /// A scalar's text. `quoted` is true for every non-plain style (single or double quoted, `|` literal,
    /// `>` folded): such a scalar is always a string, never null.
    case scalar(String, Mark, quoted: Bool)
    /// A mapping's entries in file order. Keys are unique (the parser rejects duplicates).
    case mapping([(key: String, keyMark: Mark, value: YAMLNode)], Mark)
    /// A sequence's items in file order.
    case sequence([YAMLNode], Mark)

    /// Where the node starts.
    public var mark: Mark {
        switch self {
        case .scalar(_, let mark, _), .mapping(_, let mark), .sequence(_, let mark): mark
        }
    }

    /// True for a plain scalar that YAML reads as null: empty, `~`, `null`, `Null` or `NULL`.
    ///
    /// The configuration treats a null value as if the key were absent, so `body:` means the default.
    public var isNull: Bool {
        guard case .scalar(let text, _, quoted: false) = self else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// "a mapping", "a sequence" or "a string": for messages such as "expected a duration, got a mapping".
    var kindDescription: String {
        switch self {
        case .scalar: isNull ? "null" : "a string"
        case .mapping: "a mapping"
        case .sequence: "a sequence"
        }
    }
}
