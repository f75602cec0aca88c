import Testing
@testable import NexusConfig

@Suite struct YAMLNodeTests {
    @Test func parsesMappingsSequencesAndScalarsWithMarks() throws {
        let yaml = """
            a: 1
            b:
              - x
              - 'y'
            c: {d: "e"}
            """
        let root = try #require(try YAMLNode.parse(yaml, file: "t.yaml"))
        guard case .mapping(let entries, let mark) = root else { Issue.record("not a mapping"); return }
        #expect(mark == Mark(line: 1, column: 1))
        #expect(entries.map(\.key) == ["a", "b", "c"])
        #expect(entries[1].keyMark == Mark(line: 2, column: 1))
        guard case .scalar("1", Mark(line: 1, column: 4), quoted: false) = entries[0].value else {
            Issue.record("a: \(entries[0].value)"); return
        }
        guard case .sequence(let items, _) = entries[1].value, items.count == 2,
              case .scalar("x", Mark(line: 3, column: 5), quoted: false) = items[0],
              case .scalar("y", _, quoted: true) = items[1] else {
            Issue.record("b: \(entries[1].value)"); return
        }
        guard case .mapping(let inner, Mark(line: 5, column: 4)) = entries[2].value,
              inner.count == 1, inner[0].key == "d",
              case .scalar("e", Mark(line: 5, column: 8), quoted: true) = inner[0].value else {
            Issue.record("c: \(entries[2].value)"); return
        }
    }

    @Test func blockScalarsAreQuotedAndKeepText() throws {
        let root = try #require(try YAMLNode.parse("body: |\n  line one\n  line two\n", file: "t.yaml"))
        guard case .mapping(let entries, _) = root, case .scalar(let text, _, quoted: true) = entries[0].value else {
            Issue.record("\(root)"); return
        }
        #expect(text == "line one\nline two\n")
    }

    @Test func nullScalars() throws {
        for text in ["", "~", "null", "Null", "NULL"] {
            #expect(YAMLNode.scalar(text, Mark(line: 1, column: 1), quoted: false).isNull)
        }
        #expect(!YAMLNode.scalar("", Mark(line: 1, column: 1), quoted: true).isNull)
        #expect(!YAMLNode.scalar("nil", Mark(line: 1, column: 1), quoted: false).isNull)
    }

    @Test func emptyDocumentsHaveNoRoot() throws {
        #expect(try YAMLNode.parse("", file: "t.yaml") == nil)
        #expect(try YAMLNode.parse("# only a comment\n\n", file: "t.yaml") == nil)
    }

    @Test func duplicateKeyIsReportedAtTheSecondWithPath() {
        let errors = yamlErrors("""
            outer:
              inner: 1
              inner: 2
            """)
        #expect(errors.map(\.description) == ["t.yaml:3:3: outer.inner: duplicate key 'inner' (first at line 2)"])
    }

    @Test func anchorsAndAliasesAreRefused() {
        let errors = yamlErrors("""
            a: &x 1
            b: *x
            """)
        #expect(errors.count == 2)
        #expect(errors.first?.message.contains("anchors (&x) are not supported") == true)
        #expect(summary(errors.first, \.line, \.column, \.key) == "1 4 a")
        #expect(errors.last?.message.contains("aliases") == true)
        #expect(summary(errors.last, \.line, \.key) == "2 b")
    }

    @Test func tagsAreRefused() {
        let errors = yamlErrors("a: !!str 5\n")
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("tags (tag:yaml.org,2002:str) are not supported") == true)
    }

    @Test func multipleDocumentsAreRefused() {
        let errors = yamlErrors("a: 1\n---\nb: 2\n")
        #expect(errors.count == 1)
        #expect(summary(errors.first, \.line, \.column) == "2 1")
        #expect(errors.first?.message.contains("more than one YAML document") == true)
    }

    @Test func nonScalarKeysAreRefused() {
        let errors = yamlErrors("? [a, b]\n: 1\n")
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("mapping keys must be plain strings") == true)
    }

    @Test func syntaxErrorCarriesLibyamlPositionAndProblem() {
        let errors = yamlErrors("a: 1\nb: [1, 2\nc: 3\n")
        #expect(errors.count == 1)
        let error = errors.first
        #expect(error?.key == "")
        #expect(error?.message.hasPrefix("YAML syntax error: did not find expected ',' or ']'") == true)
        #expect(error?.message.contains("that starts at line 2, column 4") == true)
        #expect(error?.line == 3)
    }

    @Test func invalidUTF8IsReportedAtItsLine() {
        var bytes = Array("a: 1\nb: ".utf8)
        bytes += [0xFF, 0x0A]
        let result = YAMLNode.parse(bytes: bytes, file: "t.yaml")
        #expect(result.root == nil)
        #expect(result.errors.count == 1)
        #expect(summary(result.errors.first, \.line, \.column) == "2 4")
        #expect(result.errors.first?.message.contains("UTF-8") == true)
    }

    @Test func deepNestingIsRefused() {
        let yaml = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let errors = yamlErrors(yaml)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("nesting deeper than 64 levels") == true)
    }

    private func yamlErrors(_ yaml: String) -> [ConfigError] {
        do {
            _ = try YAMLNode.parse(yaml, file: "t.yaml")
            return []
        } catch {
            return error.errors
        }
    }
}
