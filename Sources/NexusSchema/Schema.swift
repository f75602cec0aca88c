/// A JSON Schema (draft 2020-12) compiled once, then used to validate many instances.
///
/// Compiling checks every keyword: a keyword this module does not implement is refused with its location and the
/// list of supported keywords (never silently ignored), as is a `$schema` other than 2020-12, a non-local `$ref`
/// and a cycle of references that never moves into the instance (it would loop forever). `format` and the other
/// annotations are accepted and not asserted. A `Schema` is immutable and `Sendable`: compile it when the
/// configuration loads and share it between threads.
public struct Schema: Sendable {
    /// Node 0 is the root.
    let nodes: [SchemaNode]

    /// The keywords that validate.
    public static let assertionKeywords: [String] = [
        "type", "enum", "const",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "pattern",
        "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains",
        "properties", "patternProperties", "additionalProperties", "required", "propertyNames",
        "minProperties", "maxProperties", "dependentRequired", "dependentSchemas",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
        "$ref", "$defs", "definitions",
    ]

    /// Keywords accepted and not asserted.
    public static let annotationKeywords: [String] = [
        "$schema", "$id", "$comment", "title", "description", "default", "examples", "readOnly", "writeOnly",
        "deprecated", "format", "contentMediaType", "contentEncoding",
    ]

    /// Every keyword a schema may use.
    public static var supportedKeywords: [String] { assertionKeywords + annotationKeywords }

    /// The only `$schema` accepted (with or without a trailing `#`).
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"

    /// Compiles `document` (an object or a boolean).
    public init(_ document: JSONValue) throws(SchemaError) {
        var compiler = SchemaCompiler(document: document)
        nodes = try compiler.compile()
    }

    /// Parses `text` as JSON, then compiles it; a parse error is reported as a problem at `#`.
    public init(parsing text: String) throws(SchemaError) {
        let document: JSONValue
        do {
            document = try JSONValue.parse(text)
        } catch {
            throw SchemaError(problems: [.init(location: "#", message: "not JSON: \(error)")])
        }
        try self.init(document)
    }

    /// Whether `instance` is valid (stops at the first failure; no allocation when it is valid).
    public func isValid(_ instance: JSONValue) -> Bool {
        var validator = SchemaValidator(nodes: nodes, collect: false)
        return validator.check(0, instance)
    }

    /// Every violation of `instance` (up to `maxViolations`), empty when it is valid.
    ///
    /// A valid instance costs one pass that stops at the first failure; an invalid one pays a second pass that
    /// collects the violations with their locations, in schema order. The cap keeps a hostile instance (a
    /// 100,000-element array of wrong items) from building a list as large as itself.
    public func validate(_ instance: JSONValue, maxViolations: Int = 100) -> [Violation] {
        if isValid(instance) { return [] }
        var validator = SchemaValidator(nodes: nodes, collect: true, maxViolations: max(1, maxViolations))
        _ = validator.check(0, instance)
        return validator.violations
    }
}
