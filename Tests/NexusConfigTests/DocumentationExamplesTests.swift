@testable import NexusConfig
import Testing

/// Every ```yaml example of docs/configuration.md loads (with a listener added when it has none), so the
/// documentation cannot drift from the decoder.
@Suite struct DocumentationExamplesTests {
    static let repositoryRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    static func examples() throws -> [(line: Int, text: String)] {
        let bytes = try ConfigLoader.readFile(repositoryRoot + "/docs/configuration.md")
        var out: [(Int, String)] = []
        var current: [String]?
        var start = 0
        for (i, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```yaml") { current = []; start = i + 2; continue }
            if line.hasPrefix("```"), let c = current { out.append((start, c.joined(separator: "\n"))); current = nil; continue }
            current?.append(String(line))
        }
        return out
    }

    @Test func everyYAMLExampleLoads() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 3)
        for (line, text) in examples {
            let yaml = text.contains("listeners:") ? text : "listeners:\n  - address: 127.0.0.1:8080\n" + text
            do {
                _ = try ConfigLoader.parse(yaml, file: "docs/configuration.md:\(line)")
            } catch {
                Issue.record("the example at docs/configuration.md:\(line) does not load: \(error)")
            }
        }
    }
}
