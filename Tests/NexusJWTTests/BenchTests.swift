// BenchTests: verifications per second on one core, per algorithm. Run in release:
//   NEXUS_BENCH=1 swift test -c release --filter NexusJWTTests.BenchTests
import FoundationEssentials
import NexusJWT
import Testing

@Suite struct BenchTests {
    /// Runs `body` for about `seconds` and returns (operations per second, microseconds per operation).
    static func rate(seconds: Double = 1.0, _ body: () throws -> Void) rethrows -> (Double, Double) {
        for _ in 0..<200 { try body() }  // warm up
        let clock = ContinuousClock()
        let start = clock.now
        var n = 0
        var elapsed = Duration.zero
        repeat {
            for _ in 0..<64 { try body() }
            n += 64
            elapsed = clock.now - start
        } while elapsed < .seconds(seconds)
        let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (Double(n) / s, s / Double(n) * 1e6)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["NEXUS_BENCH"] == "1", "set NEXUS_BENCH=1 (and use -c release)"))
    func verifySpeed() throws {
        let claims = #"{"iss":"https://issuer.example","aud":"nexus","sub":"alice","iat":1900000000,"exp":2000000000,"scope":"orders:read orders:write"}"#
        let policy = ClaimsPolicy(issuers: ["https://issuer.example"], audiences: ["nexus"])
        print("alg      full verify/s   µs/verify   signature only/s   parse only/s")
        for alg in [JWSAlgorithm.hs256, .rs256, .ps256, .es256, .es384, .edDSA] {
            let signer = TestSigner(alg)
            let keys = KeySet(keys: [try signer.verificationKey(kid: "k1")])
            let verifier = Verifier(keys: keys, policy: policy)
            let token = Array(signer.token(claims, kid: "k1", extraHeader: #""typ":"JWT""#).utf8)
            _ = try verifier.verify(token, now: 1_900_000_100)
            let (full, micros) = try Self.rate { _ = try verifier.verify(token, now: 1_900_000_100) }
            let jws = try CompactJWS(token, maxBytes: 8192)
            let (signature, _) = try Self.rate { _ = try keys.verifySignature(of: jws) }
            let (parse, _) = try Self.rate(seconds: 0.5) { _ = try CompactJWS(token, maxBytes: 8192) }
            func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
            print(pad(alg.rawValue, 9) + pad(String(Int(full)), 16) + pad(String(Double(Int(micros * 10)) / 10), 12)
                  + pad(String(Int(signature)), 19) + String(Int(parse)))
        }
    }
}
