import Testing
@testable import NexusSchema

/// Random documents made of keywords and random values: compiling either succeeds or reports problems, and a
/// compiled schema validates random instances without crashing, with isValid and validate agreeing.
@Suite struct SchemaRandomTests {
    static let keywords = Schema.supportedKeywords + ["typo", "unevaluatedProperties", "$anchor"]
    static let names = ["a", "b", "a/b", "m~n", "", "é"]
    static let refs = ["#", "#/$defs/a", "#/$defs/b", "#/properties/a", "#/nowhere", "other.json", "#/$defs/a%20b", "#/items"]
    static let patterns = ["^a", "b$", "[0-9]+", "(a|b)*c", "(", "\\", "a{2,1}", "^(?:x){1,3}$", ""]

    struct Rng {
        var state: UInt64
        mutating func below(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    func number(_ rng: inout Rng) -> JSONValue {
        .number(JSONNumber(literal: ["0", "1", "-1", "2", "0.5", "1e2", "3.0", "-0.25", "1e400", "0.1"][rng.below(10)])!)
    }

    func value(_ rng: inout Rng, _ depth: Int) -> JSONValue {
        switch rng.below(depth > 2 ? 5 : 8) {
        case 0: return .null
        case 1: return .bool(rng.below(2) == 0)
        case 2, 3: return number(&rng)
        case 4: return .string(Self.names[rng.below(Self.names.count)])
        case 5: return .array((0..<rng.below(4)).map { _ in value(&rng, depth + 1) })
        case 6: return schema(&rng, depth + 1)
        default:
            return .object(JSONObject((0..<rng.below(3)).map { k in JSONMember(key: Self.names[k], value: value(&rng, depth + 1)) }))
        }
    }

    func schema(_ rng: inout Rng, _ depth: Int) -> JSONValue {
        if rng.below(8) == 0 { return .bool(rng.below(2) == 0) }
        var members: [JSONMember] = []
        var used: Set<String> = []
        for _ in 0..<(1 + rng.below(depth > 2 ? 2 : 4)) {
            let key = Self.keywords[rng.below(Self.keywords.count)]
            guard used.insert(key).inserted else { continue }
            let v: JSONValue
            switch key {
            case "$ref": v = .string(Self.refs[rng.below(Self.refs.count)])
            case "pattern": v = .string(Self.patterns[rng.below(Self.patterns.count)])
            case "type": v = .string(TypeSet.names[rng.below(7)].0)
            case "required": v = .array([.string(Self.names[rng.below(Self.names.count)])])
            case "properties", "$defs", "patternProperties", "dependentSchemas":
                v = .object(JSONObject((0..<rng.below(3)).map { k in
                    JSONMember(key: key == "patternProperties" ? Self.patterns[rng.below(Self.patterns.count)] + "\(k)" : Self.names[k],
                               value: depth > 3 ? .bool(true) : schema(&rng, depth + 1))
                }))
            case "allOf", "anyOf", "oneOf", "prefixItems": v = .array((0..<rng.below(3)).map { _ in depth > 3 ? .bool(false) : schema(&rng, depth + 1) })
            case "not", "items", "contains", "additionalProperties", "propertyNames", "if", "then", "else":
                v = depth > 3 ? .bool(true) : schema(&rng, depth + 1)
            default: v = rng.below(3) == 0 ? value(&rng, depth + 1) : number(&rng)
            }
            members.append(JSONMember(key: key, value: v))
        }
        return .object(JSONObject(members))
    }

    @Test func randomSchemasCompileOrExplainAndNeverCrash() {
        var rng = Rng(state: 99)
        var compiled = 0
        var refusedCount = 0
        for _ in 0..<5_000 {
            let document = schema(&rng, 0)
            do {
                let s = try Schema(document)
                compiled += 1
                for _ in 0..<5 {
                    let instance = value(&rng, 0)
                    let list = s.validate(instance, maxViolations: .max)
                    #expect(s.isValid(instance) == list.isEmpty, "\(document.serialized) on \(instance.serialized)")
                    for v in list {
                        #expect(v.instanceLocation.isEmpty || v.instanceLocation.hasPrefix("/"))
                        #expect(v.keywordLocation.hasPrefix("#"))
                    }
                }
            } catch {
                refusedCount += 1
                #expect(!error.problems.isEmpty)
                for p in error.problems { #expect(p.location.hasPrefix("#")) }
            }
        }
        #expect(compiled > 500 && refusedCount > 500, "compiled \(compiled), refused \(refusedCount)")
    }
}
