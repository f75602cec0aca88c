// ConcurrencyTests: one KeySet (and its OpenSSL keys) shared by several threads at once, as the event loops will.
import NexusJWT
import Testing

@Suite struct ConcurrencyTests {
    @Test func oneKeySetManyThreads() async throws {
        var keys: [VerificationKey] = []
        var tokens: [(String, JWSAlgorithm)] = []
        for (i, alg) in [JWSAlgorithm.hs256, .rs256, .ps256, .es256, .edDSA].enumerated() {
            let signer = TestSigner(alg)
            keys.append(try signer.verificationKey(kid: "k\(i)"))
            tokens.append((signer.token(#"{"sub":"s","exp":2000000000}"#, kid: "k\(i)"), alg))
        }
        let verifier = Verifier(keys: KeySet(keys: keys), policy: ClaimsPolicy())
        let all = tokens
        let bad = flipBit(in: tokens[3].0)
        let failures = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var failures = 0
                    for round in 0..<100 {
                        let (token, alg) = all[round % all.count]
                        if (try? verifier.verify(token, now: 1_900_000_000))?.algorithm != alg { failures += 1 }
                        if (try? verifier.verify(bad, now: 1_900_000_000)) != nil { failures += 1 }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
