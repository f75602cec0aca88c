// KeyTests: keys from PEM and JWK Sets, which JWKs are kept or left out, and how a key is chosen.
import NexusCrypto
import NexusJWT
import Testing

@Suite struct KeyTests {
    let before2011 = RFC7515.exp - 100

    /// A self-signed certificate for the RFC 7515 A.3 P-256 key.
    static let a3Certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBFjCBvaADAgECAgEBMAoGCCqGSM49BAMCMBUxEzARBgNVBAMMCnJmYzc1MTUt
        YTMwHhcNMjUwMTAxMDAwMDAwWhcNMzQxMjMwMDAwMDAwWjAVMRMwEQYDVQQDDApy
        ZmM3NTE1LWEzMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vu
        b9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMo
        hYjlrTAKBggqhkjOPQQDAgNIADBFAiBuVSUODuvVZ1fz/T6DWZXuSnp8MUe3TMPb
        qjaz9+xEhwIhAPXp30H/0SB9erZVchP9IpV7YK1uQN89Mg+2xnZt6YYC
        -----END CERTIFICATE-----

        """

    @Test func certificatePEM() throws {
        let key = try VerificationKey(pem: Array(Self.a3Certificate.utf8), kid: "cert")
        #expect(key.description == "EC P-256 kid=cert")
        #expect(key.allows(.es256) && !key.allows(.es384) && !key.allows(.rs256) && !key.allows(.hs256))
        let token = try Verifier(keys: KeySet(keys: [key]), policy: ClaimsPolicy()).verify(RFC7515.a3Token, now: before2011)
        #expect(token.keyID == "cert")
    }

    @Test func pemErrors() throws {
        #expect(throws: KeyError.unreadablePEM) { try VerificationKey(pem: Array("not a key".utf8)) }
        #expect(throws: KeyError.unreadablePEM) { try VerificationKey(pem: []) }
        #expect(throws: KeyError.algorithmMismatch) { try VerificationKey(pem: Array(RFC7515.a2PEM.utf8), algorithm: .es256) }
        #expect(throws: KeyError.emptySecret) { try VerificationKey(hmacSecret: []) }
        #expect(throws: KeyError.secretTooShort) { try VerificationKey(hmacSecret: Array(repeating: 7, count: 31)) }
        // A 32-byte secret is enough for HS256 but not for HS384/HS512 (RFC 7518 §3.2).
        let short = try VerificationKey(hmacSecret: Array(repeating: 7, count: 32))
        #expect(short.allows(.hs256) && !short.allows(.hs384) && !short.allows(.hs512))
        #expect(short.description == "oct")  // never the secret
    }

    @Test func ed448() throws {
        let signer = TestSigner(.edDSA, ed448: true)
        let key = try signer.verificationKey()
        #expect(key.description == "OKP Ed448")
        let token = signer.token(#"{"exp":2000000000}"#)
        _ = try Verifier(keys: KeySet(keys: [key]), policy: ClaimsPolicy()).verify(token, now: 1_900_000_000)
    }

    @Test func jwksKeepsSignatureKeysAndListsTheRest() throws {
        let n = Base64URL.decode(RFC7515.a2Key.split(separator: "\"")[7])!
        let small = Base64URL.encode(Array(n.prefix(128)))  // a 1024-bit modulus
        let badY = RFC7515.a3Key.replacing("x_FEzRu9", with: "x_FEzRu8")
        let set = try KeySet(jwks: jwks(
            RFC7515.a1Key,                                                        // 0 kept
            #"{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}"#,                 // 1 use enc
            #"{"kty":"oct","key_ops":["sign"],"k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T"}"#,  // 2 no verify
            #"{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}"#,                // 3 curve
            #"{"kty":"OKP","crv":"X25519","x":"AA"}"#,                            // 4 not a signature curve
            #"{"kty":"RSA","alg":"RSA-OAEP","n":"AQAB","e":"AQAB"}"#,            // 5 not a JWS alg
            #"{"kty":"unknown"}"#,                                                // 6 kty
            "7",                                                                  // 7 not an object
            "{\"kty\":\"RSA\",\"kid\":\"small\",\"n\":\"\(small)\",\"e\":\"AQAB\"}",  // 8 too small
            badY,                                                                 // 9 not on the curve
            #"{"kty":"oct","k":"c2hvcnQ"}"#,                                      // 10 short secret
            #"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"}"#,  // 11 no y
            #"{"kty":"RSA","alg":"ES256","n":"# + RFC7515.a2Key.split(separator: "\"n\":")[1],  // 12 alg vs kty
            RFC8037.key,                                                          // 13 kept
            #"{"kty":"EC","crv":"P-256","key_ops":["verify"],"use":"sig","kid":"a3","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#  // 14 kept
        ))
        #expect(set.keys.map(\.description) == ["oct", "OKP Ed25519", "EC P-256 kid=a3"])
        #expect(set.issues.map(\.index) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(set.issues.first { $0.index == 8 }?.description == "keys[8] (kid small): RSA key smaller than 2048 bits")
        #expect(set.issues.first { $0.index == 9 }?.reason == KeyError.invalidKey.description)
        #expect(set.issues.first { $0.index == 10 }?.reason == KeyError.secretTooShort.description)
        #expect(set.issues.first { $0.index == 11 }?.reason == KeyError.badMember("y").description)
        #expect(set.issues.first { $0.index == 12 }?.reason == KeyError.algorithmMismatch.description)
        for issue in set.issues { #expect(!issue.description.contains("AyM1")) }
        #expect(throws: KeyError.notAJWKSet) { try KeySet(jwks: Array("[]".utf8)) }
        #expect(throws: KeyError.notAJWKSet) { try KeySet(jwks: Array(#"{"keys":{}}"#.utf8)) }
        #expect(try KeySet(jwks: Array(#"{"keys":[]}"#.utf8)).keys.isEmpty)
    }

    @Test func lookupByKidAndAlgorithm() throws {
        let secretA = Array(repeating: UInt8(1), count: 32), secretB = Array(repeating: UInt8(2), count: 32)
        let a = try VerificationKey(hmacSecret: secretA, kid: "a"), b = try VerificationKey(hmacSecret: secretB, kid: "b")
        let ec = try VerificationKey(pem: Array(Self.a3Certificate.utf8))
        let set = KeySet(keys: [a, b, ec])
        #expect(set.key(forKid: "a", alg: .hs256) === a)
        #expect(set.key(forKid: "b", alg: .hs256) === b)
        #expect(set.key(forKid: "a", alg: .es256) == nil)  // kid a exists, but not for ES256
        #expect(set.key(forKid: "zz", alg: .es256) === ec)  // the only kid-less key for ES256
        #expect(set.key(forKid: nil, alg: .es256) === ec)   // the only key for ES256
        #expect(set.key(forKid: nil, alg: .hs256) == nil)   // two candidates: ambiguous
        #expect(set.key(forKid: "zz", alg: .hs256) == nil)  // no kid-less HMAC key
        #expect(set.key(forKid: nil, alg: .rs256) == nil)
        // Same kid, different families: each algorithm finds its own key.
        let rfc7520 = try KeySet(jwks: Array(RFC7520.jwks.utf8))
        #expect(rfc7520.key(forKid: "bilbo.baggins@hobbiton.example", alg: .ps256)?.description.hasPrefix("RSA-2048") == true)
        #expect(rfc7520.key(forKid: "bilbo.baggins@hobbiton.example", alg: .es512)?.description.hasPrefix("EC P-521") == true)
        #expect(rfc7520.key(forKid: "bilbo.baggins@hobbiton.example", alg: .hs256) == nil)
    }

    /// A KeySet is a value to swap: a verifier keeps the set it was built with.
    @Test func keySetsAreReplacedWhole() throws {
        let old = try KeySet(jwks: jwks(RFC7515.a1Key))
        let new = try KeySet(jwks: jwks(RFC7515.a3Key))
        let v1 = Verifier(keys: old, policy: ClaimsPolicy())
        let v2 = Verifier(keys: new, policy: ClaimsPolicy())
        _ = try v1.verify(RFC7515.a1Token, now: before2011)
        #expect(throws: JWTError.unknownKey) { try v1.verify(RFC7515.a3Token, now: before2011) }
        _ = try v2.verify(RFC7515.a3Token, now: before2011)
        #expect(throws: JWTError.unknownKey) { try v2.verify(RFC7515.a1Token, now: before2011) }
    }
}
