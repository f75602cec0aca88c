extension ConfigDecoder {
    static let upstreamKeys = ["name", "backends", "balance", "timeouts", "max_connections_per_backend", "keepalive",
                               "retry", "resolve_interval", "health_check", "passive", "tls"]

    /// Decodes `upstreams`, then checks names are unique and records them for the routes.
    mutating func decodeUpstreams(_ node: YAMLNode, path: String) -> [UpstreamConfig] {
        guard let items = items(node, path: path, expected: "a sequence of upstreams") else { return [] }
        var upstreams: [UpstreamConfig] = []
        var firstByName: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            guard let fields = fields(item, path: itemPath, allowed: Self.upstreamKeys) else { continue }
            // The name is recorded even when the rest is invalid, so routes naming it get no second error.
            let name = required(fields, "name", expected: "a name", ValueParsers.name)
            if let name {
                if let first = firstByName[name] {
                    fail(fields.keyMark("name") ?? fields.mark, fields.path("name"),
                         "duplicate upstream name '\(name)' (first at line \(items[first].mark.line))")
                } else {
                    firstByName[name] = index
                    upstreamNames.append(name)
                }
            }
            if let upstream = decodeUpstream(fields, name: name) {
                upstreams.append(upstream)
            }
        }
        return upstreams
    }

    private mutating func decodeUpstream(_ fields: Fields, name: String?) -> UpstreamConfig? {
        let errorCount = errors.count
        var backends: [BackendConfig] = []
        if let node = fields["backends"] {
            backends = decodeBackends(node, path: fields.path("backends"))
        } else {
            fail(fields.mark, fields.path("backends"), "missing required key 'backends'")
        }
        let balance = value(fields, "balance", default: UpstreamConfig.Balance.roundRobin,
                            expected: "round_robin or least_connections") { text throws(InvalidValue) in
            guard let balance = UpstreamConfig.Balance(rawValue: text) else {
                throw InvalidValue("expected round_robin or least_connections, got '\(text)'")
            }
            return balance
        }
        let timeouts = fields["timeouts"].flatMap { decodeUpstreamTimeouts($0, path: fields.path("timeouts")) } ?? .defaults
        let maxConnections = value(fields, "max_connections_per_backend",
                                   default: UpstreamConfig.defaultMaxConnectionsPerBackend, expected: "an integer") {
            text throws(InvalidValue) in try ValueParsers.integer(text, in: UpstreamConfig.maxConnectionsPerBackendRange)
        }
        let keepAlive = fields["keepalive"].flatMap { decodeKeepAlive($0, path: fields.path("keepalive")) } ?? .defaults
        let retry = value(fields, "retry", default: true, expected: "true or false", ValueParsers.boolean)
        let resolveInterval = duration(fields, "resolve_interval", default: UpstreamConfig.defaultResolveInterval)
        let healthCheck = fields["health_check"].flatMap { decodeHealthCheck($0, path: fields.path("health_check")) }
        let passive = fields["passive"].flatMap { decodePassive($0, path: fields.path("passive")) } ?? .defaults
        // `tls: {}` turns TLS on with the defaults.
        let tls = fields["tls"].flatMap { decodeUpstreamTLS($0, path: fields.path("tls")) }
        guard errors.count == errorCount, let name else { return nil }
        return UpstreamConfig(name: name, backends: backends, balance: balance, timeouts: timeouts,
                              maxConnectionsPerBackend: maxConnections, keepAlive: keepAlive, retry: retry,
                              resolveInterval: resolveInterval, healthCheck: healthCheck, passive: passive,
                              tls: tls, line: fields.mark.line)
    }

    /// At least one backend, no address twice (raise the weight instead).
    private mutating func decodeBackends(_ node: YAMLNode, path: String) -> [BackendConfig] {
        guard let items = items(node, path: path, expected: "a sequence of backends") else { return [] }
        guard !items.isEmpty else {
            fail(node.mark, path, "at least one backend is required")
            return []
        }
        var backends: [BackendConfig] = []
        var firstByAddress: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            guard let fields = fields(item, path: itemPath, allowed: ["address", "weight"]) else { continue }
            let weight = value(fields, "weight", default: 1, expected: "an integer") { text throws(InvalidValue) in
                try ValueParsers.integer(text, in: BackendConfig.weightRange)
            }
            guard let address = required(fields, "address", expected: "an address like 127.0.0.1:8080",
                                         ValueParsers.backendAddress) else { continue }
            let backend = BackendConfig(host: address.host, port: address.port, kind: address.kind, weight: weight)
            if let first = firstByAddress[backend.address] {
                fail(fields["address"]?.mark ?? fields.mark, fields.path("address"),
                     "duplicate backend \(backend.address) (first at line \(items[first].mark.line)); raise its weight instead")
                continue
            }
            firstByAddress[backend.address] = index
            backends.append(backend)
        }
        return backends
    }

    private mutating func decodeUpstreamTimeouts(_ node: YAMLNode, path: String) -> UpstreamTimeouts? {
        guard let fields = fields(node, path: path, allowed: ["connect", "read", "write", "total", "idle"]) else { return nil }
        let defaults = UpstreamTimeouts.defaults
        return UpstreamTimeouts(
            connect: duration(fields, "connect", default: defaults.connect),
            read: duration(fields, "read", default: defaults.read),
            write: duration(fields, "write", default: defaults.write),
            total: duration(fields, "total", default: defaults.total),
            idle: duration(fields, "idle", default: defaults.idle))
    }

    private mutating func decodeKeepAlive(_ node: YAMLNode, path: String) -> KeepAliveConfig? {
        guard let fields = fields(node, path: path, allowed: ["max_idle", "idle_timeout"]) else { return nil }
        let defaults = KeepAliveConfig.defaults
        return KeepAliveConfig(
            maxIdle: value(fields, "max_idle", default: defaults.maxIdle, expected: "an integer") { text throws(InvalidValue) in
                try ValueParsers.integer(text, in: KeepAliveConfig.maxIdleRange)
            },
            idleTimeout: duration(fields, "idle_timeout", default: defaults.idleTimeout))
    }

    private mutating func decodeHealthCheck(_ node: YAMLNode, path: String) -> HealthCheckConfig? {
        let keys = ["path", "interval", "timeout", "rise", "fall", "expect_status", "host"]
        guard let fields = fields(node, path: path, allowed: keys) else { return nil }
        let defaults = HealthCheckConfig(path: "/")
        let errorCount = errors.count
        let interval = duration(fields, "interval", default: defaults.interval)
        let timeout = duration(fields, "timeout", default: defaults.timeout)
        if errors.count == errorCount, timeout > interval {
            let key = fields.keyMark("timeout") != nil ? "timeout" : "interval"
            let written = fields.keyMark("timeout") != nil ? "" : " (the default)"
            fail(fields[key]?.mark ?? fields.mark, fields.path(key),
                 "timeout \(ValueParsers.formatDuration(timeout))\(written) is longer than interval \(ValueParsers.formatDuration(interval)); checks would overlap")
        }
        let rise = value(fields, "rise", default: defaults.rise, expected: "an integer") { text throws(InvalidValue) in
            try ValueParsers.integer(text, in: HealthCheckConfig.countRange)
        }
        let fall = value(fields, "fall", default: defaults.fall, expected: "an integer") { text throws(InvalidValue) in
            try ValueParsers.integer(text, in: HealthCheckConfig.countRange)
        }
        let expectStatus = fields["expect_status"].map { decodeStatuses($0, path: fields.path("expect_status")) }
            ?? defaults.expectStatus
        let host = fields["host"].flatMap { convert($0, path: fields.path("host"), expected: "a host", ValueParsers.hostHeader) }
        guard let checkPath = required(fields, "path", expected: "a path", ValueParsers.requestTarget) else { return nil }
        return HealthCheckConfig(path: checkPath, interval: interval, timeout: timeout, rise: rise, fall: fall,
                                 expectStatus: expectStatus, host: host)
    }

    /// `200`, `"200-399"` or a list of those.
    private mutating func decodeStatuses(_ node: YAMLNode, path: String) -> [ClosedRange<Int>] {
        let defaults = HealthCheckConfig.defaultExpectStatus
        let expected = "a status, a range like 200-399, or a list of them"
        guard case .sequence(let items, _) = node else {
            return convert(node, path: path, expected: expected, ValueParsers.statusRange).map { [$0] } ?? defaults
        }
        guard !items.isEmpty else {
            fail(node.mark, path, "list at least one status, or leave out 'expect_status' for 200-399")
            return defaults
        }
        var ranges: [ClosedRange<Int>] = []
        for (index, item) in items.enumerated() {
            if let range = convert(item, path: Self.join(path, index: index), expected: expected, ValueParsers.statusRange) {
                ranges.append(range)
            }
        }
        return ranges
    }

    private mutating func decodePassive(_ node: YAMLNode, path: String) -> PassiveHealthConfig? {
        guard let fields = fields(node, path: path, allowed: ["max_failures", "eject_for"]) else { return nil }
        let defaults = PassiveHealthConfig.defaults
        return PassiveHealthConfig(
            maxFailures: value(fields, "max_failures", default: defaults.maxFailures, expected: "an integer") {
                text throws(InvalidValue) in try ValueParsers.integer(text, in: PassiveHealthConfig.maxFailuresRange)
            },
            ejectFor: duration(fields, "eject_for", default: defaults.ejectFor))
    }
}
