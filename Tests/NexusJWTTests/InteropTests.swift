// InteropTests: tokens and keys made by PyJWT (Tests/EndToEnd/jwt_tokens.py), when a fixture folder is given:
//   python3 Tests/EndToEnd/jwt_tokens.py /tmp/jwt && NEXUS_JWT_FIXTURES=/tmp/jwt swift test --filter NexusJWTTests.InteropTests
import FoundationEssentials
import NexusJWT
import Testing

@Suite struct InteropTests {
    struct Fixture: Decodable {
        let name: String
        let expect: String
        let token: String
    }

    struct Policy: Decodable {
        let issuer: String
        let audience: String
    }

    static let folder = ProcessInfo.processInfo.environment["NEXUS_JWT_FIXTURES"]

    static func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: folder! + "/" + name)))
    }

    /// The fixture's reason names for each refusal.
    static func reason(_ error: JWTError) -> String {
        switch error {
        case .expired: "expired"
        case .notYetValid: "not_yet_valid"
        case .wrongAudience: "wrong_audience"
        case .wrongIssuer: "wrong_issuer"
        case .badSignature: "bad_signature"
        case .unsupportedAlgorithm: "unsupported_algorithm"
        case .unknownKey: "unknown_key"
        case .criticalHeader: "critical_header"
        default: error.description
        }
    }

    @Test(.enabled(if: folder != nil, "set NEXUS_JWT_FIXTURES to a folder made by Tests/EndToEnd/jwt_tokens.py"))
    func pyJWTTokensAgainstTheJWKSet() throws {
        let policy = try JSONDecoder().decode(Policy.self, from: Data(try Self.read("policy.json")))
        let fixtures = try JSONDecoder().decode([Fixture].self, from: Data(try Self.read("tokens.json")))
        let keys = try KeySet(jwks: try Self.read("jwks.json"))
        #expect(keys.keys.count == 4)
        #expect(keys.issues.isEmpty)
        let verifier = Verifier(keys: keys, policy: ClaimsPolicy(issuers: [policy.issuer], audiences: [policy.audience]))
        let now = Int(Date().timeIntervalSince1970)
        #expect(fixtures.count >= 10)
        for fixture in fixtures {
            do {
                let token = try verifier.verify(fixture.token, now: now)
                #expect(fixture.expect == "valid", "\(fixture.name) was accepted")
                #expect(token.consumer == "alice")
                #expect(token.scopes == ["orders:read", "orders:write"])
            } catch {
                #expect(Self.reason(error) == fixture.expect, "\(fixture.name)")
            }
        }
    }

    @Test(.enabled(if: folder != nil, "set NEXUS_JWT_FIXTURES to a folder made by Tests/EndToEnd/jwt_tokens.py"))
    func pyJWTTokensAgainstPEMFilesAndTheSecret() throws {
        let keys = KeySet(keys: [
            try VerificationKey(pem: try Self.read("rsa.pub.pem")),
            try VerificationKey(pem: try Self.read("ec.pub.pem")),
            try VerificationKey(pem: try Self.read("ed25519.pub.pem")),
            try VerificationKey(hmacSecret: try Self.read("hmac.secret")),
        ])
        let policy = try JSONDecoder().decode(Policy.self, from: Data(try Self.read("policy.json")))
        let verifier = Verifier(keys: keys, policy: ClaimsPolicy(issuers: [policy.issuer], audiences: [policy.audience]))
        let fixtures = try JSONDecoder().decode([Fixture].self, from: Data(try Self.read("tokens.json")))
        let now = Int(Date().timeIntervalSince1970)
        // Kid-less keys: each token's kid falls back to the one key of its algorithm's family.
        for fixture in fixtures where fixture.expect == "valid" {
            #expect(try verifier.verify(fixture.token, now: now).consumer == "alice", "\(fixture.name)")
        }
        let forged = try #require(fixtures.first { $0.name == "hs256_with_rsa_public_pem" })
        #expect(throws: JWTError.badSignature) { try verifier.verify(forged.token, now: now) }
    }
}
