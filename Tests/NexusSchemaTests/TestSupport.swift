import Testing
@testable import NexusSchema

/// Compiles `schema` (JSON text) or records the problem.
func schema(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Schema? {
    do {
        return try Schema(parsing: text)
    } catch {
        Issue.record("schema did not compile: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The violations of `instance` (JSON text) as "pointer|keywordLocation|message" lines.
func violations(_ schemaText: String, _ instance: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    guard let s = schema(schemaText, sourceLocation: sourceLocation) else { return ["<no schema>"] }
    guard let value = try? JSONValue.parse(instance) else {
        Issue.record("instance is not JSON: \(instance)", sourceLocation: sourceLocation)
        return ["<no instance>"]
    }
    let list = s.validate(value)
    #expect(s.isValid(value) == list.isEmpty, "isValid disagrees with validate", sourceLocation: sourceLocation)
    return list.map { "\($0.instanceLocation)|\($0.keywordLocation)|\($0.message)" }
}

/// Whether `instance` is valid.
func valid(_ schemaText: String, _ instance: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    violations(schemaText, instance, sourceLocation: sourceLocation).isEmpty
}

/// The compile problems of `schemaText`, as "location: message".
func problems(_ schemaText: String) -> [String] {
    do {
        _ = try Schema(parsing: schemaText)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}
