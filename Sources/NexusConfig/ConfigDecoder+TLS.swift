extension ConfigDecoder {
    static let listenerTLSKeys = ["certificates", "protocols", "ciphers", "ciphersuites", "client_ca", "client_verify",
                                  "session_tickets", "session_ticket_rotation"]
    static let upstreamTLSKeys = ["verify", "ca", "server_name", "cert", "key"]
    /// Session ticket keys change at most once a minute and at least once a day.
    static let ticketRotationRange = Duration.seconds(60)...Duration.seconds(86_400)

    /// A listener's `tls` mapping. Files are named here and read when the server builds its TLS contexts (at start
    /// and at every reload), whose errors point back at these keys.
    mutating func decodeListenerTLS(_ node: YAMLNode, path: String) -> ListenerTLSConfig? {
        guard let fields = fields(node, path: path, allowed: Self.listenerTLSKeys) else { return nil }
        let errorCount = errors.count
        var certificates: [CertificateConfig] = []
        if let list = fields["certificates"] {
            certificates = decodeCertificates(list, path: fields.path("certificates"))
        } else {
            fail(fields.mark, fields.path("certificates"), "missing required key 'certificates' (a list of {cert, key, names})")
        }
        var minVersion = TLSProtocolVersion.tls12, maxVersion = TLSProtocolVersion.tls13
        if let node = fields["protocols"], let versions = decodeProtocols(node, path: fields.path("protocols")) {
            minVersion = versions.min()!
            maxVersion = versions.max()!
        }
        let ciphers = value(fields, "ciphers", default: ListenerTLSConfig.defaultCiphers, expected: "an OpenSSL cipher list",
                            ValueParsers.cipherList)
        let suites = value(fields, "ciphersuites", default: ListenerTLSConfig.defaultCipherSuites,
                           expected: "a list of TLS 1.3 suites", ValueParsers.cipherList)
        let clientCA = fileSetting(fields, "client_ca")
        let verify = fields["client_verify"].flatMap { node in
            convert(node, path: fields.path("client_verify"), expected: "off, optional or required") { text throws(InvalidValue) in
                guard let v = ListenerTLSConfig.ClientVerify(rawValue: text) else {
                    throw InvalidValue("expected off, optional or required, got '\(text)'")
                }
                return v
            }
        }
        if let verify, verify != .off, clientCA == nil {
            fail(fields["client_verify"]!.mark, fields.path("client_verify"),
                 "client_verify: \(verify.rawValue) needs 'client_ca', the CA file that client certificates must chain to")
        }
        let tickets = value(fields, "session_tickets", default: true, expected: "true or false", ValueParsers.boolean)
        let rotation = value(fields, "session_ticket_rotation", default: ListenerTLSConfig.defaultTicketKeyRotation,
                             expected: "a duration") { text throws(InvalidValue) in
            let d = try ValueParsers.duration(text, maximum: Self.ticketRotationRange.upperBound)
            guard d >= Self.ticketRotationRange.lowerBound else {
                throw InvalidValue("session_ticket_rotation must be at least 1m")
            }
            return d
        }
        guard errors.count == errorCount else { return nil }
        return ListenerTLSConfig(certificates: certificates, minVersion: minVersion, maxVersion: maxVersion, ciphers: ciphers,
                                 cipherSuites: suites, clientCA: clientCA, clientVerify: verify, sessionTickets: tickets,
                                 ticketKeyRotation: rotation,
                                 origin: SettingOrigin(file: file, line: fields.mark.line, column: fields.mark.column, key: path))
    }

    private mutating func decodeCertificates(_ node: YAMLNode, path: String) -> [CertificateConfig] {
        guard let items = items(node, path: path, expected: "a sequence of certificates") else { return [] }
        guard !items.isEmpty else {
            fail(node.mark, path, "at least one certificate is required (the first is the default)")
            return []
        }
        var certificates: [CertificateConfig] = []
        var firstByName: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            guard let fields = fields(item, path: itemPath, allowed: ["cert", "key", "names", "ocsp_response"]) else { continue }
            var names: [String] = []
            if let list = fields["names"], let nodes = self.items(list, path: fields.path("names"), expected: "a list of host names") {
                for (i, n) in nodes.enumerated() {
                    let namePath = Self.join(fields.path("names"), index: i)
                    guard let name = convert(n, path: namePath, expected: "a host name", ValueParsers.serverName) else { continue }
                    if let first = firstByName[name] {
                        fail(n.mark, namePath, "'\(name)' is already served by certificates[\(first)]")
                    } else {
                        firstByName[name] = index
                        names.append(name)
                    }
                }
            }
            let chain = fileSetting(fields, "cert", required: true)
            let key = fileSetting(fields, "key", required: true)
            let ocsp = fileSetting(fields, "ocsp_response")
            if let chain, let key {
                certificates.append(CertificateConfig(chain: chain, key: key, names: names, ocspResponse: ocsp))
            }
        }
        return certificates
    }

    private mutating func decodeProtocols(_ node: YAMLNode, path: String) -> [TLSProtocolVersion]? {
        let nodes: [YAMLNode]
        var isList = false
        if case .sequence(let items, _) = node { nodes = items; isList = true } else { nodes = [node] }
        guard !nodes.isEmpty else {
            fail(node.mark, path, "list at least one of TLSv1.2, TLSv1.3")
            return nil
        }
        var versions: [TLSProtocolVersion] = []
        for (index, item) in nodes.enumerated() {
            let itemPath = isList ? Self.join(path, index: index) : path
            if let v = convert(item, path: itemPath, expected: "TLSv1.2 or TLSv1.3", ValueParsers.tlsVersion) {
                versions.append(v)
            }
        }
        return versions.count == nodes.count ? versions : nil
    }

    /// An upstream's `tls` mapping (an empty mapping, `tls: {}`, is TLS verified against the system store).
    mutating func decodeUpstreamTLS(_ node: YAMLNode, path: String) -> UpstreamTLSConfig? {
        guard let fields = fields(node, path: path, allowed: Self.upstreamTLSKeys) else { return nil }
        let errorCount = errors.count
        let verify = value(fields, "verify", default: true, expected: "true or false", ValueParsers.boolean)
        let ca = fileSetting(fields, "ca")
        let serverName = fields["server_name"].flatMap {
            convert($0, path: fields.path("server_name"), expected: "a host name", ValueParsers.serverName)
        }
        if let serverName, serverName.hasPrefix("*") {
            fail(fields["server_name"]!.mark, fields.path("server_name"), "server_name must be one name, not a wildcard")
        }
        let cert = fileSetting(fields, "cert")
        let key = fileSetting(fields, "key")
        if (cert == nil) != (key == nil) {
            let missing = cert == nil ? "cert" : "key"
            fail(fields.mark, fields.path(missing), "a client certificate needs both 'cert' and 'key'; '\(missing)' is missing")
        }
        if !verify, ca != nil {
            fail(fields["ca"]!.mark, fields.path("ca"), "'ca' has no effect with verify: false; remove one of them")
        }
        guard errors.count == errorCount else { return nil }
        return UpstreamTLSConfig(verify: verify, ca: ca, serverName: serverName, clientCertificate: cert, clientKey: key,
                                 origin: SettingOrigin(file: file, line: fields.mark.line, column: fields.mark.column, key: path))
    }

    /// A file path setting with its origin; a relative path is an error (the working directory of a service is
    /// not something to rely on).
    private mutating func fileSetting(_ fields: Fields, _ key: String, required: Bool = false) -> FileSetting? {
        guard let node = fields[key] else {
            if required { fail(fields.mark, fields.path(key), "missing required key '\(key)'") }
            return nil
        }
        guard let path = convert(node, path: fields.path(key), expected: "a file path", ValueParsers.filePath) else { return nil }
        return FileSetting(path, origin: SettingOrigin(file: file, line: node.mark.line, column: node.mark.column,
                                                       key: fields.path(key)))
    }
}

extension ValueParsers {
    /// A certificate name for SNI: a host name, or `*.` and a host name.
    static func serverName(_ text: String) throws(InvalidValue) -> String {
        if text.hasPrefix("*.") {
            guard let name = hostname(String(text.dropFirst(2))) else {
                throw InvalidValue("invalid wildcard name '\(text)': expected '*.' and a host name, like *.example.com")
            }
            return "*." + name
        }
        guard let name = hostname(text) else {
            throw InvalidValue("invalid host name '\(text)': expected letters, digits, '-' and '.', like api.example.com")
        }
        return name
    }

    /// `TLSv1.2` or `TLSv1.3`; older versions are refused by name.
    static func tlsVersion(_ text: String) throws(InvalidValue) -> TLSProtocolVersion {
        if let v = TLSProtocolVersion(rawValue: text) { return v }
        if ["SSLv2", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1"].contains(text) {
            throw InvalidValue("\(text) is not supported: it is broken or deprecated (RFC 8996); use TLSv1.2 and TLSv1.3")
        }
        throw InvalidValue("expected TLSv1.2 or TLSv1.3, got '\(text)'")
    }

    /// An OpenSSL cipher string: checked for its characters here, for what it selects when the context is built.
    static func cipherList(_ text: String) throws(InvalidValue) -> String {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw InvalidValue("expected an OpenSSL cipher list like ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384")
        }
        return text
    }

    /// An absolute file path without control characters.
    static func filePath(_ text: String) throws(InvalidValue) -> String {
        guard text.hasPrefix("/") else {
            throw InvalidValue("expected an absolute path (starting with '/'), got '\(text)'")
        }
        guard text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            throw InvalidValue("the path holds control characters")
        }
        return text
    }
}
