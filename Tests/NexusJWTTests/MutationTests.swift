// MutationTests: every one-byte change of a valid token is refused, and random bytes never crash the parsers.
import NexusJWT
import Testing

/// A small deterministic PRNG (SplitMix64), so that a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct MutationTests {
    /// Canonical base64url gives every byte string one spelling, so any changed byte either breaks the encoding or
    /// changes the signed bytes: no single-byte change of a valid token may verify.
    @Test func everyOneByteChangeIsRefused() throws {
        let before2011 = RFC7515.exp - 100
        let cases = [(RFC7515.a1Token, RFC7515.a1Key), (RFC7515.a2Token, RFC7515.a2Key), (RFC7515.a3Token, RFC7515.a3Key)]
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ".utf8) + [0, 0xFF]
        var rng = SplitMix64(state: 7515)
        var checked = 0
        for (token, key) in cases {
            let verifier = Verifier(keys: try KeySet(jwks: jwks(key)), policy: ClaimsPolicy())
            let bytes = Array(token.utf8)
            _ = try verifier.verify(bytes, now: before2011)
            for position in bytes.indices {
                for _ in 0..<3 {
                    var mutated = bytes
                    let replacement = alphabet.randomElement(using: &rng)!
                    if replacement == mutated[position] { continue }
                    mutated[position] = replacement
                    #expect(throws: JWTError.self) { try verifier.verify(mutated, now: before2011) }
                    checked += 1
                }
            }
            // Truncations and extensions too.
            for cut in stride(from: 0, to: bytes.count, by: 7) {
                #expect(throws: JWTError.self) { try verifier.verify(Array(bytes[..<cut]), now: before2011) }
            }
            #expect(throws: JWTError.self) { try verifier.verify(bytes + Array("A".utf8), now: before2011) }
        }
        #expect(checked > 1000)
    }

    @Test func randomBytesNeverCrashTheParsers() {
        var rng = SplitMix64(state: 8259)
        let pieces = Array("{}[]\":,.\\u0041 -+e1.5truefalsenull\u{7F}".utf8) + [0x80, 0xC3, 0xED, 0xF0]
        for _ in 0..<20_000 {
            let n = Int.random(in: 0..<40, using: &rng)
            let bytes = (0..<n).map { _ in pieces.randomElement(using: &rng)! }
            _ = JSONValue(parsing: bytes)
            _ = try? CompactJWS(bytes, maxBytes: 8192)
        }
    }
}
