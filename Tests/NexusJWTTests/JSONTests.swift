// JSONTests: the strict JSON parser behind headers, claims and JWK Sets.
import NexusJWT
import Testing

@Suite struct JSONTests {
    func parse(_ text: String) -> JSONValue? { JSONValue(parsing: Array(text.utf8)) }

    @Test func values() {
        #expect(parse(#" {"a": [1, -2.5e3, 0, true, false, null, "x"], "b": {}, "c": []} "#)
            == .object(["a": .array([.number(1), .number(-2500), .number(0), .bool(true), .bool(false), .null, .string("x")]),
                        "b": .object([:]), "c": .array([])]))
        #expect(parse("1300819380") == .number(1_300_819_380))
        #expect(parse("9007199254740993")?.numberValue == 9_007_199_254_740_992)  // beyond 2^53: the nearest Double
        #expect(parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(parse(#""\u00e9\u20AC\ud83d\ude00 é""#) == .string("é€😀 é"))
        #expect(parse("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}") == .object(["typ": .string("JWT"), "alg": .string("HS256")]))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "01", "-", "1.", ".5", "1e", "+1",
        "NaN", "Infinity", "1e999", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
        "\"\\ud800\\u0041\"", "\"a\u{1}b\"", "\"tab\tin\"", "{\"a\":1,\"a\":2}", "{\"a\":1} x", "[1] [2]",
        String(repeating: "[", count: 33) + String(repeating: "]", count: 33),
    ])
    func refused(_ text: String) {
        #expect(parse(text) == nil)
    }

    @Test func invalidUTF8AndDepth() {
        #expect(JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) == nil)  // a broken two-byte sequence
        #expect(JSONValue(parsing: [0x22, 0xED, 0xA0, 0x80, 0x22]) == nil)  // an encoded surrogate
        #expect(parse(String(repeating: "[", count: 32) + String(repeating: "]", count: 32)) != nil)
    }

    /// Duplicate claims are refused as malformed: no doubt about which `exp` or `aud` counts.
    @Test func duplicateClaimsAreRefused() throws {
        let secret = Array("a secret of at least thirty-two bytes, for HS256".utf8)
        let verifier = Verifier(keys: KeySet(keys: [try VerificationKey(hmacSecret: secret)]), policy: ClaimsPolicy())
        let t = hs256Token(header: #"{"alg":"HS256"}"#, claims: #"{"exp":1,"exp":2000000000}"#, secret: secret)
        #expect(throws: JWTError.malformed(.claims)) { try verifier.verify(t, now: 1_900_000_000) }
        let h = hs256Token(header: #"{"alg":"none","alg":"HS256"}"#, claims: #"{"exp":2000000000}"#, secret: secret)
        #expect(throws: JWTError.malformed(.header)) { try verifier.verify(h, now: 1_900_000_000) }
    }
}
