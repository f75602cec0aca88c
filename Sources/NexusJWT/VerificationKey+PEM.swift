// VerificationKey+PEM: keys from a PEM public key (SubjectPublicKeyInfo) or an X.509 certificate.
import CNexusJWT
import COpenSSL

extension VerificationKey {
    /// A key from PEM text: `-----BEGIN PUBLIC KEY-----` (RSA, EC P-256/384/521, Ed25519, Ed448) or
    /// `-----BEGIN CERTIFICATE-----` (its subject public key; the certificate itself is not validated).
    public convenience init(pem: [UInt8], kid: String? = nil, algorithm: JWSAlgorithm? = nil) throws(KeyError) {
        let isCertificate = pem.firstRange(of: Array("-----BEGIN CERTIFICATE-----".utf8)) != nil
        // SAFETY: the memory BIO reads `pem` in place and is freed before the buffer is released.
        let pkey: OpaquePointer? = pem.withUnsafeBytes { buffer -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            if isCertificate {
                guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
                defer { X509_free(x509) }
                return X509_get_pubkey(x509)  // a new reference, ours to free
            }
            return PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        guard let pkey else {
            ERR_clear_error()
            throw .unreadablePEM
        }
        try self.init(material: Self.classify(taking: pkey), kid: kid, algorithm: algorithm)
    }

    /// The material of an OpenSSL public key, which it takes ownership of (and frees if it is refused).
    static func classify(taking pkey: OpaquePointer) throws(KeyError) -> Material {
        let key = PublicKey(taking: pkey)
        let type = EVP_PKEY_get_base_id(pkey)
        switch type {
        case cnexus_jwt_pkey_rsa():
            let bits = Int(EVP_PKEY_get_bits(pkey))
            if bits < 2048 { throw .rsaKeyTooSmall }
            return .rsa(key, bits: bits)
        case cnexus_jwt_pkey_ec():
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 else {
                ERR_clear_error()
                throw .unsupportedKeyType
            }
            let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let curve = [ECCurve.p256, .p384, .p521].first(where: { $0.openSSLName == group }) else {
                throw .unsupportedKeyType
            }
            return .ec(key, curve)
        case cnexus_jwt_pkey_ed25519():
            return .ed(key, .ed25519)
        case cnexus_jwt_pkey_ed448():
            return .ed(key, .ed448)
        default:
            throw .unsupportedKeyType  // DSA, RSA-PSS-restricted keys, X25519, ...
        }
    }
}
