import Foundation
import Testing
@testable import NexusSchema

/// The official JSON-Schema-Test-Suite, as Debian packages it (json-schema-test-suite, installed by
/// scripts/install-deps). Debian 12's version has drafts up to 7, so this runs the draft-7 files of the keywords whose
/// meaning 2020-12 kept; groups whose schema uses what NexusSchema refuses (the array form of items,
/// remote refs) or format assertions are counted apart, never as passed. ref.json is left out: a draft-7 $ref
/// ignores its siblings, a 2020-12 one does not.
@Suite struct TestSuiteTests {
    static let folder = "/usr/share/json-schema-test-suite/tests/draft7/"
    static let files = [
        "additionalProperties", "allOf", "anyOf", "boolean_schema", "const", "contains", "definitions", "enum",
        "exclusiveMaximum", "exclusiveMinimum", "if-then-else", "items", "maxItems", "maxLength", "maxProperties",
        "maximum", "minItems", "minLength", "minProperties", "minimum", "multipleOf", "not", "oneOf", "pattern",
        "patternProperties", "properties", "propertyNames", "required", "type", "uniqueItems",
        "optional/bignum", "optional/ecmascript-regex", "optional/zeroTerminatedFloats",
    ]

    @Test(.enabled(if: FileManager.default.fileExists(atPath: folder)))
    func draft7KeywordsThat2020KeptPass() throws {
        var passed = 0
        var refused: [String] = []
        var failures: [String] = []
        for file in Self.files {
            guard let data = FileManager.default.contents(atPath: Self.folder + file + ".json") else { continue }
            guard case .array(let groups) = try JSONValue.parse(Array(data)) else { continue }
            for group in groups {
                guard let schemaValue = group["schema"], case .array(let tests) = group["tests"] ?? .null,
                      case .string(let title) = group["description"] ?? .null else { continue }
                // format is an annotation in 2020-12 (and here): the suite's format assertions do not apply.
                if schemaValue["format"] != nil {
                    refused.append("\(file): \(title): format is not asserted")
                    continue
                }
                let schema: Schema
                do {
                    schema = try Schema(schemaValue)
                } catch {
                    refused.append("\(file): \(title): \(error.problems.first?.description ?? "")")
                    continue
                }
                for test in tests {
                    guard let data = test["data"], case .bool(let expected) = test["valid"] ?? .null,
                          case .string(let what) = test["description"] ?? .null else { continue }
                    if schema.isValid(data) == expected && schema.validate(data).isEmpty == expected {
                        passed += 1
                    } else {
                        failures.append("\(file): \(title): \(what): expected \(expected ? "valid" : "invalid")")
                    }
                }
            }
        }
        print("JSON-Schema-Test-Suite draft7: \(passed) passed, \(failures.count) failed, \(refused.count) groups refused")
        for r in refused { print("  refused: \(r)") }
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.joined(separator: "\n"))")
        #expect(passed >= 340)
    }
}
