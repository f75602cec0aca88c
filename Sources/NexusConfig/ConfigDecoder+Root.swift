extension ConfigDecoder {
    static let rootKeys = ["threads", "io", "listeners", "limits", "timeouts", "log", "routes", "upstreams", "admin", "state",
                           "auth", "plans", "consumers", "workflows", "workflow_api", "mcp_servers", "metrics", "access_log"]

    /// Decodes the whole document; nil when any error was recorded.
    mutating func decodeRoot(_ root: YAMLNode?) -> NexusConfig? {
        guard let root, !root.isNull else {
            fail(Mark(line: 1, column: 1), "listeners", "the configuration is empty; 'listeners' is required")
            return nil
        }
        guard let fields = fields(root, path: "", allowed: Self.rootKeys) else { return nil }

        let threads: Int? = value(fields, "threads", default: nil, expected: "auto or a number of threads") { text throws(InvalidValue) in
            if text == "auto" { return nil }
            do {
                return try ValueParsers.integer(text, in: NexusConfig.threadRange)
            } catch {
                let range = NexusConfig.threadRange
                throw InvalidValue("expected auto or an integer \(range.lowerBound)...\(range.upperBound), got '\(text)'")
            }
        }
        let io = value(fields, "io", default: IOChoice.auto, expected: "auto, uring or epoll") { text throws(InvalidValue) in
            guard let choice = IOChoice(rawValue: text) else {
                throw InvalidValue("expected auto, uring or epoll, got '\(text)'")
            }
            return choice
        }
        var listeners: [ListenerConfig] = []
        if let node = fields["listeners"] {
            listeners = decodeListeners(node, path: "listeners")
        } else {
            fail(fields.mark, "listeners", "missing required key 'listeners'")
        }
        let limits = fields["limits"].flatMap { decodeLimits($0, path: "limits") } ?? .defaults
        let timeouts = fields["timeouts"].flatMap { decodeTimeouts($0, path: "timeouts") } ?? .defaults
        let log = fields["log"].flatMap { decodeLog($0, path: "log") } ?? .defaults
        let admin = fields["admin"].flatMap { decodeAdmin($0, path: "admin") } ?? .defaults
        let state = fields["state"].flatMap { decodeState($0, path: "state") } ?? .defaults
        let metrics = fields["metrics"].flatMap { decodeMetrics($0, path: "metrics") }
        let accessLog = fields["access_log"].flatMap { decodeAccessLog($0, path: "access_log") }
        // Upstreams first: routes check the names they use against them.
        let upstreams = fields["upstreams"].map { decodeUpstreams($0, path: "upstreams") } ?? []
        let routes = fields["routes"].map { decodeRoutes($0, path: "routes") } ?? []
        let auth = fields["auth"].flatMap { decodeAuth($0, path: "auth") }
        let plans = fields["plans"].map { decodePlans($0, path: "plans") } ?? []
        let consumers = fields["consumers"].map { decodeConsumers($0, path: "consumers", plans: plans) } ?? []
        let workflows = fields["workflows"].map { decodeWorkflows($0, path: "workflows") } ?? []
        let mcpServers = fields["mcp_servers"].map { decodeMCPServers($0, path: "mcp_servers") } ?? []
        var workflowAPI = fields["workflow_api"].flatMap { decodeWorkflowAPI($0, path: "workflow_api") }
        if workflowAPI == nil && (!workflows.isEmpty || !mcpServers.isEmpty) { workflowAPI = .defaults }
        // RFC 9728 metadata: on by default with JWTs; its authorization servers default to the JWT issuers.
        if var api = workflowAPI {
            resolveResourceMetadata(&api, path: "workflow_api", auth: auth, fallbackMark: fields.keyMark("workflows") ?? fields.mark)
            workflowAPI = api
        }
        for i in listeners.indices {
            guard var api = listeners[i].workflowAPI else { continue }
            resolveResourceMetadata(&api, path: "listeners[\(i)].workflow_api", auth: auth, fallbackMark: fields.keyMark("listeners") ?? fields.mark)
            listeners[i].workflowAPI = api
        }
        for (i, api) in ([workflowAPI] + listeners.map(\.workflowAPI)).enumerated() {
            guard let api, api.enabled, let (route, path) = Self.workflowPathClash(api, routes: routes) else { continue }
            let kind = if case .proxy = route.handler { "proxied route" } else { "route" }
            let key = i == 0 ? "workflow_api" : "listeners[\(i - 1)].workflow_api"
            fail(i == 0 ? (fields.keyMark("workflow_api") ?? fields.keyMark("workflows") ?? fields.mark) : (fields.keyMark("listeners") ?? fields.mark), key,
                 "the workflow path '\(path)' clashes with the \(kind) '\(route.name)'\(route.line > 0 ? " at line \(route.line)" : ""); change one of them (workflow_api: rest_path, mcp_path, openapi_path\(path.hasPrefix(WorkflowAPIConfig.resourceMetadataPrefix) ? ", resource_metadata" : ""))")
        }
        if auth == nil {
            for (i, w) in workflows.enumerated() where !w.scopes.isEmpty || w.rateLimits.contains(where: { $0.per == .consumer }) || w.anonymous {
                fail(fields.keyMark("workflows") ?? fields.mark, Self.join("workflows", index: i),
                     "workflow '\(w.name)' has scopes, 'anonymous' or a per-consumer limit, which need an 'auth' section")
            }
        }
        if auth == nil {
            for (i, m) in mcpServers.enumerated() where !m.scopes.isEmpty || m.rateLimits.contains(where: { $0.per == .consumer }) || m.anonymous {
                fail(fields.keyMark("mcp_servers") ?? fields.mark, Self.join("mcp_servers", index: i),
                     "MCP server '\(m.name)' has scopes, 'anonymous' or a per-consumer limit, which need an 'auth' section")
            }
        }
        for (i, m) in mcpServers.enumerated() {
            if let w = workflows.first(where: { $0.name.hasPrefix(m.prefix) }) {
                fail(fields.keyMark("mcp_servers") ?? fields.mark, Self.join("mcp_servers", index: i),
                     "the workflow '\(w.name)' starts with the prefix '\(m.prefix)' of MCP server '\(m.name)': tool names would be ambiguous")
            }
        }
        if auth == nil {
            for (i, r) in routes.enumerated() where !r.scopes.isEmpty || r.rateLimits.contains(where: { $0.per == .consumer }) || r.anonymous {
                let what = r.anonymous ? "'anonymous'" : !r.scopes.isEmpty ? "'scopes'" : "a per-consumer rate limit"
                fail(fields.keyMark("routes") ?? fields.mark, Self.join("routes", index: i),
                     "route '\(r.name)' has \(what), which needs an 'auth' section (without one, every route is open)")
            }
        }

        guard errors.isEmpty else { return nil }
        var config = NexusConfig(threads: threads, io: io, listeners: listeners, limits: limits, timeouts: timeouts,
                                 log: log, upstreams: upstreams, routes: routes)
        config.admin = admin
        config.state = state
        config.metrics = metrics
        config.accessLog = accessLog
        config.auth = auth
        config.plans = plans
        config.consumers = consumers
        config.workflows = workflows
        config.workflowAPI = workflowAPI
        config.mcpServers = mcpServers
        return config
    }

    /// Whether `api` serves protected resource metadata (`resource_metadata`, else on with `auth.jwt`), and its
    /// authorization servers (else `auth.jwt.issuers`); checks what the metadata needs.
    mutating func resolveResourceMetadata(_ api: inout WorkflowAPIConfig, path: String, auth: AuthConfig?, fallbackMark: Mark) {
        let decoded = workflowAPIMarks[path]
        let mark = decoded?.mark ?? fallbackMark
        api.resourceMetadata = api.enabled && (decoded?.resourceMetadata ?? (auth?.jwt != nil))
        if api.authorizationServers.isEmpty { api.authorizationServers = auth?.jwt?.issuers ?? [] }
        guard api.resourceMetadata else { return }
        guard let auth else {
            fail(mark, Self.join(path, "resource_metadata"), "protected resource metadata needs an 'auth' section (the MCP endpoint then needs credentials)")
            return
        }
        if api.authorizationServers.isEmpty {
            fail(mark, Self.join(path, "authorization_servers"),
                 "protected resource metadata names at least one authorization server: set 'authorization_servers' here or 'auth.jwt.issuers'")
        }
        if let jwt = auth.jwt, jwt.audiences.isEmpty {
            fail(mark, "auth.jwt.audiences",
                 "the MCP endpoint accepts only tokens issued for it (RFC 8707): list its audience, usually the resource URL\(api.resource.map { " '\($0)'" } ?? ""), in 'auth.jwt.audiences'")
        }
    }

    mutating func decodeState(_ node: YAMLNode, path: String) -> StateConfig? {
        guard let fields = fields(node, path: path, allowed: ["folder", "fsync", "fsync_interval", "segment_size",
                                                                 "compact_after", "audit_retention", "usage_retention", "usage_flush"]) else { return nil }
        let d = StateConfig.defaults
        let folder = value(fields, "folder", default: d.folder, expected: "a folder path") { text throws(InvalidValue) in
            guard !text.isEmpty, !text.utf8.contains(0) else { throw InvalidValue("expected a folder path") }
            return text
        }
        let fsync = value(fields, "fsync", default: d.fsync, expected: "always, interval or never") { text throws(InvalidValue) in
            guard let f = StateConfig.Fsync(rawValue: text) else {
                throw InvalidValue("expected always, interval or never, got '\(text)'")
            }
            return f
        }
        var state = StateConfig(folder: folder, fsync: fsync,
                                fsyncInterval: duration(fields, "fsync_interval", default: d.fsyncInterval),
                                segmentSize: size(fields, "segment_size", default: d.segmentSize, in: StateConfig.segmentSizeRange))
        state.compactAfter = size(fields, "compact_after", default: d.compactAfter, in: StateConfig.compactAfterRange)
        state.auditRetention = duration(fields, "audit_retention", default: d.auditRetention, maximum: StateConfig.maximumRetention)
        state.usageRetention = duration(fields, "usage_retention", default: d.usageRetention, maximum: StateConfig.maximumRetention)
        state.usageFlush = duration(fields, "usage_flush", default: d.usageFlush, maximum: .seconds(60))
        return state
    }

    mutating func decodeMetrics(_ node: YAMLNode, path: String) -> MetricsConfig? {
        guard let fields = fields(node, path: path, allowed: ["address"]) else { return nil }
        guard let a = required(fields, "address", expected: "an address like 127.0.0.1:9464", ValueParsers.address) else { return nil }
        return MetricsConfig(host: a.host, port: a.port, isIPv6: a.isIPv6)
    }

    mutating func decodeAccessLog(_ node: YAMLNode, path: String) -> AccessLogConfig? {
        guard let fields = fields(node, path: path, allowed: ["path", "log_query"]) else { return nil }
        let file = required(fields, "path", expected: "a file path") { text throws(InvalidValue) in
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
                throw InvalidValue("expected a file path without control characters")
            }
            return text
        }
        let logQuery = value(fields, "log_query", default: true, expected: "true or false", ValueParsers.boolean)
        guard let file else { return nil }
        return AccessLogConfig(path: file, logQuery: logQuery)
    }

    mutating func decodeAdmin(_ node: YAMLNode, path: String) -> AdminConfig? {
        guard let fields = fields(node, path: path, allowed: ["socket", "group", "tcp"]) else { return nil }
        let socket = value(fields, "socket", default: AdminConfig.defaultSocket, expected: "a socket path") { text throws(InvalidValue) in
            guard !text.isEmpty, text.utf8.count < 108, !text.utf8.contains(0) else {
                throw InvalidValue("expected a socket path of 1 to 107 bytes")
            }
            return text
        }
        let group: String? = value(fields, "group", default: nil, expected: "a group name") { text throws(InvalidValue) in
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
                throw InvalidValue("expected a group name")
            }
            return text
        }
        var admin = AdminConfig(socket: socket, group: group)
        if let node = fields["tcp"], let t = self.fields(node, path: fields.path("tcp"), allowed: ["address", "token_file", "tls"]) {
            let address = required(t, "address", expected: "an address like 127.0.0.1:9443", ValueParsers.address)
            let token = required(t, "token_file", expected: "a file path", Self.filePath)
            let tls = t["tls"].flatMap { decodeListenerTLS($0, path: t.path("tls")) }
            if let address, let token {
                let tcp = AdminTCPConfig(host: address.host, port: address.port, isIPv6: address.isIPv6, tokenFile: token, tls: tls)
                if tls == nil && t["tls"] == nil && !tcp.isLoopback {
                    fail(t.mark, t.path("tls"), "the admin API on a non-loopback address needs 'tls' (the token would travel in clear)")
                } else if address.port == 0 {
                    fail(t.keyMark("address") ?? t.mark, t.path("address"), "the admin TCP listener needs a fixed port")
                } else {
                    admin.tcp = tcp
                }
            }
        }
        return admin
    }

    mutating func decodeLimits(_ node: YAMLNode, path: String) -> LimitsConfig? {
        let keys = ["max_connections", "max_request_line", "max_header_bytes", "max_headers", "max_body_bytes"]
        guard let fields = fields(node, path: path, allowed: keys) else { return nil }
        let defaults = LimitsConfig.defaults
        return LimitsConfig(
            maxConnections: value(fields, "max_connections", default: defaults.maxConnections, expected: "an integer") {
                text throws(InvalidValue) in try ValueParsers.integer(text, in: LimitsConfig.maxConnectionsRange)
            },
            maxRequestLineBytes: size(fields, "max_request_line", default: defaults.maxRequestLineBytes,
                                      in: LimitsConfig.requestLineRange),
            maxHeaderBytes: size(fields, "max_header_bytes", default: defaults.maxHeaderBytes,
                                 in: LimitsConfig.headerBytesRange),
            maxHeaderCount: value(fields, "max_headers", default: defaults.maxHeaderCount, expected: "an integer") {
                text throws(InvalidValue) in try ValueParsers.integer(text, in: LimitsConfig.headerCountRange)
            },
            maxBodyBytes: size(fields, "max_body_bytes", default: defaults.maxBodyBytes, in: LimitsConfig.bodyBytesRange))
    }

    mutating func size(_ fields: Fields, _ key: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        value(fields, key, default: fallback, expected: "a size") { text throws(InvalidValue) in
            try ValueParsers.size(text, in: range)
        }
    }

    mutating func decodeTimeouts(_ node: YAMLNode, path: String) -> TimeoutsConfig? {
        let keys = ["header_read", "body_read", "keepalive_idle", "send", "shutdown_grace"]
        guard let fields = fields(node, path: path, allowed: keys) else { return nil }
        let defaults = TimeoutsConfig.defaults
        return TimeoutsConfig(
            headerRead: duration(fields, "header_read", default: defaults.headerRead),
            bodyRead: duration(fields, "body_read", default: defaults.bodyRead),
            keepAliveIdle: duration(fields, "keepalive_idle", default: defaults.keepAliveIdle),
            send: duration(fields, "send", default: defaults.send),
            shutdownGrace: duration(fields, "shutdown_grace", default: defaults.shutdownGrace))
    }

    mutating func duration(_ fields: Fields, _ key: String, default fallback: Duration,
                           maximum: Duration = TimeoutsConfig.maximum) -> Duration {
        value(fields, key, default: fallback, expected: "a duration") { text throws(InvalidValue) in
            try ValueParsers.duration(text, maximum: maximum)
        }
    }

    mutating func decodeLog(_ node: YAMLNode, path: String) -> LogConfig? {
        guard let fields = fields(node, path: path, allowed: ["level"]) else { return nil }
        let level = value(fields, "level", default: LogConfig.defaults.level, expected: "a log level") { text throws(InvalidValue) in
            guard LogConfig.levels.contains(text) else {
                throw InvalidValue("expected one of \(LogConfig.levels.joined(separator: ", ")), got '\(text)'")
            }
            return text
        }
        return LogConfig(level: level)
    }
}
