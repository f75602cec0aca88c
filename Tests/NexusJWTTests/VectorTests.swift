// VectorTests: the published JWS examples verify with their keys; `alg: none` never does.
import NexusJWT
import Testing

@Suite struct VectorTests {
    /// Before the RFC 7515 claims' exp.
    let before2011 = RFC7515.exp - 100

    @Test func rfc7515A1HS256() throws {
        let verifier = Verifier(keys: try KeySet(jwks: jwks(RFC7515.a1Key)), policy: ClaimsPolicy())
        let token = try verifier.verify(RFC7515.a1Token, now: before2011)
        #expect(token.algorithm == .hs256)
        #expect(token.claims.issuer == "joe")
        #expect(token.expiresAt == RFC7515.exp)
        #expect(token.rawClaims["http://example.com/is_root"] == .bool(true))
        #expect(token.consumer == nil)
        #expect(token.scopes.isEmpty)
    }

    @Test func rfc7515A2RS256FromJWKAndPEM() throws {
        for keys in [try KeySet(jwks: jwks(RFC7515.a2Key)), KeySet(keys: [try VerificationKey(pem: Array(RFC7515.a2PEM.utf8))])] {
            let token = try Verifier(keys: keys, policy: ClaimsPolicy()).verify(RFC7515.a2Token, now: before2011)
            #expect(token.algorithm == .rs256)
            #expect(token.claims.issuer == "joe")
        }
        #expect(try VerificationKey(pem: Array(RFC7515.a2PEM.utf8)).description == "RSA-2048")
    }

    @Test func rfc7515A3ES256() throws {
        let token = try Verifier(keys: try KeySet(jwks: jwks(RFC7515.a3Key)), policy: ClaimsPolicy())
            .verify(RFC7515.a3Token, now: before2011)
        #expect(token.algorithm == .es256)
        #expect(token.claims.expiresAt == RFC7515.exp)
    }

    @Test func rfc7515A4ES512() throws {
        let jws = try CompactJWS(RFC7515.a4Token, maxBytes: 8192)
        #expect(jws.algorithm == .es512)
        _ = try KeySet(jwks: jwks(RFC7515.a4Key)).verifySignature(of: jws)
        #expect(jws.payload == Array("Payload".utf8))
    }

    @Test func rfc7515A5NoneIsRejected() throws {
        let keys = try KeySet(jwks: jwks(RFC7515.a1Key, RFC7515.a2Key, RFC7515.a3Key))
        #expect(throws: JWTError.unsupportedAlgorithm) {
            try Verifier(keys: keys, policy: ClaimsPolicy()).verify(RFC7515.a5Token, now: before2011)
        }
        #expect(throws: JWTError.unsupportedAlgorithm) { try CompactJWS(RFC7515.a5Token, maxBytes: 8192) }
        // Not even with a made-up signature, nor spelled otherwise.
        for alg in ["none", "None", "NONE", "nOnE"] {
            let token = hs256Token(header: "{\"alg\":\"\(alg)\"}", claims: "{\"exp\":1300819380}", secret: Array(repeating: 1, count: 32))
            #expect(throws: JWTError.unsupportedAlgorithm) { try Verifier(keys: keys, policy: ClaimsPolicy()).verify(token, now: before2011) }
        }
    }

    @Test(arguments: [(RFC7520.s41, JWSAlgorithm.rs256), (RFC7520.s42, .ps384), (RFC7520.s43, .es512), (RFC7520.s44, .hs256)])
    func rfc7520Section4(token: String, alg: JWSAlgorithm) throws {
        let keys = try KeySet(jwks: Array(RFC7520.jwks.utf8))
        #expect(keys.keys.count == 3)
        #expect(keys.issues.count == 1)  // the encryption key (use: enc)
        let jws = try CompactJWS(token, maxBytes: 8192)
        #expect(jws.algorithm == alg)
        let key = try keys.verifySignature(of: jws)
        #expect(key.kid == jws.keyID)
        #expect(jws.payload == Array(RFC7520.payload.utf8))
    }

    @Test func rfc8037EdDSA() throws {
        let keys = try KeySet(jwks: jwks(RFC8037.key))
        let jws = try CompactJWS(RFC8037.token, maxBytes: 8192)
        #expect(jws.algorithm == .edDSA)
        #expect(try keys.verifySignature(of: jws).description == "OKP Ed25519")
        #expect(jws.payload == Array("Example of Ed25519 signing".utf8))
    }

    /// Every algorithm, signed here with a fresh OpenSSL key and verified through the full Verifier.
    @Test(arguments: JWSAlgorithm.allCases)
    func roundTrip(alg: JWSAlgorithm) throws {
        let signer = TestSigner(alg)
        let verifier = Verifier(keys: KeySet(keys: [try signer.verificationKey(kid: "k1")]), policy: ClaimsPolicy())
        let token = signer.token(#"{"sub":"alice","exp":2000000000,"scope":"read write"}"#, kid: "k1")
        let verified = try verifier.verify(token, now: 1_900_000_000)
        #expect(verified.algorithm == alg)
        #expect(verified.keyID == "k1")
        #expect(verified.consumer == "alice")
        #expect(verified.scopes == ["read", "write"])
        // One flipped bit in the signature.
        #expect(throws: JWTError.badSignature) { try verifier.verify(flipBit(in: token), now: 1_900_000_000) }
    }
}
