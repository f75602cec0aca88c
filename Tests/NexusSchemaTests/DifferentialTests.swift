import Foundation
import Testing
@testable import NexusSchema

/// NexusSchema against Python's jsonschema (Draft202012Validator): Differential/cases.json holds random schemas and
/// instances with jsonschema's verdicts (Differential/README.md says how to regenerate it); every verdict must agree.
@Suite struct DifferentialTests {
    /// NEXUS_SCHEMA_CASES names another case file (a run of generate.py with another seed).
    static let casesPath = ProcessInfo.processInfo.environment["NEXUS_SCHEMA_CASES"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Differential/cases.json").path

    @Test func agreesWithPythonJsonschema() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.casesPath), "missing \(Self.casesPath)")
        let document = try JSONParser(limits: .init(maxBytes: 16 << 20)).parse(Array(data))
        guard case .array(let cases) = try #require(document["cases"]) else { Issue.record("no cases"); return }
        var pairs = 0
        var valid = 0
        var mismatches: [String] = []
        for (k, entry) in cases.enumerated() {
            let schemaValue = try #require(entry["schema"])
            let schema: Schema
            do {
                schema = try Schema(schemaValue)
            } catch {
                mismatches.append("case \(k): schema refused: \(error)\n  \(schemaValue.serialized)")
                continue
            }
            guard case .array(let instances) = try #require(entry["instances"]) else { continue }
            for pair in instances {
                guard let instance = pair[0], case .bool(let expected) = pair[1] else { continue }
                pairs += 1
                if expected { valid += 1 }
                let violations = schema.validate(instance)
                if violations.isEmpty != expected || schema.isValid(instance) != expected {
                    mismatches.append("case \(k): jsonschema says \(expected ? "valid" : "invalid"), NexusSchema \(violations.map(\.description))\n"
                        + "  schema:   \(schemaValue.serialized)\n  instance: \(instance.serialized)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches of \(pairs):\n\(mismatches.prefix(20).joined(separator: "\n"))")
        // The file must exercise both verdicts, or a broken keyword could hide.
        #expect(pairs >= 2_000)
        #expect(valid * 4 >= pairs && (pairs - valid) * 4 >= pairs, "valid \(valid) of \(pairs)")
    }

    /// Pattern against Python's `re.search` on random patterns of the supported subset (Differential/patterns.json).
    @Test func patternsAgreeWithPythonRe() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Differential/patterns.json").path
        let data = try #require(FileManager.default.contents(atPath: path), "missing \(path)")
        let document = try JSONParser(limits: .init(maxBytes: 16 << 20)).parse(Array(data))
        guard case .array(let cases) = try #require(document["cases"]) else { Issue.record("no cases"); return }
        var pairs = 0
        var problems: [String] = []
        for entry in cases {
            guard case .string(let source) = try #require(entry["pattern"]), case .array(let strings) = try #require(entry["strings"]) else { continue }
            let pattern: Pattern
            do {
                pattern = try Pattern(source)
            } catch {
                problems.append("refused \(source): \(error)")
                continue
            }
            for pair in strings {
                guard case .string(let s) = pair[0], case .bool(let expected) = pair[1] else { continue }
                pairs += 1
                if pattern.matches(s) != expected || pattern.matchesWithThreadList(s) != expected {
                    problems.append("/\(source)/ on \(JSONValue.string(s).serialized): Python says \(expected)")
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems in \(pairs) pairs:\n\(problems.prefix(20).joined(separator: "\n"))")
        #expect(pairs >= 10_000)
    }
}
