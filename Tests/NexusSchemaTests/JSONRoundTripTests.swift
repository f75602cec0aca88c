import Testing
@testable import NexusSchema

/// Seeded random documents: serialize -> parse gives the same value and the same text; random byte mutations of
/// valid documents never crash the parser and every error points inside the document.
@Suite struct JSONRoundTripTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let literals = ["0", "-0", "1", "-12", "3.25", "1e5", "1E-7", "-0.0", "2.50", "123456789012345678901234567890", "1e400", "6.02e+23"]
    static let strings = ["", "a", "é", "😀", "a\"b", "back\\slash", "tab\there", "nl\n", "\u{1}\u{1f}", "/", "\u{2028}"]

    func value(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        switch rng.below(depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(rng.below(2) == 0)
        case 2: return .number(JSONNumber(literal: Self.literals[rng.below(Self.literals.count)])!)
        case 3: return .string(Self.strings[rng.below(Self.strings.count)] + String(rng.below(100)))
        case 4: return .array((0..<rng.below(4)).map { _ in value(&rng, depth: depth + 1) })
        default:
            var members: [JSONMember] = []
            for k in 0..<rng.below(5) {
                members.append(JSONMember(key: Self.strings[rng.below(Self.strings.count)] + String(k), value: value(&rng, depth: depth + 1)))
            }
            return .object(JSONObject(members))
        }
    }

    @Test func serializeThenParseIsIdentity() throws {
        var rng = SplitMix(state: 2026)
        for _ in 0..<2_000 {
            let v = value(&rng, depth: 0)
            let text = v.serialized
            let back = try JSONValue.parse(text)
            #expect(back == v)
            #expect(back.serialized == text)
        }
    }

    @Test func mutatedDocumentsNeverCrash() {
        var rng = SplitMix(state: 7)
        var rejected = 0
        for _ in 0..<5_000 {
            var bytes = Array(value(&rng, depth: 0).serialized.utf8)
            for _ in 0..<(1 + rng.below(3)) where !bytes.isEmpty {
                let i = rng.below(bytes.count)
                switch rng.below(3) {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: i)
                default: let syntax = Array("{}[],:\"\\0-e.".utf8); bytes.insert(syntax[rng.below(syntax.count)], at: i)
                }
            }
            do {
                let v = try JSONValue.parse(bytes)
                #expect(try JSONValue.parse(v.serialized) == v)
            } catch {
                rejected += 1
                #expect(error.offset >= 0 && error.offset <= bytes.count)
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
        #expect(rejected > 1_000)
    }
}
