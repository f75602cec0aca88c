// RejectionTests: every way a token must fail, and the claims checks.
import NexusCrypto
import NexusJWT
import Testing

/// `token` with one bit of its signature flipped (re-encoded canonically).
func flipBit(in token: String) -> String {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    var sig = Base64URL.decode(parts[2])!
    sig[sig.count / 2] ^= 0x01
    return parts[0] + "." + parts[1] + "." + Base64URL.encode(sig)
}

@Suite struct RejectionTests {
    let before2011 = RFC7515.exp - 100
    let secret = Array("a secret of at least thirty-two bytes, for HS256".utf8)
    let now = 1_800_000_000

    func verifier(_ policy: ClaimsPolicy = ClaimsPolicy()) throws -> Verifier {
        Verifier(keys: KeySet(keys: [try VerificationKey(hmacSecret: secret)]), policy: policy)
    }

    func token(_ claims: String, header: String = #"{"alg":"HS256","typ":"JWT"}"#) -> String {
        hs256Token(header: header, claims: claims, secret: secret)
    }

    @Test func flippedBitInEachVector() throws {
        let a1 = try KeySet(jwks: jwks(RFC7515.a1Key)), a2 = try KeySet(jwks: jwks(RFC7515.a2Key)), a3 = try KeySet(jwks: jwks(RFC7515.a3Key))
        for (token, keys) in [(RFC7515.a1Token, a1), (RFC7515.a2Token, a2), (RFC7515.a3Token, a3)] {
            #expect(throws: JWTError.badSignature) {
                try Verifier(keys: keys, policy: ClaimsPolicy()).verify(flipBit(in: token), now: before2011)
            }
        }
        // A flipped bit in the claims part.
        var bytes = Array(RFC7515.a2Token.utf8)
        bytes[40] = bytes[40] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: JWTError.badSignature) { try Verifier(keys: a2, policy: ClaimsPolicy()).verify(bytes, now: before2011) }
    }

    /// The classic confusion: an HS256 token whose HMAC key is the RSA public key's PEM, presented to a verifier
    /// that holds that RSA key. An RSA key is never an HMAC secret, so there is no key for it.
    @Test func hs256SignedWithTheRSAPublicKeyIsRejected() throws {
        let pem = Array(RFC7515.a2PEM.utf8)
        let forged = hs256Token(header: #"{"alg":"HS256"}"#, claims: #"{"iss":"joe","exp":1300819380}"#, secret: pem)
        for keys in [KeySet(keys: [try VerificationKey(pem: pem)]), try KeySet(jwks: jwks(RFC7515.a2Key))] {
            #expect(throws: JWTError.unknownKey) { try Verifier(keys: keys, policy: ClaimsPolicy()).verify(forged, now: before2011) }
        }
        // The forgery itself is well made: with those bytes configured as an HMAC secret it would pass.
        let asSecret = KeySet(keys: [try VerificationKey(hmacSecret: pem)])
        #expect(try Verifier(keys: asSecret, policy: ClaimsPolicy()).verify(forged, now: before2011).claims.issuer == "joe")
        // And an RSA key never allows HS*, nor an HMAC key RS*.
        #expect(!(try VerificationKey(pem: pem)).allows(.hs256))
        #expect(!(try VerificationKey(hmacSecret: pem)).allows(.rs256))
    }

    @Test func keyTypeAndCurveMustFitTheAlgorithm() throws {
        // The RS256 vector against the same RSA key restricted to PS256.
        let ps = #"{"kty":"RSA","alg":"PS256","n":"# + RFC7515.a2Key.split(separator: "\"n\":")[1]
        #expect(throws: JWTError.unknownKey) {
            try Verifier(keys: try KeySet(jwks: jwks(ps)), policy: ClaimsPolicy()).verify(RFC7515.a2Token, now: before2011)
        }
        // The ES256 vector against a P-521 key set: no P-256 key.
        #expect(throws: JWTError.unknownKey) {
            try Verifier(keys: try KeySet(jwks: jwks(RFC7515.a4Key)), policy: ClaimsPolicy()).verify(RFC7515.a3Token, now: before2011)
        }
        // An ES384 header on an ES256 signature: the P-256 key does not allow ES384.
        let relabelled = "eyJhbGciOiJFUzM4NCJ9." + RFC7515.a3Token.split(separator: ".", maxSplits: 1)[1]
        #expect(throws: JWTError.unknownKey) {
            try Verifier(keys: try KeySet(jwks: jwks(RFC7515.a3Key)), policy: ClaimsPolicy()).verify(relabelled, now: before2011)
        }
    }

    @Test func unknownKid() throws {
        let keys = KeySet(keys: [try VerificationKey(hmacSecret: secret, kid: "one")])
        let t = token(#"{"exp":1800000100}"#, header: #"{"alg":"HS256","kid":"two"}"#)
        #expect(throws: JWTError.unknownKey) { try Verifier(keys: keys, policy: ClaimsPolicy()).verify(t, now: now) }
        let good = token(#"{"exp":1800000100}"#, header: #"{"alg":"HS256","kid":"one"}"#)
        #expect(try Verifier(keys: keys, policy: ClaimsPolicy()).verify(good, now: now).keyID == "one")
    }

    @Test func malformedBase64() throws {
        let good = token(#"{"exp":1800000100}"#)
        _ = try verifier().verify(good, now: now)
        let parts = good.split(separator: ".").map(String.init)
        let (h, c, sig): (String, String, String) = (parts[0], parts[1], parts[2])
        let plus = String(c.map { $0 == "e" ? "+" : $0 })
        var bad: [String] = []
        bad.append(h + "=." + c + "." + sig)  // padding
        bad.append(h + "." + c + "." + sig + "==")  // padding on the signature
        bad.append(h + "." + plus + "." + sig)  // base64, not base64url
        bad.append(h + ". " + c + "." + sig)  // whitespace
        bad.append(h + "." + c + "." + String(sig.dropLast()) + "x")  // non-canonical trailing bits
        bad.append(h + "." + c + "." + sig + "AA")  // length 1 mod 4
        for t in bad {
            #expect(throws: JWTError.malformed(.base64)) { try verifier().verify(t, now: now) }
        }
        #expect(throws: JWTError.malformed(.header)) {
            try verifier().verify(Base64URL.encode(Array("[1]".utf8)) + "." + parts[1] + "." + parts[2], now: now)
        }
        #expect(throws: JWTError.malformed(.claims)) {
            try verifier().verify(token("[1]"), now: now)
        }
    }

    @Test func wrongNumberOfParts() throws {
        let good = token(#"{"exp":1800000100}"#)
        let parts = good.split(separator: ".").map(String.init)
        for t in ["", ".", "..", parts[0], parts[0] + "." + parts[1], good + ".", good + "." + parts[2],
                  "." + parts[1] + "." + parts[2], parts[0] + ".." + parts[2], parts[0] + "." + parts[1] + "."] {
            #expect(throws: JWTError.malformed(.parts)) { try verifier().verify(t, now: now) }
        }
    }

    @Test func critIsRefused() throws {
        for crit in [#""crit":["exp"],"exp":1"#, #""crit":[]"#, #""crit":null"#, #""b64":false,"crit":["b64"]"#] {
            let t = token(#"{"exp":1800000100}"#, header: "{\"alg\":\"HS256\",\(crit)}")
            #expect(throws: JWTError.criticalHeader) { try verifier().verify(t, now: now) }
        }
    }

    @Test func sizeLimitAndAlgorithmAllowList() throws {
        let t = token(#"{"exp":1800000100}"#)
        #expect(throws: JWTError.tooLarge) { try verifier(ClaimsPolicy(maxTokenBytes: t.utf8.count - 1)).verify(t, now: now) }
        _ = try verifier(ClaimsPolicy(maxTokenBytes: t.utf8.count)).verify(t, now: now)
        #expect(throws: JWTError.unsupportedAlgorithm) { try verifier(ClaimsPolicy(algorithms: [.rs256, .es256])).verify(t, now: now) }
        for alg in ["RS1", "HS1", "hs256", "ES256K", ""] {
            let odd = token(#"{"exp":1800000100}"#, header: "{\"alg\":\"\(alg)\"}")
            #expect(throws: JWTError.unsupportedAlgorithm) { try verifier().verify(odd, now: now) }
        }
    }

    @Test func typ() throws {
        let policy = ClaimsPolicy(requiredType: "at+jwt")
        #expect(throws: JWTError.wrongType) { try verifier(policy).verify(token(#"{"exp":1800000100}"#), now: now) }
        for typ in ["at+jwt", "AT+JWT", "application/at+jwt"] {
            _ = try verifier(policy).verify(token(#"{"exp":1800000100}"#, header: "{\"alg\":\"HS256\",\"typ\":\"\(typ)\"}"), now: now)
        }
    }

    @Test func expiryNotBeforeAndIssuedAt() throws {
        let v = try verifier(ClaimsPolicy(leeway: 30))
        #expect(throws: JWTError.expired) { try v.verify(token(#"{"exp":1799999970}"#), now: now) }
        _ = try v.verify(token(#"{"exp":1799999971}"#), now: now)  // within the leeway
        #expect(throws: JWTError.expired) { try v.verify(token(#"{"exp":1700000000.5}"#), now: now) }
        #expect(throws: JWTError.notYetValid) { try v.verify(token(#"{"exp":1800001000,"nbf":1800000031}"#), now: now) }
        _ = try v.verify(token(#"{"exp":1800001000,"nbf":1800000030}"#), now: now)
        #expect(throws: JWTError.badIssuedAt) { try v.verify(token(#"{"exp":1800001000,"iat":1800000031}"#), now: now) }
        #expect(throws: JWTError.missingClaim("exp")) { try v.verify(token(#"{"sub":"x"}"#), now: now) }
        _ = try verifier(ClaimsPolicy(requireExpiration: false)).verify(token(#"{"sub":"x"}"#), now: now)
        #expect(throws: JWTError.invalidClaim("exp")) { try v.verify(token(#"{"exp":"1800001000"}"#), now: now) }
        let aged = try verifier(ClaimsPolicy(leeway: 0, maxAge: 300))
        _ = try aged.verify(token(#"{"exp":1800001000,"iat":1799999700}"#), now: now)
        #expect(throws: JWTError.badIssuedAt) { try aged.verify(token(#"{"exp":1800001000,"iat":1799999699}"#), now: now) }
        #expect(throws: JWTError.missingClaim("iat")) { try aged.verify(token(#"{"exp":1800001000}"#), now: now) }
    }

    @Test func issuerAndAudience() throws {
        let v = try verifier(ClaimsPolicy(issuers: ["https://a.example", "https://b.example"], audiences: ["api", "nexus"]))
        _ = try v.verify(token(#"{"exp":1800001000,"iss":"https://b.example","aud":"nexus"}"#), now: now)
        _ = try v.verify(token(#"{"exp":1800001000,"iss":"https://a.example","aud":["other","api"]}"#), now: now)
        #expect(throws: JWTError.wrongIssuer) { try v.verify(token(#"{"exp":1800001000,"iss":"https://a.example/","aud":"api"}"#), now: now) }
        #expect(throws: JWTError.missingClaim("iss")) { try v.verify(token(#"{"exp":1800001000,"aud":"api"}"#), now: now) }
        #expect(throws: JWTError.wrongAudience) { try v.verify(token(#"{"exp":1800001000,"iss":"https://a.example","aud":"API"}"#), now: now) }
        #expect(throws: JWTError.wrongAudience) { try v.verify(token(#"{"exp":1800001000,"iss":"https://a.example","aud":[]}"#), now: now) }
        #expect(throws: JWTError.missingClaim("aud")) { try v.verify(token(#"{"exp":1800001000,"iss":"https://a.example"}"#), now: now) }
        #expect(throws: JWTError.invalidClaim("aud")) { try v.verify(token(#"{"exp":1800001000,"iss":"https://a.example","aud":["api",1]}"#), now: now) }
        #expect(throws: JWTError.invalidClaim("iss")) { try v.verify(token(#"{"exp":1800001000,"iss":1,"aud":"api"}"#), now: now) }
    }

    @Test func requiredClaimsConsumerAndScopes() throws {
        let policy = ClaimsPolicy(requiredClaims: ["client_id"], consumerClaim: "client_id", scopeClaims: ["scp", "scope"])
        let v = try verifier(policy)
        let t = try v.verify(token(#"{"exp":1800001000,"client_id":"billing","scp":["orders:read","orders:write"],"scope":"x"}"#), now: now)
        #expect(t.consumer == "billing")
        #expect(t.scopes == ["orders:read", "orders:write"])
        #expect(try v.verify(token(#"{"exp":1800001000,"client_id":"b","scope":"  a  b "}"#), now: now).scopes == ["a", "b"])
        #expect(throws: JWTError.missingClaim("client_id")) { try v.verify(token(#"{"exp":1800001000}"#), now: now) }
        #expect(throws: JWTError.missingClaim("client_id")) { try v.verify(token(#"{"exp":1800001000,"client_id":null}"#), now: now) }
        #expect(throws: JWTError.invalidClaim("scp")) { try v.verify(token(#"{"exp":1800001000,"client_id":"b","scp":7}"#), now: now) }
    }

    @Test func wwwAuthenticate() {
        #expect(JWTError.expired.wwwAuthenticate() == #"Bearer error="invalid_token", error_description="token expired""#)
        #expect(JWTError.missingClaim("client_id").wwwAuthenticate(realm: "a \"b\"\\c\n")
            == #"Bearer realm="a bc", error="invalid_token", error_description="missing claim client_id""#)
    }

    /// Error descriptions are fixed text: nothing of the token reaches a client or a log.
    @Test func errorsNeverEchoTheToken() throws {
        let marker = "SECRETMARKER"
        let samples = [
            marker, marker + "." + marker + "." + marker,
            token("{\"exp\":1,\"sub\":\"\(marker)\"}"),
            token("{\"exp\":1800001000}", header: "{\"alg\":\"\(marker)\"}"),
            token("{\"exp\":1}", header: "{\"alg\":\"HS256\",\"kid\":\"\(marker)\"}"),
        ]
        let encodedMarker = Base64URL.encode(Array(marker.utf8))
        let kidVerifier = Verifier(keys: KeySet(keys: [try VerificationKey(hmacSecret: secret, kid: "k")]), policy: ClaimsPolicy())
        for t in samples {
            for v in [try verifier(), kidVerifier] {
                do {
                    _ = try v.verify(t, now: now)
                    Issue.record("accepted")
                } catch {
                    #expect(!error.description.contains(marker))
                    #expect(!error.description.contains(encodedMarker.prefix(8)))
                    #expect(error.oauthErrorCode == "invalid_token")
                }
            }
        }
    }
}
