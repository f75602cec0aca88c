/// One compiled (sub)schema: its location in the schema document and the checks its keywords make.
struct SchemaNode: Sendable {
    /// `#` followed by the JSON pointer of this schema in the document, e.g. `#/properties/a`.
    var location: String
    /// A boolean schema (`true` or `false`), or nil for an object schema.
    var constant: Bool?
    var checks: [SchemaCheck] = []
}

/// The JSON Schema types as a bit set; `integer` is its own bit and `number` accepts integers too.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let integer = TypeSet(rawValue: 4)
    static let number = TypeSet(rawValue: 8)
    static let string = TypeSet(rawValue: 16)
    static let array = TypeSet(rawValue: 32)
    static let object = TypeSet(rawValue: 64)

    static let names: [(String, TypeSet)] = [("null", .null), ("boolean", .boolean), ("integer", .integer), ("number", .number),
                                             ("string", .string), ("array", .array), ("object", .object)]

    var description: String {
        let list = TypeSet.names.filter { contains($0.1) }.map(\.0)
        return list.count == 1 ? list[0] : "one of " + list.joined(separator: ", ")
    }

    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .number(let n): return contains(.number) || (n.isInteger && contains(.integer))
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        }
    }
}

/// The property rules of one schema: `properties`, `patternProperties` and `additionalProperties` together, since
/// the last applies to the members the other two do not match.
/// A class: one reference to retain when the validator reads it, not four.
final class PropertyRules: Sendable {
    /// Property name -> node, in schema order (scanned when small).
    let named: [(String, Int)]
    /// The same as a dictionary when there are more than 8.
    let index: [String: Int]?
    let patterns: [(Pattern, Int)]
    let additional: Int?

    init(named: [(String, Int)], patterns: [(Pattern, Int)], additional: Int?) {
        self.named = named
        self.index = named.count > 8 ? Dictionary(named, uniquingKeysWith: { first, _ in first }) : nil
        self.patterns = patterns
        self.additional = additional
    }

    func node(for key: String) -> Int? {
        if let index { return index[key] }
        for (name, node) in named where name == key { return node }
        return nil
    }
}

/// What one keyword (or group of keywords) checks.
enum SchemaCheck: Sendable {
    case type(TypeSet)
    case enumeration([JSONValue])
    case constant(JSONValue)
    case ref(Int)
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
    case dependentSchemas([(String, Int)])
    case minimum(JSONNumber)
    case exclusiveMinimum(JSONNumber)
    case maximum(JSONNumber)
    case exclusiveMaximum(JSONNumber)
    case multipleOf(JSONNumber)
    case minLength(Int)
    case maxLength(Int)
    case pattern(Pattern)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case items(prefix: [Int], rest: Int?)
    case contains(Int, min: Int, max: Int?)
    case minProperties(Int)
    case maxProperties(Int)
    case required([String])
    case properties(PropertyRules)
    case propertyNames(Int)
    case dependentRequired([(String, [String])])
}
