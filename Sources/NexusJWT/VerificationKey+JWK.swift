// VerificationKey+JWK: keys from JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037 §2).
import CNexusJWT
import COpenSSL
import NexusCrypto

extension VerificationKey {
    /// What a JWK turned into: a key, or a reason to leave it out of a set that is not an error (RFC 7517 §5:
    /// members not understood are ignored, and so are keys that are not for signatures).
    enum JWKResult {
        case key(VerificationKey)
        case skipped(String)
    }

    /// A key from the members of one JWK.
    static func fromJWK(_ jwk: [String: JSONValue]) throws(KeyError) -> JWKResult {
        guard let kty = jwk["kty"]?.stringValue else { throw .badMember("kty") }
        var kid: String?
        if let value = jwk["kid"] {
            guard let s = value.stringValue else { throw .badMember("kid") }
            kid = s
        }
        if let use = jwk["use"] {
            guard let s = use.stringValue else { throw .badMember("use") }
            if s != "sig" { return .skipped("use is not sig") }
        }
        if let ops = jwk["key_ops"] {
            guard let list = ops.arrayValue?.compactMap(\.stringValue), list.count == ops.arrayValue?.count else {
                throw .badMember("key_ops")
            }
            if !list.contains("verify") { return .skipped("key_ops lacks verify") }
        }
        var algorithm: JWSAlgorithm?
        if let value = jwk["alg"] {
            guard let s = value.stringValue else { throw .badMember("alg") }
            guard let alg = JWSAlgorithm(rawValue: s) else { return .skipped("alg is not a supported signature algorithm") }
            algorithm = alg
        }
        let material: Material
        switch kty {
        case "oct":
            let k = try bytes(jwk, "k")
            if k.isEmpty { throw .emptySecret }
            if k.count < minimumSecretBytes { throw .secretTooShort }
            material = .secret(k)
        case "RSA":
            material = try classify(taking: rsaKey(n: try bytes(jwk, "n"), e: try bytes(jwk, "e")))
        case "EC":
            guard let crv = jwk["crv"]?.stringValue else { throw .badMember("crv") }
            guard let curve = ECCurve(rawValue: crv) else { return .skipped("unsupported EC curve") }
            let x = try bytes(jwk, "x"), y = try bytes(jwk, "y")
            guard x.count == curve.coordinateBytes else { throw .badMember("x") }
            guard y.count == curve.coordinateBytes else { throw .badMember("y") }
            material = .ec(PublicKey(taking: try ecKey(curve: curve, point: [0x04] + x + y)), curve)
        case "OKP":
            guard let crv = jwk["crv"]?.stringValue else { throw .badMember("crv") }
            guard let curve = EdCurve(rawValue: crv) else { return .skipped("OKP curve is not a signature curve") }
            let x = try bytes(jwk, "x")
            guard x.count == curve.publicKeyBytes else { throw .badMember("x") }
            let type = curve == .ed25519 ? cnexus_jwt_pkey_ed25519() : cnexus_jwt_pkey_ed448()
            // SAFETY: x is borrowed for the call, which copies it.
            guard let pkey = x.withUnsafeBufferPointer({ EVP_PKEY_new_raw_public_key(type, nil, $0.baseAddress, $0.count) }) else {
                ERR_clear_error()
                throw .invalidKey
            }
            material = .ed(PublicKey(taking: pkey), curve)
        default:
            return .skipped("unsupported kty")
        }
        return .key(try VerificationKey(material: material, kid: kid, algorithm: algorithm))
    }

    /// The bytes of a base64url member (JWK values come from a trusted configuration or issuer, so padding is
    /// tolerated here, unlike in tokens).
    private static func bytes(_ jwk: [String: JSONValue], _ name: String) throws(KeyError) -> [UInt8] {
        guard let text = jwk[name]?.stringValue, let bytes = Base64URL.decode(text) else { throw .badMember(name) }
        return bytes
    }

    /// An RSA public key from its modulus and exponent (EVP_PKEY_fromdata with OSSL_PARAM_BLD).
    private static func rsaKey(n: [UInt8], e: [UInt8]) throws(KeyError) -> OpaquePointer {
        guard !n.isEmpty, !e.isEmpty else { throw .invalidKey }
        // SAFETY: BN_bin2bn copies the bytes; the BIGNUMs are freed after the key is built.
        let bn = n.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        let be = e.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        defer {
            BN_free(bn)
            BN_free(be)
        }
        guard let bn, let be else { throw .invalidKey }
        return try fromData(type: "RSA") { bld, arena in
            OSSL_PARAM_BLD_push_BN(bld, arena.cString("n"), bn) == 1 && OSSL_PARAM_BLD_push_BN(bld, arena.cString("e"), be) == 1
        }
    }

    /// An EC public key from its curve and uncompressed point; OpenSSL checks that the point is on the curve.
    private static func ecKey(curve: ECCurve, point: [UInt8]) throws(KeyError) -> OpaquePointer {
        let pkey = try fromData(type: "EC") { bld, arena in
            let pub = arena.bytes(point)
            return OSSL_PARAM_BLD_push_utf8_string(bld, arena.cString("group"), arena.cString(curve.openSSLName), 0) == 1
                && OSSL_PARAM_BLD_push_octet_string(bld, arena.cString("pub"), pub.baseAddress, pub.count) == 1
        }
        // Belt and braces: a full public-key check (on the curve, not the point at infinity, right order).
        let check = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil)
        defer { EVP_PKEY_CTX_free(check) }
        guard let check, EVP_PKEY_public_check(check) == 1 else {
            ERR_clear_error()
            EVP_PKEY_free(pkey)
            throw .invalidKey
        }
        return pkey
    }

    /// EVP_PKEY_fromdata of a public key whose parameters `push` adds to an OSSL_PARAM_BLD.
    private static func fromData(type: String, push: (OpaquePointer, ParamArena) -> Bool) throws(KeyError) -> OpaquePointer {
        guard let bld = OSSL_PARAM_BLD_new() else { throw .invalidKey }
        defer { OSSL_PARAM_BLD_free(bld) }
        // OSSL_PARAM_BLD keeps the pointers it is given (names, strings, octets) until OSSL_PARAM_BLD_to_param
        // copies them: they live in an arena that outlasts that call.
        let arena = ParamArena()
        guard push(bld, arena), let params = OSSL_PARAM_BLD_to_param(bld) else {
            ERR_clear_error()
            throw .invalidKey
        }
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw .invalidKey }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_fromdata_init(ctx) == 1,
              EVP_PKEY_fromdata(ctx, &pkey, cnexus_jwt_selection_public_key(), params) == 1,
              let pkey
        else {
            ERR_clear_error()
            throw .invalidKey
        }
        return pkey
    }
}

/// Memory for OSSL_PARAM_BLD arguments that must stay valid until OSSL_PARAM_BLD_to_param, freed with the arena.
private final class ParamArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    /// A NUL-terminated copy of `s`.
    func cString(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        allocations.append(UnsafeMutableRawPointer(p))
        return p
    }

    /// A copy of `bytes`.
    func bytes(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
        let p = malloc(max(bytes.count, 1))!
        allocations.append(p)
        // SAFETY: p has room for bytes.count bytes.
        bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return UnsafeRawBufferPointer(start: p, count: bytes.count)
    }

    deinit {
        for p in allocations { free(p) }  // all from strdup or malloc
    }
}
