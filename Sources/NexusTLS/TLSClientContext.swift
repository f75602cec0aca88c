import CNexusTLS
import COpenSSL
import NexusConfig

/// TLS to a server (a pool's backends, and later anything Nexus fetches over HTTPS): verification against the
/// system store or a CA file, the name to send and verify, an optional client certificate.
///
/// SAFETY (`@unchecked Sendable`): built once and never changed; loops and the monitor thread only call SSL_new
/// on it, which OpenSSL allows from any thread.
public final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer
    public let verify: Bool
    /// The name to send as SNI and verify, overriding the host the caller connects to.
    public let serverName: String?

    /// Loads the CA file (or the system store) and the client certificate. Throws `FILE:LINE:COLUMN: KEY: MESSAGE`.
    public init(_ config: UpstreamTLSConfig) throws(ConfigError) {
        let ctx = try ContextBuilder.make(server: false, origin: config.origin)
        do throws(ConfigError) {
            if config.verify {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
                if let ca = config.ca {
                    try KeyFiles.checkReadable(ca, what: "CA file")
                    guard SSL_CTX_load_verify_locations(ctx, ca.path, nil) == 1 else {
                        throw ca.origin.error("\(ca.path) holds no PEM CA certificate: \(OpenSSLError.drain())")
                    }
                } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
                    throw config.origin.error("cannot load the system's CA certificates: \(OpenSSLError.drain())")
                }
            } else {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
            }
            if let cert = config.clientCertificate, let key = config.clientKey {
                _ = try ContextBuilder.loadCertificate(ctx, chain: cert, key: key)
            }
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        context = ctx
        verify = config.verify
        serverName = config.serverName
    }

    /// A context that verifies against the system store, for callers without configuration.
    public convenience init() throws(ConfigError) {
        try self.init(UpstreamTLSConfig())
    }

    deinit { SSL_CTX_free(context) }
}
