extension ConfigDecoder {
    static let mcpServerKeys = ["name", "url", "prefix", "headers", "bearer_token_file", "tls", "timeout", "refresh_interval",
                                "anonymous", "scopes", "rate_limits"]
    /// Fields Nexus writes itself on a request to an MCP server.
    static let mcpManagedHeaders = ["host", "content-length", "content-type", "accept", "transfer-encoding", "connection",
                                    "mcp-session-id", "mcp-protocol-version", "mcp-method", "mcp-name", "te", "upgrade"]

    /// Decodes `mcp_servers`: names and prefixes unique, URLs valid, TLS only with https.
    mutating func decodeMCPServers(_ node: YAMLNode, path: String) -> [MCPServerConfig] {
        guard let items = items(node, path: path, expected: "a sequence of MCP servers") else { return [] }
        var servers: [MCPServerConfig] = []
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            guard let fields = fields(item, path: itemPath, allowed: Self.mcpServerKeys), let s = decodeMCPServer(fields) else { continue }
            if let first = servers.first(where: { $0.name == s.name }) {
                fail(fields.keyMark("name") ?? fields.mark, fields.path("name"),
                     "the MCP server at line \(first.line) has the name '\(s.name)' already; names are unique")
                continue
            }
            if let first = servers.first(where: { $0.prefix == s.prefix }) {
                fail(fields.keyMark("prefix") ?? fields.mark, fields.path("prefix"),
                     "the MCP server '\(first.name)' has the prefix '\(s.prefix)' already; prefixes are unique")
                continue
            }
            servers.append(s)
        }
        return servers
    }

    private mutating func decodeMCPServer(_ fields: Fields) -> MCPServerConfig? {
        let errorCount = errors.count
        let name = required(fields, "name", expected: "a name") { text throws(InvalidValue) in try ValueParsers.name(text, what: "a name") }
        let url = required(fields, "url", expected: "an http:// or https:// URL", ValueParsers.mcpURL)
        let prefix: String? = value(fields, "prefix", default: nil, expected: "a tool name prefix") { text throws(InvalidValue) in
            guard text.utf8.count <= 32, text.utf8.allSatisfy({ ValueParsers.isIdentifierByte($0) || $0 == UInt8(ascii: ".") }) else {
                throw InvalidValue("a prefix is at most 32 characters of A-Z a-z 0-9 _ . -, got '\(text)'")
            }
            return text
        }
        var headers: [MCPServerConfig.HeaderField] = []
        if let node = fields["headers"] {
            if case .mapping(let pairs, _) = node {
                for pair in pairs {
                    let key = fields.path("headers") + "." + pair.key
                    guard ValueParsers.isToken(pair.key) else {
                        fail(pair.keyMark, key, "'\(pair.key)' is not a valid header field name")
                        continue
                    }
                    guard !Self.mcpManagedHeaders.contains(pair.key.lowercased()) else {
                        fail(pair.keyMark, key, "'\(pair.key)' is written by Nexus itself and cannot be set here")
                        continue
                    }
                    if let v = convert(pair.value, path: key, expected: "a header value", { text throws(InvalidValue) in
                        guard text.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                            throw InvalidValue("a header value may not hold control characters")
                        }
                        return text
                    }) { headers.append(.init(name: pair.key, value: v)) }
                }
            } else {
                fail(node.mark, fields.path("headers"), "expected a mapping of header names to values, got \(node.kindDescription)")
            }
        }
        var tokenFile: FileSetting?
        if let node = fields["bearer_token_file"],
           let path = convert(node, path: fields.path("bearer_token_file"), expected: "a file path", Self.filePath) {
            if headers.contains(where: { $0.name.lowercased() == "authorization" }) {
                fail(node.mark, fields.path("bearer_token_file"), "give either an Authorization header or bearer_token_file, not both")
            }
            tokenFile = FileSetting(resolve(path), origin: SettingOrigin(file: file, line: node.mark.line, column: node.mark.column,
                                                                         key: fields.path("bearer_token_file")))
        }
        let tls = fields["tls"].flatMap { decodeUpstreamTLS($0, path: fields.path("tls")) }
        if let node = fields["tls"], let url, !url.isTLS {
            fail(node.mark, fields.path("tls"), "'tls' needs an https:// url")
        }
        let timeout = duration(fields, "timeout", default: .seconds(30))
        let refresh = duration(fields, "refresh_interval", default: .seconds(30))
        var access = RouteConfig(match: .exact("/"), handler: .echo)
        decodeRouteAccess(fields, into: &access)
        guard errors.count == errorCount, let name, let url else { return nil }
        var s = MCPServerConfig(name: name, url: url.text, host: url.host, port: url.port, kind: url.kind, path: url.path,
                                isTLS: url.isTLS, prefix: prefix, line: fields.mark.line)
        s.headers = headers
        s.bearerTokenFile = tokenFile
        s.tls = tls
        s.timeout = timeout
        s.refreshInterval = refresh
        s.anonymous = access.anonymous
        s.scopes = access.scopes
        s.rateLimits = access.rateLimits
        return s
    }

    /// A path relative to the configuration file's folder made absolute.
    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }
}

extension ValueParsers {
    /// The name of a workflow, an MCP server or a route (`RouteConfig.isValidName`).
    static func name(_ text: String, what: String) throws(InvalidValue) -> String {
        guard RouteConfig.isValidName(text) else {
            throw InvalidValue("\(what) is 1 to 64 characters of A-Z a-z 0-9 _ . - and starts with a letter or digit")
        }
        return text
    }

    /// An MCP server's URL: `http://` or `https://`, a host (name, IPv4 or [IPv6]) with an optional port, a path.
    static func mcpURL(_ text: String) throws(InvalidValue) -> (text: String, host: String, port: UInt16, kind: BackendConfig.Kind, path: String, isTLS: Bool) {
        let isTLS: Bool
        let rest: Substring
        if text.hasPrefix("https://") { isTLS = true; rest = text.dropFirst(8) }
        else if text.hasPrefix("http://") { isTLS = false; rest = text.dropFirst(7) }
        else {
            // Not echoed when it may carry credentials (user:password@).
            throw InvalidValue("expected an http:// or https:// URL" + (text.contains("@") ? "" : ", got '\(text)'"))
        }
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        guard !authority.contains("@") else { throw InvalidValue("put credentials in 'headers' or 'bearer_token_file', not in the URL") }
        var path = String(rest.dropFirst(authority.count))
        guard !path.contains("#") else { throw InvalidValue("a URL fragment ('#') has no meaning here: '\(text)'") }
        guard path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw InvalidValue("the URL's path must be visible ASCII: '\(text)'") }
        if path.isEmpty { path = "/" }
        let hasPort = authority.hasPrefix("[") ? authority.contains("]:") : authority.contains(":")
        let address = hasPort ? String(authority) : String(authority) + (isTLS ? ":443" : ":80")
        let parsed = try backendAddress(address)
        return (text, parsed.host, parsed.port, parsed.kind, path, isTLS)
    }
}
