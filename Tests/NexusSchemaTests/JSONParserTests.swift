import Testing
@testable import NexusSchema

private func reason(_ text: String, limits: JSONParser.Limits = .init()) -> JSONParseError.Reason? {
    reason(Array(text.utf8), limits: limits)
}

private func reason(_ bytes: [UInt8], limits: JSONParser.Limits = .init()) -> JSONParseError.Reason? {
    do {
        _ = try JSONParser(limits: limits).parse(bytes)
        return nil
    } catch {
        return error.reason
    }
}

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValueAndKeepsKeyOrder() throws {
        let value = try JSONValue.parse(#" { "z": 1, "a": [true, false, null, -0.5e+2, "x"], "m": {} } "#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.members.map(\.key) == ["z", "a", "m"])
        #expect(value["a"]?[3] == .number(JSONNumber(literal: "-50")!))
        #expect(value.serialized == #"{"z":1,"a":[true,false,null,-0.5e+2,"x"],"m":{}}"#)
    }

    @Test func keepsNumberLiteralsAndTellsIntegers() throws {
        for (text, integer) in [("1", true), ("1.0", true), ("1e2", true), ("1.5e1", true), ("-0", true), ("1.5", false),
                                ("1e-1", false), ("10e-1", true), ("0.0", true), ("123456789012345678901234567890", true)] {
            guard case .number(let n) = try JSONValue.parse(text) else { Issue.record("\(text)"); continue }
            #expect(n.literal == text)
            #expect(n.isInteger == integer, "\(text)")
        }
    }

    @Test func bigNumbersStayExact() throws {
        guard case .number(let big) = try JSONValue.parse("123456789012345678901234567890"),
              case .number(let bigger) = try JSONValue.parse("123456789012345678901234567891"),
              case .number(let huge) = try JSONValue.parse("1e400") else { Issue.record("numbers"); return }
        #expect(big.double == bigger.double)  // the same Double...
        #expect(big.compare(bigger) == -1)  // ...but not the same number
        #expect(huge.double == .infinity)
        #expect(huge.isInteger)
        #expect(huge.compare(JSONNumber(literal: "1e399")!) == 1)
        #expect(JSONNumber(literal: "0.3")!.isMultiple(of: JSONNumber(literal: "0.1")!))
        #expect(!JSONNumber(literal: "0.35")!.isMultiple(of: JSONNumber(literal: "0.1")!))
        #expect(JSONNumber(literal: "1e30")!.isMultiple(of: JSONNumber(literal: "7e-3")!) == false)
        #expect(JSONNumber(literal: "7e30")!.isMultiple(of: JSONNumber(literal: "7e-3")!))
    }

    @Test func rejectsTrailingCommas() {
        #expect(reason("[1,2,]") == .trailingComma)
        #expect(reason(#"{"a":1,}"#) == .trailingComma)
    }

    @Test func rejectsCommentsAndNonJSONWords() {
        #expect(reason("[1 /* c */]") == .unexpectedByte(UInt8(ascii: "/")))
        #expect(reason("// c\n1") == .unexpectedByte(UInt8(ascii: "/")))
        #expect(reason("NaN") == .unexpectedByte(UInt8(ascii: "N")))
        #expect(reason("'a'") == .unexpectedByte(UInt8(ascii: "'")))
        #expect(reason("tru") == .unexpectedEnd)
        #expect(reason("1 2") == .trailingContent)
        #expect(reason([0xEF, 0xBB, 0xBF, 0x31]) == .unexpectedByte(0xEF))
    }

    @Test func rejectsMalformedNumbers() {
        #expect(reason("01") == .leadingZero)
        #expect(reason("-01") == .leadingZero)
        #expect(reason("1.") == .unexpectedEnd)
        #expect(reason("1.e5") == .invalidNumber)
        #expect(reason(".5") == .unexpectedByte(UInt8(ascii: ".")))
        #expect(reason("+1") == .unexpectedByte(UInt8(ascii: "+")))
        #expect(reason("1e") == .unexpectedEnd)
        #expect(reason("0x10") == .invalidNumber)
        #expect(reason("[1.2.3]") == .invalidNumber)
    }

    @Test func rejectsBadStrings() {
        #expect(reason(#""\ud800""#) == .loneSurrogate)
        #expect(reason(#""\udc00x""#) == .loneSurrogate)
        #expect(reason(#""\ud800\u0041""#) == .loneSurrogate)
        #expect(reason(#""\x""#) == .invalidEscape)
        #expect(reason(#""\u12G4""#) == .invalidEscape)
        #expect(reason("\"a\tb\"") == .controlCharacterInString)
        #expect(reason("\"a\nb\"") == .controlCharacterInString)
        #expect(reason(#""abc"#) == .unexpectedEnd)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00 \u00e9\n\/\"""#) == .string("😀 é\n/\""))
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC0, 0x80, 0x22],  // overlong NUL
                               [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong
                               [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
                               [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // past U+10FFFF
                               [0x22, 0x80, 0x22],  // lone continuation
                               [0x22, 0xC3, 0x22],  // truncated
                               [0x22, 0xFF, 0x22]] {
            #expect(reason(bytes) == .invalidUTF8, "\(bytes)")
        }
        #expect(reason([0x22, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0x22]) == nil)
    }

    @Test func rejectsDuplicateKeysSmallAndLarge() {
        #expect(reason(#"{"a":1,"b":2,"a":3}"#) == .duplicateKey("a"))
        let many = (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(reason("{\(many),\"k7\":0}") == .duplicateKey("k7"))
        #expect(reason("{\(many)}") == nil)
        // Escapes are decoded before the comparison.
        #expect(reason(#"{"a":1,"\u0061":2}"#) == .duplicateKey("a"))
    }

    @Test func refusesDeepNestingAndLargeDocuments() {
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(reason(deep) == .tooDeep(limit: 128))
        let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(reason(ok) == nil)
        let deepObjects = String(repeating: #"{"a":"#, count: 10) + "1" + String(repeating: "}", count: 10)
        #expect(reason(deepObjects, limits: .init(maxDepth: 9)) == .tooDeep(limit: 9))
        #expect(reason("[1,2,3]", limits: .init(maxBytes: 6)) == .tooLarge(limit: 6))
        #expect(reason(#"["abcdef"]"#, limits: .init(maxStringBytes: 5)) == .stringTooLong(limit: 5))
        #expect(reason("[1,2,3]", limits: .init(maxElements: 2)) == .tooManyElements(limit: 2))
        // A million-level document does not overflow the stack: the limit stops it first.
        #expect(reason(String(repeating: "[", count: 1_000_000)) == .tooDeep(limit: 128))
    }

    @Test func errorsCarryOffsetLineAndColumn() {
        do {
            _ = try JSONValue.parse("{\n  \"a\": 1,\n  \"b\": 01\n}")
            Issue.record("accepted")
        } catch {
            #expect(error.reason == .leadingZero)
            #expect(error.line == 3)
            #expect(error.column == 8)
            #expect(error.offset == 19)
            #expect(error.description == "3:8 (byte 19): a number may not have a leading zero")
        }
    }

    @Test func serializerEscapesAndRoundTrips() throws {
        let value: JSONValue = ["q\"\\": "a\u{1}\n\u{7f}é", "n": [1.5, nil, false]]
        let text = value.serialized
        #expect(text == #"{"q\"\\":"a\u0001\n"# + "\u{7f}é" + #"","n":[1.5,null,false]}"#)
        #expect(try JSONValue.parse(text) == value)
    }

    @Test func serializerEscapesEveryControlCharacterBetweenRuns() throws {
        var s = "start "
        for c in 0..<0x80 { s.unicodeScalars.append(Unicode.Scalar(UInt8(c))); s += "ab" }
        s += "é 世界 end"
        let text = JSONValue.string(s).serialized
        #expect(try JSONValue.parse(text) == .string(s))
        #expect(text.hasPrefix(#""start \u0000ab\u0001ab"#))
        #expect(text.contains(#"ab\bab\tab\nab\u000bab\fab\rab"#))
        #expect(text.contains(#"ab!ab\"ab#"#) && text.contains(#"ab[ab\\ab]"#))
        #expect(text.hasSuffix("\u{7f}abé 世界 end\""))
        #expect(JSONValue.string("").serialized == #""""#)
        #expect(JSONValue.string("\u{1f}").serialized == #""\u001f""#)
    }

    @Test func pointersEscapeAndResolve() throws {
        #expect(JSONPointer.make(["a/b", "m~n", "0"]) == "/a~1b/m~0n/0")
        #expect(JSONPointer.tokens("/a~1b/m~0n/0") == ["a/b", "m~n", "0"])
        #expect(JSONPointer.tokens("/a~2") == nil)
        let doc = try JSONValue.parse(#"{"a/b": [10, {"m~n": true}]}"#)
        #expect(JSONPointer.resolve("/a~1b/1/m~0n", in: doc) == .bool(true))
        #expect(JSONPointer.resolve("/a~1b/01", in: doc) == nil)
        #expect(JSONPointer.resolve("", in: doc) == doc)
    }
}
