// TestSigner: signs tokens with fresh OpenSSL keys, for round trips over every algorithm and for claims tests.
import CNexusJWT
import COpenSSL
import NexusCrypto
import NexusJWT

/// A fresh key of the family `alg` needs, and the signing side of JWS (which NexusJWT itself does not have).
final class TestSigner {
    let alg: JWSAlgorithm
    let secret: [UInt8]
    private let pkey: OpaquePointer?

    init(_ alg: JWSAlgorithm, secret: [UInt8] = SecureRandom.bytes(64), ed448: Bool = false) {
        self.alg = alg
        self.secret = secret
        switch alg {
        case .hs256, .hs384, .hs512: pkey = nil
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: pkey = Self.generate("RSA") { EVP_PKEY_CTX_set_rsa_keygen_bits($0, 2048) }
        case .es256: pkey = Self.generate("EC") { EVP_PKEY_CTX_set_group_name($0, "prime256v1") }
        case .es384: pkey = Self.generate("EC") { EVP_PKEY_CTX_set_group_name($0, "secp384r1") }
        case .es512: pkey = Self.generate("EC") { EVP_PKEY_CTX_set_group_name($0, "secp521r1") }
        case .edDSA: pkey = Self.generate(ed448 ? "ED448" : "ED25519") { _ in 1 }
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    private static func generate(_ type: String, _ setup: (OpaquePointer) -> Int32) -> OpaquePointer {
        let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil)!
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        precondition(EVP_PKEY_keygen_init(ctx) == 1 && setup(ctx) == 1 && EVP_PKEY_keygen(ctx, &key) == 1)
        return key!
    }

    /// The verification key: the secret, or the public key through PEM (which tests the PEM loader too).
    func verificationKey(kid: String? = nil, algorithm: JWSAlgorithm? = nil) throws -> VerificationKey {
        guard let pkey else { return try VerificationKey(hmacSecret: secret, kid: kid, algorithm: algorithm) }
        return try VerificationKey(pem: publicPEM(pkey), kid: kid, algorithm: algorithm)
    }

    func publicPEM(_ key: OpaquePointer) -> [UInt8] {
        let bio = BIO_new(BIO_s_mem())!
        defer { BIO_free(bio) }
        precondition(PEM_write_bio_PUBKEY(bio, key) == 1)
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
            if n <= 0 { break }
            out += chunk[..<Int(n)]
        }
        return out
    }

    /// A compact JWS of `claims` (JSON text) with `alg` and the extra header members given as JSON text.
    func token(_ claims: String, kid: String? = nil, extraHeader: String = "", headerAlg: String? = nil) -> String {
        var header = "{\"alg\":\"\(headerAlg ?? alg.rawValue)\""
        if let kid { header += ",\"kid\":\"\(kid)\"" }
        if !extraHeader.isEmpty { header += "," + extraHeader }
        header += "}"
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        return input + "." + Base64URL.encode(sign(Array(input.utf8)))
    }

    func sign(_ input: [UInt8]) -> [UInt8] {
        let md: OpaquePointer? = switch alg {
        case .hs256, .rs256, .ps256, .es256: EVP_sha256()
        case .hs384, .rs384, .ps384, .es384: EVP_sha384()
        case .hs512, .rs512, .ps512, .es512: EVP_sha512()
        case .edDSA: nil
        }
        guard let pkey else { return Self.hmac(md!, key: secret, input) }
        let ctx = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer?
        precondition(EVP_DigestSignInit(ctx, &pctx, md, nil, pkey) == 1)
        if [.ps256, .ps384, .ps512].contains(alg) {
            precondition(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1)
            precondition(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1) == 1)  // RSA_PSS_SALTLEN_DIGEST
            precondition(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1)
        }
        var length = 0
        precondition(EVP_DigestSign(ctx, nil, &length, input, input.count) == 1)
        var sig = [UInt8](repeating: 0, count: length)
        precondition(EVP_DigestSign(ctx, &sig, &length, input, input.count) == 1)
        sig.removeLast(sig.count - length)
        switch alg {
        case .es256: return Self.rawECDSA(sig, 32)
        case .es384: return Self.rawECDSA(sig, 48)
        case .es512: return Self.rawECDSA(sig, 66)
        default: return sig
        }
    }

    static func hmac(_ md: OpaquePointer, key: [UInt8], _ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        precondition(HMAC(md, key, Int32(key.count), input, input.count, &out, &length) != nil)
        return Array(out[..<Int(length)])
    }

    /// DER ECDSA-Sig-Value to the JWS form r || s.
    static func rawECDSA(_ der: [UInt8], _ n: Int) -> [UInt8] {
        let sig = der.withUnsafeBufferPointer { b -> OpaquePointer? in
            var p = b.baseAddress
            return d2i_ECDSA_SIG(nil, &p, b.count)
        }!
        defer { ECDSA_SIG_free(sig) }
        var out = [UInt8](repeating: 0, count: 2 * n)
        out.withUnsafeMutableBufferPointer { b in
            _ = BN_bn2binpad(ECDSA_SIG_get0_r(sig), b.baseAddress, Int32(n))
            _ = BN_bn2binpad(ECDSA_SIG_get0_s(sig), b.baseAddress! + n, Int32(n))
        }
        return out
    }
}

/// A JWT signed with HMAC-SHA256 under `secret`, for tests that build headers by hand.
func hs256Token(header: String, claims: String, secret: [UInt8]) -> String {
    let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
    return input + "." + Base64URL.encode(TestSigner.hmac(EVP_sha256(), key: secret, Array(input.utf8)))
}
