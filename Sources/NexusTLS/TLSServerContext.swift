import CNexusTLS
import COpenSSL
import NexusConfig

/// The TLS settings of one listener, built from its `tls` configuration: one OpenSSL context per certificate, the
/// first being the default on which connections start, and an SNI table on it that switches a connection to the
/// context of the name it asked for.
///
/// SAFETY (`@unchecked Sendable`): built on the main thread and never changed afterwards; loops only call SSL_new
/// on it, which OpenSSL allows from any thread (its reference counts are atomic). The server-side session cache
/// is off (tickets only), so no lock inside OpenSSL is shared by the loops on the handshake path.
public final class TLSServerContext: @unchecked Sendable {
    let contexts: [OpaquePointer]
    var defaultContext: OpaquePointer { contexts[0] }
    /// Whether client certificates are verified (the subject is then recorded per connection).
    public let verifiesClients: Bool
    /// Problems that do not stop the server (an expired certificate), as configuration-style lines for the log.
    public let warnings: [String]

    /// Reads every certificate, key, CA file and OCSP response the configuration names.
    /// Throws every problem found, each as `FILE:LINE:COLUMN: KEY: MESSAGE`.
    public init(_ config: ListenerTLSConfig, secret: TicketSecret) throws(ConfigErrors) {
        var contexts: [OpaquePointer] = []
        var errors: [ConfigError] = []
        var warnings: [String] = []
        for certificate in config.certificates {
            do {
                let ctx = try Self.makeContext(config, certificate, secret: secret)
                contexts.append(ctx.context)
                if let w = ctx.warning { warnings.append(w) }
            } catch {
                errors.append(error)
            }
        }
        if errors.isEmpty, let first = contexts.first {
            for (i, certificate) in config.certificates.enumerated() {
                for name in certificate.names where nexus_tls_sni_add(first, name, contexts[i]) != 1 {
                    errors.append(config.origin.error("cannot add '\(name)' to the SNI table: \(OpenSSLError.drain())"))
                }
            }
        }
        guard errors.isEmpty else {
            for c in contexts { SSL_CTX_free(c) }
            throw ConfigErrors(errors)
        }
        self.contexts = contexts
        self.verifiesClients = config.clientVerify != .off
        self.warnings = warnings
    }

    deinit { for c in contexts { SSL_CTX_free(c) } }

    /// The names of the cipher suites the default context enables, in preference order (TLS 1.3 suites first).
    public var cipherNames: [String] {
        var names: [String] = []
        while let name = nexus_tls_ctx_cipher_name(defaultContext, Int32(names.count)) { names.append(String(cString: name)) }
        return names
    }

    private static func makeContext(_ config: ListenerTLSConfig, _ certificate: CertificateConfig,
                                    secret: TicketSecret) throws(ConfigError) -> (context: OpaquePointer, warning: String?) {
        let ctx = try ContextBuilder.make(server: true, origin: config.origin, min: config.minVersion, max: config.maxVersion)
        do throws(ConfigError) {
            try configure(ctx, config, certificate, secret: secret)
            let warning = try ContextBuilder.loadCertificate(ctx, chain: certificate.chain, key: certificate.key)
            return (ctx, warning)
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
    }

    private static func configure(_ ctx: OpaquePointer, _ config: ListenerTLSConfig, _ certificate: CertificateConfig,
                                  secret: TicketSecret) throws(ConfigError) {
        let origin = config.origin
        guard SSL_CTX_set_cipher_list(ctx, config.ciphers) == 1 else {
            OpenSSLError.clear()
            throw origin.error("ciphers: OpenSSL knows none of the TLS 1.2 ciphers in '\(config.ciphers)'")
        }
        guard SSL_CTX_set_ciphersuites(ctx, config.cipherSuites) == 1 else {
            OpenSSLError.clear()
            throw origin.error("ciphersuites: OpenSSL knows none of the TLS 1.3 suites in '\(config.cipherSuites)'")
        }
        let sessionContext: [UInt8] = Array("nexus".utf8)
        _ = SSL_CTX_set_session_id_context(ctx, sessionContext, UInt32(sessionContext.count))
        nexus_tls_ctx_select_http11(ctx)
        if config.sessionTickets {
            let seconds = config.ticketKeyRotation.components.seconds
            let ok = secret.bytes.withUnsafeBufferPointer { nexus_tls_ctx_set_ticket_keys(ctx, $0.baseAddress, Int(seconds)) }
            guard ok == 1 else { throw origin.error("cannot install session-ticket keys: \(OpenSSLError.drain())") }
        } else {
            nexus_tls_ctx_disable_tickets(ctx)
        }
        if let file = certificate.ocspResponse {
            let der = try KeyFiles.read(file, what: "OCSP response")
            let ok = der.withUnsafeBufferPointer { p in
                nexus_tls_ocsp_response_ok(p.baseAddress, p.count) == 1 && nexus_tls_ctx_set_ocsp_response(ctx, p.baseAddress, p.count) == 1
            }
            guard ok else {
                OpenSSLError.clear()
                throw file.origin.error("\(file.path) is not a successful DER OCSP response (openssl ocsp -respout writes one)")
            }
        }
        if let ca = config.clientCA, config.clientVerify != .off {
            try KeyFiles.checkReadable(ca, what: "client CA file")
            guard SSL_CTX_load_verify_locations(ctx, ca.path, nil) == 1, let names = SSL_load_client_CA_file(ca.path) else {
                throw ca.origin.error("\(ca.path) holds no PEM CA certificate: \(OpenSSLError.drain())")
            }
            SSL_CTX_set_client_CA_list(ctx, names)
            let mode = SSL_VERIFY_PEER | (config.clientVerify == .required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0)
            SSL_CTX_set_verify(ctx, mode, nil)
        }
    }
}
