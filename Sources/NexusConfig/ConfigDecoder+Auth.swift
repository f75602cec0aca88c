extension ConfigDecoder {
    static let authKeys = ["secret_file", "key_headers", "keys_file", "trusted_proxies", "lockout", "jwt"]
    static let jwtKeys = ["keys", "issuers", "audiences", "leeway", "consumer_claim", "scope_claims", "algorithms"]
    static let planKeys = ["name", "rate", "burst", "quota_day", "quota_month"]
    static let consumerKeys = ["name", "scopes", "plan"]
    static let rateLimitKeys = ["per", "rate", "burst"]

    mutating func decodeAuth(_ node: YAMLNode, path: String) -> AuthConfig? {
        guard let fields = fields(node, path: path, allowed: Self.authKeys) else { return nil }
        var auth = AuthConfig()
        auth.secretFile = value(fields, "secret_file", default: nil, expected: "a file path", Self.filePath)
        auth.keysFile = value(fields, "keys_file", default: nil, expected: "a file path", Self.filePath)
        if let node = fields["key_headers"], let items = items(node, path: fields.path("key_headers"), expected: "a sequence like [authorization, x-api-key]") {
            var headers: [AuthConfig.KeyHeader] = []
            for (i, item) in items.enumerated() {
                let h = convert(item, path: Self.join(fields.path("key_headers"), index: i), expected: "authorization or x-api-key") { text throws(InvalidValue) in
                    guard let h = AuthConfig.KeyHeader(rawValue: text.lowercased()) else {
                        throw InvalidValue("expected authorization or x-api-key, got '\(text)'")
                    }
                    return h
                }
                if let h, !headers.contains(h) { headers.append(h) }
            }
            if items.isEmpty { fail(node.mark, fields.path("key_headers"), "list at least one of authorization, x-api-key") }
            auth.keyHeaders = headers
        }
        if let node = fields["trusted_proxies"], let items = items(node, path: fields.path("trusted_proxies"), expected: "a sequence of addresses") {
            for (i, item) in items.enumerated() {
                if let text = convert(item, path: Self.join(fields.path("trusted_proxies"), index: i), expected: "an address or CIDR", { text throws(InvalidValue) in
                    guard AddressPattern(text) != nil else {
                        throw InvalidValue("expected an IPv4 or IPv6 address or CIDR like 10.0.0.0/8, got '\(text)'")
                    }
                    return text
                }) { auth.trustedProxies.append(text) }
            }
        }
        if let node = fields["lockout"], let l = self.fields(node, path: fields.path("lockout"), allowed: ["failures", "window", "duration"]) {
            let failures = required(l, "failures", expected: "a number") { text throws(InvalidValue) in try ValueParsers.integer(text, in: 3...1_000_000) }
            let window = duration(l, "window", default: .seconds(60), maximum: .seconds(86_400))
            let lockFor = duration(l, "duration", default: .seconds(300), maximum: .seconds(86_400))
            if let failures { auth.lockout = .init(failures: failures, window: window, duration: lockFor) }
        }
        if let node = fields["jwt"] { auth.jwt = decodeJWT(node, path: fields.path("jwt")) }
        return auth
    }

    mutating func decodeJWT(_ node: YAMLNode, path: String) -> JWTConfig? {
        guard let f = fields(node, path: path, allowed: Self.jwtKeys) else { return nil }
        var jwt = JWTConfig()
        func strings(_ key: String, _ check: (String) -> String?) -> [String] {
            guard let n = f[key], let items = items(n, path: f.path(key), expected: "a sequence") else { return [] }
            var out: [String] = []
            for (i, item) in items.enumerated() {
                if let v = convert(item, path: Self.join(f.path(key), index: i), expected: "a string", { text throws(InvalidValue) in
                    if let problem = check(text) { throw InvalidValue(problem) }
                    return text
                }) { out.append(v) }
            }
            return out
        }
        jwt.issuers = strings("issuers") { $0.isEmpty ? "an issuer is not empty" : nil }
        jwt.audiences = strings("audiences") { $0.isEmpty ? "an audience is not empty" : nil }
        jwt.algorithms = strings("algorithms") { JWTConfig.algorithmNames.contains($0) ? nil : "unknown algorithm '\($0)': expected one of \(JWTConfig.algorithmNames.joined(separator: ", "))" }
        if f["scope_claims"] != nil { jwt.scopeClaims = strings("scope_claims") { $0.isEmpty ? "a claim name is not empty" : nil } }
        jwt.consumerClaim = value(f, "consumer_claim", default: "sub", expected: "a claim name") { text throws(InvalidValue) in
            guard !text.isEmpty else { throw InvalidValue("a claim name is not empty") }
            return text
        }
        jwt.leeway = duration(f, "leeway", default: .seconds(60), maximum: .seconds(3600))
        guard let keysNode = f["keys"], let items = items(keysNode, path: f.path("keys"), expected: "a sequence of key sources") else {
            fail(f.mark, f.path("keys"), "missing required key 'keys' (jwks_file, pem_file or hmac_secret_file entries)")
            return nil
        }
        for (i, item) in items.enumerated() {
            let p = Self.join(f.path("keys"), index: i)
            guard let k = fields(item, path: p, allowed: ["jwks_file", "pem_file", "hmac_secret_file", "jwks_url", "refresh", "ca_file", "kid", "alg"]) else { continue }
            let kid: String? = value(k, "kid", default: nil, expected: "a key id") { $0 }
            let alg: String? = value(k, "alg", default: nil, expected: "an algorithm") { text throws(InvalidValue) in
                guard JWTConfig.algorithmNames.contains(text) else { throw InvalidValue("unknown algorithm '\(text)'") }
                return text
            }
            let sources = ["jwks_file", "pem_file", "hmac_secret_file", "jwks_url"].filter { k[$0] != nil }
            guard sources.count == 1 else {
                fail(k.mark, p, "a key source has exactly one of jwks_file, pem_file, hmac_secret_file, jwks_url")
                continue
            }
            if sources[0] == "jwks_url" {
                let url = value(k, "jwks_url", default: "", expected: "an https:// URL") { text throws(InvalidValue) in
                    guard text.hasPrefix("https://"), text.count > 8, !text.contains(" ") else {
                        throw InvalidValue("expected an https:// URL (keys are fetched over TLS only), got '\(text)'")
                    }
                    return text
                }
                let refresh = duration(k, "refresh", default: .seconds(600), maximum: .seconds(86_400))
                let ca: String? = value(k, "ca_file", default: nil, expected: "a file path", Self.filePath)
                jwt.keys.append(.jwksURL(url, refresh: refresh, caFile: ca))
                continue
            }
            let file = value(k, sources[0], default: "", expected: "a file path", Self.filePath)
            switch sources[0] {
            case "jwks_file": jwt.keys.append(.jwksFile(file))
            case "pem_file": jwt.keys.append(.pemFile(file, kid: kid, alg: alg))
            default:
                guard let alg, alg.hasPrefix("HS") else {
                    fail(k.mark, p, "an hmac_secret_file needs alg: HS256, HS384 or HS512")
                    continue
                }
                jwt.keys.append(.hmacSecretFile(file, kid: kid, alg: alg))
            }
        }
        return jwt
    }

    mutating func decodeRate(_ fields: Fields, required isRequired: Bool) -> RateConfig? {
        let rate: (Int, Int)?
        if isRequired {
            rate = required(fields, "rate", expected: "a rate like 100/s", ValueParsers.rate)
        } else {
            rate = fields["rate"] == nil ? nil : value(fields, "rate", default: nil, expected: "a rate like 100/s", ValueParsers.rate)
        }
        let burst = value(fields, "burst", default: 0, expected: "a number") { text throws(InvalidValue) in
            try ValueParsers.integer(text, in: 0...1_000_000)
        }
        if fields["burst"] != nil && fields["rate"] == nil && !isRequired {
            fail(fields.keyMark("burst") ?? fields.mark, fields.path("burst"), "'burst' needs a 'rate'")
        }
        return rate.map { RateConfig(count: $0.0, periodSeconds: $0.1, burst: burst) }
    }

    mutating func decodePlans(_ node: YAMLNode, path: String) -> [PlanConfig] {
        guard let items = items(node, path: path, expected: "a sequence of plans") else { return [] }
        var plans: [PlanConfig] = []
        for (i, item) in items.enumerated() {
            guard let f = fields(item, path: Self.join(path, index: i), allowed: Self.planKeys) else { continue }
            guard let name = required(f, "name", expected: "a plan name", Self.identifier) else { continue }
            if plans.contains(where: { $0.name == name }) {
                fail(f.keyMark("name") ?? f.mark, f.path("name"), "a plan named '\(name)' is defined already")
                continue
            }
            let rate = decodeRate(f, required: false)
            let day: Int? = value(f, "quota_day", default: nil, expected: "a number") { text throws(InvalidValue) in try ValueParsers.integer(text, in: 1...(1 << 39)) }
            let month: Int? = value(f, "quota_month", default: nil, expected: "a number") { text throws(InvalidValue) in try ValueParsers.integer(text, in: 1...(1 << 39)) }
            plans.append(PlanConfig(name: name, rate: rate, quotaDay: day, quotaMonth: month))
        }
        return plans
    }

    mutating func decodeConsumers(_ node: YAMLNode, path: String, plans: [PlanConfig]) -> [ConsumerConfig] {
        guard let items = items(node, path: path, expected: "a sequence of consumers") else { return [] }
        var consumers: [ConsumerConfig] = []
        for (i, item) in items.enumerated() {
            guard let f = fields(item, path: Self.join(path, index: i), allowed: Self.consumerKeys) else { continue }
            guard let name = required(f, "name", expected: "a consumer name", Self.identifier) else { continue }
            if consumers.contains(where: { $0.name == name }) {
                fail(f.keyMark("name") ?? f.mark, f.path("name"), "a consumer named '\(name)' is defined already")
                continue
            }
            let scopes = decodeScopes(f)
            let plan: String? = value(f, "plan", default: nil, expected: "a plan name") { text throws(InvalidValue) in
                guard plans.contains(where: { $0.name == text }) else {
                    throw InvalidValue("unknown plan '\(text)'" + (plans.isEmpty ? ": no plans are defined (add them under 'plans')" : ""))
                }
                return text
            }
            consumers.append(ConsumerConfig(name: name, scopes: scopes, plan: plan))
        }
        return consumers
    }

    /// `scopes` of a consumer or a route: each 1 to 64 characters of `A-Z a-z 0-9 _ . : -`.
    mutating func decodeScopes(_ f: Fields) -> [String] {
        guard let node = f["scopes"], let items = items(node, path: f.path("scopes"), expected: "a sequence of scopes") else { return [] }
        var scopes: [String] = []
        for (i, item) in items.enumerated() {
            let scope = convert(item, path: Self.join(f.path("scopes"), index: i), expected: "a scope") { text throws(InvalidValue) in
                let ok = (1...64).contains(text.utf8.count) && text.utf8.allSatisfy {
                    ValueParsers.isIdentifierByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
                }
                guard ok else { throw InvalidValue("a scope is 1 to 64 characters of A-Z a-z 0-9 _ . : -, got '\(text)'") }
                return text
            }
            if let scope, !scopes.contains(scope) { scopes.append(scope) }
        }
        return scopes
    }

    /// A route's `anonymous`, `scopes` and `rate_limits`.
    mutating func decodeRouteAccess(_ f: Fields, into route: inout RouteConfig) {
        route.anonymous = value(f, "anonymous", default: false, expected: "true or false", ValueParsers.boolean)
        route.scopes = decodeScopes(f)
        if route.anonymous && !route.scopes.isEmpty {
            fail(f.keyMark("scopes") ?? f.mark, f.path("scopes"), "an anonymous route cannot require scopes")
        }
        guard let node = f["rate_limits"], let items = items(node, path: f.path("rate_limits"), expected: "a sequence of rate limits") else { return }
        for (i, item) in items.enumerated() {
            let path = Self.join(f.path("rate_limits"), index: i)
            guard let l = fields(item, path: path, allowed: Self.rateLimitKeys) else { continue }
            let per = required(l, "per", expected: "ip, route or consumer") { text throws(InvalidValue) in
                guard let k = RouteRateLimit.Key(rawValue: text) else { throw InvalidValue("expected ip, route or consumer, got '\(text)'") }
                return k
            }
            guard let per, let rate = decodeRate(l, required: true) else { continue }
            if per == .consumer && route.anonymous {
                fail(l.keyMark("per") ?? l.mark, l.path("per"), "an anonymous route has no consumer to limit")
                continue
            }
            if route.rateLimits.contains(where: { $0.per == per }) {
                fail(l.keyMark("per") ?? l.mark, l.path("per"), "the route has a '\(per.rawValue)' limit already")
                continue
            }
            route.rateLimits.append(RouteRateLimit(per: per, rate: rate))
        }
    }

    static func filePath(_ text: String) throws(InvalidValue) -> String {
        guard !text.isEmpty, !text.utf8.contains(0) else { throw InvalidValue("expected a file path") }
        return text
    }

    static func identifier(_ text: String) throws(InvalidValue) -> String {
        guard (1...64).contains(text.utf8.count), text.utf8.allSatisfy(ValueParsers.isIdentifierByte) else {
            throw InvalidValue("a name is 1 to 64 characters of A-Z a-z 0-9 _ -, got '\(text)'")
        }
        return text
    }
}
