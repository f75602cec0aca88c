import CNexusTLS
import COpenSSL
import NexusConfig

/// The steps shared by server and client contexts: a fresh SSL_CTX with the hardened options, and loading a
/// certificate chain with its key.
enum ContextBuilder {
    /// SSL_CTX_new with the options every Nexus context has (see nexus_tls_ctx_harden), TLS 1.2 to 1.3.
    static func make(server: Bool, origin: SettingOrigin, min: TLSProtocolVersion = .tls12,
                     max: TLSProtocolVersion = .tls13) throws(ConfigError) -> OpaquePointer {
        guard let ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw origin.error("cannot create a TLS context: \(OpenSSLError.drain())")
        }
        nexus_tls_ctx_harden(ctx, server ? 1 : 0)
        guard nexus_tls_ctx_set_protocols(ctx, version(min), version(max)) == 1,
              nexus_tls_ctx_set_groups(ctx, "X25519:P-256:P-384") == 1 else {
            SSL_CTX_free(ctx)
            throw origin.error("cannot set the TLS versions: \(OpenSSLError.drain())")
        }
        // A key with a passphrase is refused instead of prompting on a terminal nobody watches.
        SSL_CTX_set_default_passwd_cb(ctx) { _, _, _, _ in 0 }
        return ctx
    }

    static func version(_ v: TLSProtocolVersion) -> Int32 {
        v == .tls12 ? nexus_tls_version_1_2() : nexus_tls_version_1_3()
    }

    /// Loads a PEM chain (leaf first) and its key into `ctx`, checking the key file's permissions and that the
    /// key matches. Returns a warning for a certificate that is expired or not yet valid.
    static func loadCertificate(_ ctx: OpaquePointer, chain: FileSetting, key: FileSetting) throws(ConfigError) -> String? {
        try KeyFiles.checkReadable(chain, what: "certificate file")
        try KeyFiles.checkPrivate(key)
        OpenSSLError.clear()
        guard SSL_CTX_use_certificate_chain_file(ctx, chain.path) == 1 else {
            throw chain.origin.error("\(chain.path) is not a PEM certificate chain (leaf first): \(OpenSSLError.drain())")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, key.path, SSL_FILETYPE_PEM) == 1 else {
            let reason = OpenSSLError.drain()
            if reason.contains("mismatch") {
                throw key.origin.error("the key \(key.path) does not belong to the certificate \(chain.path)")
            }
            throw key.origin.error("\(key.path) is not an unencrypted PEM private key: \(reason)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            OpenSSLError.clear()
            throw key.origin.error("the key \(key.path) does not belong to the certificate \(chain.path)")
        }
        guard let leaf = SSL_CTX_get0_certificate(ctx) else { return nil }
        if let notAfter = X509_get0_notAfter(leaf), X509_cmp_current_time(notAfter) < 0 {
            return "\(chain.origin.file):\(chain.origin.line):\(chain.origin.column): \(chain.origin.key): "
                + "the certificate \(chain.path) has expired; clients will refuse it"
        }
        if let notBefore = X509_get0_notBefore(leaf), X509_cmp_current_time(notBefore) > 0 {
            return "\(chain.origin.file):\(chain.origin.line):\(chain.origin.column): \(chain.origin.key): "
                + "the certificate \(chain.path) is not valid yet"
        }
        return nil
    }
}
