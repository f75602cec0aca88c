// VerificationKey: one key that can check JWS signatures, with the algorithms it may be used for.
import CNexusJWT
import COpenSSL
import NexusCrypto

/// An OpenSSL public key (EVP_PKEY), freed with its owner.
final class PublicKey: @unchecked Sendable {
    // SAFETY: the EVP_PKEY is fully built before init and never modified afterwards; OpenSSL 3 allows one EVP_PKEY
    // to be used by several threads at once for verification (each verification has its own EVP_MD_CTX).
    let pkey: OpaquePointer

    init(taking pkey: OpaquePointer) { self.pkey = pkey }

    deinit { EVP_PKEY_free(pkey) }
}

/// A key that verifies JWS signatures: an HMAC secret, or an RSA, EC or Edwards public key.
///
/// A key is used only for the algorithms of its own family (`allows(_:)`): an HMAC secret for HS*, an RSA key for
/// RS*/PS*, a P-256 key for ES256 only, and so on; a declared `alg` (from the JWK or the configuration) narrows it
/// to that one algorithm. Immutable, so one instance is shared by every thread.
public final class VerificationKey: Sendable, CustomStringConvertible {
    enum Material: Sendable {
        case secret([UInt8])
        case rsa(PublicKey, bits: Int)
        case ec(PublicKey, ECCurve)
        case ed(PublicKey, EdCurve)
    }

    /// The key's `kid`, if it has one.
    public let kid: String?
    /// The one algorithm the key is restricted to, if declared.
    public let algorithm: JWSAlgorithm?
    let material: Material

    /// The shortest HMAC secret accepted (the HS256 minimum of RFC 7518 §3.2); HS384/HS512 need 48/64 bytes.
    public static let minimumSecretBytes = 32

    init(material: Material, kid: String?, algorithm: JWSAlgorithm?) throws(KeyError) {
        self.material = material
        self.kid = kid
        self.algorithm = algorithm
        if let algorithm, !allows(algorithm) { throw .algorithmMismatch }
    }

    /// An HMAC key for HS256/384/512 from the secret's bytes (a secret file's content, used as it is).
    public convenience init(hmacSecret: [UInt8], kid: String? = nil, algorithm: JWSAlgorithm? = nil) throws(KeyError) {
        if hmacSecret.isEmpty { throw .emptySecret }
        if hmacSecret.count < Self.minimumSecretBytes { throw .secretTooShort }
        try self.init(material: .secret(hmacSecret), kid: kid, algorithm: algorithm)
    }

    /// Whether this key may verify a token signed with `alg`.
    public func allows(_ alg: JWSAlgorithm) -> Bool {
        if let algorithm, algorithm != alg { return false }
        switch (material, alg.family) {
        case (.secret(let s), .hmac): return s.count >= alg.hashBytes  // RFC 7518 §3.2: a key at least as long as the hash
        case (.rsa, .rsa), (.rsa, .rsaPSS): return true
        case (.ec(_, let curve), .ecdsa): return curve == alg.ecCurve
        case (.ed, .edDSA): return true
        default: return false
        }
    }

    /// What kind of key this is, without any key material: `RSA-2048 kid=...`.
    public var description: String {
        let kind: String = switch material {
        case .secret: "oct"
        case .rsa(_, let bits): "RSA-\(bits)"
        case .ec(_, let curve): "EC \(curve.rawValue)"
        case .ed(_, let curve): "OKP \(curve.rawValue)"
        }
        return kind + (kid.map { " kid=\($0)" } ?? "") + (algorithm.map { " alg=\($0.rawValue)" } ?? "")
    }

    /// Whether `signature` is a valid `alg` signature of `signingInput` under this key. The caller has checked
    /// `allows(alg)`.
    func verify(signature: [UInt8], signingInput: UnsafeRawBufferPointer, alg: JWSAlgorithm) -> Bool {
        let algorithms = OpenSSLAlgorithms.shared
        switch material {
        case .secret(let secret):
            guard let mac = algorithms.hmac(hashBytes: alg.hashBytes, key: secret, input: signingInput) else { return false }
            return ConstantTime.equal(mac, signature)
        case .rsa(let key, _):
            let md = algorithms.digest(bytes: alg.hashBytes)
            return Self.digestVerify(key.pkey, md: md, pssSalt: alg.family == .rsaPSS ? alg.hashBytes : nil,
                                     signature: signature, input: signingInput)
        case .ec(let key, let curve):
            guard let der = Self.ecdsaDER(raw: signature, coordinateBytes: curve.coordinateBytes) else { return false }
            return Self.digestVerify(key.pkey, md: algorithms.digest(bytes: alg.hashBytes), pssSalt: nil,
                                     signature: der, input: signingInput)
        case .ed(let key, _):
            return Self.digestVerify(key.pkey, md: nil, pssSalt: nil, signature: signature, input: signingInput)
        }
    }

    /// EVP_DigestVerifyInit + EVP_DigestVerify (one-shot, as EdDSA requires); for RSA-PSS the salt length is the
    /// hash length and MGF1 uses the same hash (RFC 7518 §3.5).
    private static func digestVerify(_ pkey: OpaquePointer, md: OpaquePointer?, pssSalt: Int?, signature: [UInt8],
                                     input: UnsafeRawBufferPointer) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        var pctx: OpaquePointer?
        guard EVP_DigestVerifyInit(ctx, &pctx, md, nil, pkey) == 1 else {
            ERR_clear_error()
            return false
        }
        if let pssSalt {
            guard EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, Int32(pssSalt)) == 1,
                  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1
            else {
                ERR_clear_error()
                return false
            }
        }
        // SAFETY: signature and input are borrowed for the duration of the call only.
        let result = signature.withUnsafeBufferPointer { sig in
            EVP_DigestVerify(ctx, sig.baseAddress, sig.count, input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count)
        }
        if result != 1 { ERR_clear_error() }
        return result == 1
    }

    /// The DER ECDSA-Sig-Value of a JWS ECDSA signature (r || s, each exactly `coordinateBytes` long, RFC 7518
    /// §3.4), which is what OpenSSL verifies (ECDSA_SIG_set0 + i2d_ECDSA_SIG).
    static func ecdsaDER(raw: [UInt8], coordinateBytes n: Int) -> [UInt8]? {
        guard raw.count == 2 * n, let sig = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(sig) }
        // SAFETY: raw is borrowed for BN_bin2bn, which copies the bytes; n + n == raw.count.
        let (r, s) = raw.withUnsafeBufferPointer { b in
            (BN_bin2bn(b.baseAddress, Int32(n), nil), BN_bin2bn(b.baseAddress! + n, Int32(n), nil))
        }
        guard let r, let s, ECDSA_SIG_set0(sig, r, s) == 1 else {  // on success sig owns r and s
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        // SAFETY: der has exactly the length i2d_ECDSA_SIG reported; the pointer it advances is a local copy.
        let written = der.withUnsafeMutableBufferPointer { b -> Int32 in
            var p = b.baseAddress
            return i2d_ECDSA_SIG(sig, &p)
        }
        return written == length ? der : nil
    }
}
