// OpenSSLAlgorithms: digests and the HMAC implementation fetched once from OpenSSL's default provider.
import CNexusJWT
import COpenSSL

/// The EVP_MD and EVP_MAC objects NexusJWT uses, fetched once. OpenSSL 3 looks an algorithm up by name on every
/// implicit use (EVP_sha256() in a one-shot call); an explicit fetch kept for the process's life avoids that.
final class OpenSSLAlgorithms: @unchecked Sendable {
    // SAFETY: every pointer here is set once in init and never freed or changed; OpenSSL documents fetched
    // EVP_MD/EVP_MAC objects as safe to share between threads (their reference counts are atomic), and the C
    // strings are constant after init.
    let sha256: OpaquePointer
    let sha384: OpaquePointer
    let sha512: OpaquePointer
    let hmac: OpaquePointer
    private let digestParam: UnsafeMutablePointer<CChar>
    private let sha256Name: UnsafeMutablePointer<CChar>
    private let sha384Name: UnsafeMutablePointer<CChar>
    private let sha512Name: UnsafeMutablePointer<CChar>

    static let shared = OpenSSLAlgorithms()

    private init() {
        guard let s256 = EVP_MD_fetch(nil, "SHA256", nil), let s384 = EVP_MD_fetch(nil, "SHA384", nil),
              let s512 = EVP_MD_fetch(nil, "SHA512", nil), let mac = EVP_MAC_fetch(nil, "HMAC", nil),
              let p = strdup("digest"), let n256 = strdup("SHA256"), let n384 = strdup("SHA384"), let n512 = strdup("SHA512")
        else { preconditionFailure("OpenSSL's default provider lacks SHA-2 or HMAC") }
        (sha256, sha384, sha512, hmac) = (s256, s384, s512, mac)
        (digestParam, sha256Name, sha384Name, sha512Name) = (p, n256, n384, n512)
    }

    /// The digest for a hash size of 32, 48 or 64 bytes.
    func digest(bytes: Int) -> OpaquePointer {
        switch bytes {
        case 32: sha256
        case 48: sha384
        default: sha512
        }
    }

    /// HMAC of `input` under `key` with the SHA-2 digest of `hashBytes` bytes (EVP_MAC_init/update/final).
    func hmac(hashBytes: Int, key: [UInt8], input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let ctx = EVP_MAC_CTX_new(hmac) else { return nil }
        defer { EVP_MAC_CTX_free(ctx) }
        let name = hashBytes == 32 ? sha256Name : hashBytes == 48 ? sha384Name : sha512Name
        var params = [OSSL_PARAM_construct_utf8_string(digestParam, name, 0), OSSL_PARAM_construct_end()]
        var out = [UInt8](repeating: 0, count: hashBytes)
        var outLength = 0
        // SAFETY: the key, params, input and out buffers are borrowed only for the duration of these calls.
        let ok = key.withUnsafeBufferPointer { k in
            params.withUnsafeMutableBufferPointer { p in
                EVP_MAC_init(ctx, k.baseAddress, k.count, p.baseAddress) == 1
            }
        } && EVP_MAC_update(ctx, input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count) == 1
          && out.withUnsafeMutableBufferPointer { EVP_MAC_final(ctx, $0.baseAddress, &outLength, $0.count) } == 1
        guard ok, outLength == hashBytes else {
            ERR_clear_error()
            return nil
        }
        return out
    }
}
