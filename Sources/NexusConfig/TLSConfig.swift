/// Where a setting was written, so that a problem found later (a certificate that does not load at start or at a
/// reload) is reported as `FILE:LINE:COLUMN: KEY: MESSAGE` like every other configuration error.
public struct SettingOrigin: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: Int
    /// The dotted key path, such as `listeners[0].tls.certificates[1].key`.
    public var key: String

    public init(file: String = "<code>", line: Int = 0, column: Int = 0, key: String = "") {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
    }

    /// A configuration error at this place.
    public func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, key: key, message: message)
    }
}

/// A file named by the configuration (a certificate, a key, a CA bundle), with where it was named.
public struct FileSetting: Sendable, Hashable {
    public var path: String
    public var origin: SettingOrigin

    public init(_ path: String, origin: SettingOrigin = SettingOrigin()) {
        self.path = path
        self.origin = origin
    }
}

/// A TLS protocol version Nexus accepts: 1.2 and 1.3 only.
public enum TLSProtocolVersion: String, Sendable, Hashable, CaseIterable, Comparable {
    case tls12 = "TLSv1.2"
    case tls13 = "TLSv1.3"

    public static func < (a: Self, b: Self) -> Bool { a == .tls12 && b == .tls13 }
}

/// One certificate chain and its key, for the SNI names it serves.
///
/// YAML: an item of `tls.certificates`, e.g. `{cert: /etc/nexus/a.pem, key: /etc/nexus/a.key, names: [a.example]}`.
public struct CertificateConfig: Sendable, Hashable {
    /// The leaf certificate followed by its intermediates (PEM). YAML: `cert` (required).
    public var chain: FileSetting
    /// The private key (PEM); must not be readable by other users. YAML: `key` (required).
    public var key: FileSetting
    /// SNI names served with this certificate: exact (`api.example.com`) or one wildcard label (`*.example.com`).
    /// Default none: the certificate is only used as the default. YAML: `names`.
    public var names: [String]
    /// A DER OCSP response to staple, re-read at every reload. Default none. YAML: `ocsp_response`.
    public var ocspResponse: FileSetting?

    public init(chain: FileSetting, key: FileSetting, names: [String] = [], ocspResponse: FileSetting? = nil) {
        self.chain = chain
        self.key = key
        self.names = names
        self.ocspResponse = ocspResponse
    }
}

/// TLS termination on a listener. YAML: a listener's `tls` mapping.
public struct ListenerTLSConfig: Sendable, Hashable {
    /// At least one; the first is the default, served when the client sends no SNI name or one no certificate
    /// lists. YAML: `certificates` (required).
    public var certificates: [CertificateConfig]
    /// The lowest and highest version accepted. Default TLSv1.2 to TLSv1.3. YAML: `protocols` (a list).
    public var minVersion: TLSProtocolVersion
    public var maxVersion: TLSProtocolVersion
    /// TLS 1.2 cipher list in OpenSSL's syntax. Default `defaultCiphers`. YAML: `ciphers`.
    public var ciphers: String
    /// TLS 1.3 cipher suites in OpenSSL's syntax. Default `defaultCipherSuites`. YAML: `ciphersuites`.
    public var cipherSuites: String
    /// CA certificates (PEM) that client certificates must chain to. Default none. YAML: `client_ca`.
    public var clientCA: FileSetting?
    /// Whether a client certificate is asked for. Default `.required` when `client_ca` is set, else `.off`.
    /// YAML: `client_verify`.
    public var clientVerify: ClientVerify
    /// Stateless session resumption. Default true. YAML: `session_tickets`.
    public var sessionTickets: Bool
    /// How often the ticket key changes; a ticket is accepted for up to twice this. Default 1h.
    /// YAML: `session_ticket_rotation`.
    public var ticketKeyRotation: Duration
    /// Where the `tls` mapping was written (for errors found when the context is built).
    public var origin: SettingOrigin

    /// Client certificates on a listener.
    public enum ClientVerify: String, Sendable, Hashable, CaseIterable {
        /// None asked for.
        case off
        /// Asked for and verified when given; a client without one goes on.
        case optional
        /// A client without a valid certificate is refused in the handshake.
        case required
    }

    /// ECDHE key exchange with AEAD ciphers only: no RSA key exchange, no CBC, no SHA-1 MACs, no RC4 or 3DES
    /// (Mozilla's "intermediate" TLS 1.2 list without the DHE suites).
    public static let defaultCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// The three TLS 1.3 suites OpenSSL enables by default.
    public static let defaultCipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    public static let defaultTicketKeyRotation = Duration.seconds(3600)

    public init(certificates: [CertificateConfig], minVersion: TLSProtocolVersion = .tls12,
                maxVersion: TLSProtocolVersion = .tls13, ciphers: String = Self.defaultCiphers,
                cipherSuites: String = Self.defaultCipherSuites, clientCA: FileSetting? = nil,
                clientVerify: ClientVerify? = nil, sessionTickets: Bool = true,
                ticketKeyRotation: Duration = Self.defaultTicketKeyRotation, origin: SettingOrigin = SettingOrigin()) {
        self.certificates = certificates
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.ciphers = ciphers
        self.cipherSuites = cipherSuites
        self.clientCA = clientCA
        self.clientVerify = clientVerify ?? (clientCA == nil ? .off : .required)
        self.sessionTickets = sessionTickets
        self.ticketKeyRotation = ticketKeyRotation
        self.origin = origin
    }
}

/// TLS from the proxy to the backends of a pool. YAML: an upstream's `tls` mapping.
public struct UpstreamTLSConfig: Sendable, Hashable {
    /// Whether the backend's certificate and name are verified. Default true; false is for tests and must be
    /// written out. YAML: `verify`.
    public var verify: Bool
    /// CA certificates (PEM) to verify against. Default the system store. YAML: `ca`.
    public var ca: FileSetting?
    /// The name sent as SNI and verified in the certificate. Default the backend's host name (an IP address
    /// backend is verified against its address and sends no SNI). YAML: `server_name`.
    public var serverName: String?
    /// A client certificate chain and key for backends that ask for one (mTLS). YAML: `cert`, `key`.
    public var clientCertificate: FileSetting?
    public var clientKey: FileSetting?
    /// Where the `tls` mapping was written (for errors found when the context is built).
    public var origin: SettingOrigin

    public init(verify: Bool = true, ca: FileSetting? = nil, serverName: String? = nil,
                clientCertificate: FileSetting? = nil, clientKey: FileSetting? = nil, origin: SettingOrigin = SettingOrigin()) {
        self.verify = verify
        self.ca = ca
        self.serverName = serverName
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.origin = origin
    }
}
