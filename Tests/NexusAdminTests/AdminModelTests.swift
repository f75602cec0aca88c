import NexusAdminModel
import Testing

@Suite("Admin model JSON")
struct AdminModelTests {
    func keys(_ value: some Encodable) throws -> String {
        String(decoding: try AdminJSON.encode(value), as: UTF8.self)
    }

    @Test("status uses snake_case keys, sorted, and round-trips")
    func status() throws {
        let s = StatusResponse(version: "1.2.3", uptimeSeconds: 5, ioBackend: "epoll", loops: 1, connections: 0,
                               requestsTotal: 7, requestsPerSecond: 0.5, pid: 99)
        let json = try keys(s)
        #expect(json == #"{"connections":0,"io_backend":"epoll","loops":1,"pid":99,"requests_per_second":0.5,"requests_total":7,"uptime_seconds":5,"version":"1.2.3"}"#)
        #expect(try AdminJSON.decode(StatusResponse.self, from: Array(json.utf8)) == s)
    }

    @Test("reload, check, verify and problem bodies have the documented keys")
    func others() throws {
        #expect(try keys(ReloadResponse(ok: false, message: "m", errors: ["e"])) == #"{"errors":["e"],"message":"m","ok":false}"#)
        #expect(try keys(ConfigCheckResponse(ok: true)) == #"{"errors":[],"ok":true}"#)
        #expect(try keys(StateVerifyResponse(ok: true, segments: 1, records: 2)) == #"{"ok":true,"problems":[],"records":2,"segments":1}"#)
        #expect(try keys(ErrorResponse(title: "Not Found", status: 404, detail: "d")) == #"{"detail":"d","status":404,"title":"Not Found","type":"about:blank"}"#)
        #expect(try keys(ConfigCheckRequest(path: "/etc/nexus/a.yaml")) == #"{"path":"/etc/nexus/a.yaml"}"#)
    }

    @Test("pretty JSON ends in exactly one newline")
    func pretty() throws {
        let s = try AdminJSON.encodePretty(ConfigCheckResponse(ok: true))
        #expect(s.hasPrefix("{\n  \"errors\" : ["))
        #expect(s.hasSuffix("\n  \"ok\" : true\n}\n"))
        #expect(!s.hasSuffix("\n\n"))
    }

    @Test("every AdminAPI endpoint is documented in docs/admin-api.yaml, and the YAML documents no other")
    func endpoints() throws {
        let documented = try documentedEndpoints()
        // The YAML names path parameters for people ({id} for consumers and keys, {name} for routes); AdminAPI
        // writes every one as {id}. Both sides are compared with each {...} segment written as {}.
        let code = Set(AdminAPI.endpoints.map { "\($0.method) \(Self.normalized($0.path))" })
        #expect(code.count == AdminAPI.endpoints.count, "AdminAPI.endpoints has no duplicates")
        let yaml = Set(documented.map { "\($0.method) \(Self.normalized($0.path))" })
        #expect(documented.count == yaml.count, "the YAML documents each endpoint once")
        let undocumented = code.subtracting(yaml).sorted()
        let unknown = yaml.subtracting(code).sorted()
        #expect(undocumented == [], "in AdminAPI.endpoints but not in docs/admin-api.yaml")
        #expect(unknown == [], "in docs/admin-api.yaml but not in AdminAPI.endpoints")
        #expect(documented.count == AdminAPI.endpoints.count)
        #expect(AdminAPI.consumerDelete.with(id: "c_1").description == "DELETE /v1/consumers/c_1")
        #expect(AdminAPI.routeGet.with(id: "a%2Fb").with(query: "x=1").description == "GET /v1/routes/a%2Fb?x=1")
        #expect(AdminAPI.keyList.with(query: "") == AdminAPI.keyList)
    }

    /// `/v1/routes/{name}/reset` -> `/v1/routes/{}/reset`.
    static func normalized(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("{") && $0.hasSuffix("}") ? "{}" : String($0) }.joined(separator: "/")
    }

    /// The (method, path) pairs under `paths:` in docs/admin-api.yaml: a path is a key indented 2 spaces, its
    /// operations keys indented 4 spaces named after an HTTP method.
    func documentedEndpoints() throws -> [AdminEndpoint] {
        var root = "\(#filePath)"
        for _ in 0..<3 { // Tests/NexusAdminTests/AdminModelTests.swift
            let slash = try #require(root.lastIndex(of: "/"))
            root = String(root[..<slash])
        }
        let text = readFile(root + "/docs/admin-api.yaml")
        try #require(text.contains("openapi: 3.1"), "docs/admin-api.yaml is readable from \(root)")
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        var out: [AdminEndpoint] = []
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty && !line.hasPrefix("#") {
                inPaths = line == "paths:"
                path = nil
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), let colon = line.firstIndex(of: ":") {
                let key = line[line.index(line.startIndex, offsetBy: 4)..<colon]
                if methods.contains(String(key)) { out.append(AdminEndpoint(method: key.uppercased(), path: path)) }
            }
        }
        return out
    }

    @Test("consumer bodies have snake_case keys; a request without scopes decodes to none")
    func consumers() throws {
        let c = Consumer(id: "c_1", name: "billing", scopes: ["orders:read"], createdAt: 1_700_000_000)
        let json = try keys(c)
        #expect(json == #"{"created_at":1700000000,"id":"c_1","name":"billing","scopes":["orders:read"]}"#)
        #expect(try AdminJSON.decode(Consumer.self, from: Array(json.utf8)) == c)
        #expect(try keys(ConsumerList(consumers: [])) == #"{"consumers":[]}"#)
        #expect(try keys(CreateConsumerRequest(name: "n", scopes: ["s"])) == #"{"name":"n","scopes":["s"]}"#)
        #expect(try AdminJSON.decode(CreateConsumerRequest.self, from: Array(#"{"name":"n"}"#.utf8)) == CreateConsumerRequest(name: "n"))
    }

    @Test("consumer rules: ids, names and scopes")
    func rules() {
        #expect(ConsumerRules.isValidID("a") && ConsumerRules.isValidID("A-z_09") && ConsumerRules.isValidID(String(repeating: "x", count: 64)))
        #expect(!ConsumerRules.isValidID("") && !ConsumerRules.isValidID(String(repeating: "x", count: 65)))
        #expect(!ConsumerRules.isValidID("a.b") && !ConsumerRules.isValidID("a/b") && !ConsumerRules.isValidID("é"))
        #expect(ConsumerRules.isValidScope("orders:read.v1-x_y") && !ConsumerRules.isValidScope("a b") && !ConsumerRules.isValidScope(""))
        #expect(ConsumerRules.isValidName("Billing team ✓") && !ConsumerRules.isValidName("") && !ConsumerRules.isValidName("a\u{7F}"))
        #expect(ConsumerRules.isValidName(String(repeating: "ab", count: 64)) && !ConsumerRules.isValidName(String(repeating: "ab", count: 64) + "c"))
        #expect(ConsumerRules.problem(with: CreateConsumerRequest(name: "n", scopes: ["ok", "no way"])) == "scopes[1] must be 1 to 64 characters of A-Z a-z 0-9 _ . : -")
        #expect(ConsumerRules.problem(with: CreateConsumerRequest(name: "n", scopes: ["ok"])) == nil)
    }
}

@Suite("Admin model: keys, routes, usage, audit, backup")
struct AdminModelStateTests {
    func json(_ value: some Encodable) throws -> String {
        String(decoding: try AdminJSON.encode(value), as: UTF8.self)
    }

    static let key = ApiKey(id: "k_0123456789abcdef", consumer: "c_1", name: "ci", scopes: ["orders:read"],
                            prefix: "nx_k_0123456789abcdef_AbCd", status: "active", createdAt: 1_700_000_000,
                            expiresAt: 1_800_000_000, revokedAt: nil)

    @Test("ApiKey: snake_case keys; absent optionals are left out; round trip")
    func apiKey() throws {
        let s = try json(Self.key)
        #expect(s == #"{"consumer":"c_1","created_at":1700000000,"expires_at":1800000000,"id":"k_0123456789abcdef","name":"ci","prefix":"nx_k_0123456789abcdef_AbCd","scopes":["orders:read"],"status":"active"}"#)
        #expect(try AdminJSON.decode(ApiKey.self, from: Array(s.utf8)) == Self.key)
        var revoked = Self.key
        revoked.expiresAt = nil
        revoked.revokedAt = 1_700_000_100
        revoked.status = "revoked"
        let r = try json(revoked)
        #expect(r.contains(#""revoked_at":1700000100"#) && !r.contains("expires_at"))
        #expect(try AdminJSON.decode(ApiKey.self, from: Array(r.utf8)) == revoked)
        #expect(try json(KeyList(keys: [])) == #"{"keys":[]}"#)
    }

    @Test("CreatedKey: key, secret and previous only after a rotation")
    func createdKey() throws {
        let created = CreatedKey(key: Self.key, secret: "nx_k_0123456789abcdef_" + String(repeating: "A", count: 43))
        let s = try json(created)
        #expect(s.hasPrefix(#"{"key":{"consumer":"c_1","#))
        #expect(s.hasSuffix(#""secret":"nx_k_0123456789abcdef_\#(String(repeating: "A", count: 43))"}"#))
        #expect(!s.contains("previous"))
        #expect(try AdminJSON.decode(CreatedKey.self, from: Array(s.utf8)) == created)
        let rotated = CreatedKey(key: Self.key, secret: "s", previous: Self.key)
        let r = try json(rotated)
        #expect(r.contains(#""previous":{"consumer":"c_1""#))
        #expect(try AdminJSON.decode(CreatedKey.self, from: Array(r.utf8)) == rotated)
    }

    @Test("CreateKeyRequest: expires_in; missing optional keys take their defaults; consumer is required")
    func createKeyRequest() throws {
        #expect(try json(CreateKeyRequest(consumer: "c_1", name: "ci", scopes: ["a"], expiresIn: 60))
                == #"{"consumer":"c_1","expires_in":60,"name":"ci","scopes":["a"]}"#)
        #expect(try json(CreateKeyRequest(consumer: "c_1")) == #"{"consumer":"c_1","name":"","scopes":[]}"#)
        #expect(try AdminJSON.decode(CreateKeyRequest.self, from: Array(#"{"consumer":"c_1"}"#.utf8)) == CreateKeyRequest(consumer: "c_1"))
        #expect(try AdminJSON.decode(CreateKeyRequest.self, from: Array(#"{"consumer":"c_1","expires_in":null}"#.utf8)) == CreateKeyRequest(consumer: "c_1"))
        #expect(try AdminJSON.decode(CreateKeyRequest.self, from: Array(#"{"consumer":"c_1","expires_in":5}"#.utf8)).expiresIn == 5)
        #expect(throws: (any Error).self) { try AdminJSON.decode(CreateKeyRequest.self, from: Array(#"{"name":"x"}"#.utf8)) }
        #expect(throws: (any Error).self) { try AdminJSON.decode(CreateKeyRequest.self, from: Array(#"{"consumer":"c_1","expiresIn":5,"expires_in":"5"}"#.utf8)) }
        #expect(try AdminJSON.decode(RotateKeyRequest.self, from: Array("{}".utf8)) == RotateKeyRequest(grace: 0))
        #expect(try json(RotateKeyRequest(grace: 3600)) == #"{"grace":3600}"#)
    }

    @Test("KeyRules: ids and the 400 details")
    func keyRules() {
        #expect(KeyRules.isValidID("k_0123456789abcdef"))
        for bad in ["k_0123456789ABCDEF", "k_0123456789abcde", "k_0123456789abcdef0", "x_0123456789abcdef", "k_0123456789abcdeg", ""] {
            #expect(!KeyRules.isValidID(bad), "\(bad)")
        }
        #expect(KeyRules.problem(with: CreateKeyRequest(consumer: "c_1")) == nil)
        #expect(KeyRules.problem(with: CreateKeyRequest(consumer: "c 1")) == "consumer must be a consumer id")
        #expect(KeyRules.problem(with: CreateKeyRequest(consumer: "c_1", name: "a\u{1}")) == "name must be at most 128 bytes of UTF-8 without control characters")
        #expect(KeyRules.problem(with: CreateKeyRequest(consumer: "c_1", scopes: ["ok", "no way"])) == "scopes[1] must be 1 to 64 characters of A-Z a-z 0-9 _ . : -")
        #expect(KeyRules.problem(with: CreateKeyRequest(consumer: "c_1", expiresIn: 0)) == "expires_in must be 1 to 316224000 seconds")
        #expect(KeyRules.problem(with: CreateKeyRequest(consumer: "c_1", expiresIn: KeyRules.maxSeconds + 1)) == "expires_in must be 1 to 316224000 seconds")
        #expect(KeyRules.problem(with: CreateKeyRequest(consumer: "c_1", expiresIn: KeyRules.maxSeconds)) == nil)
    }

    @Test("RouteInfo: spec is any JSON, encoded with sorted keys; problem only when set")
    func routeInfo() throws {
        let spec = JSONValue.object(["path_prefix": .string("/v2/"), "upstream": .string("api"), "strip_prefix": .bool(true),
                                     "methods": .array([.string("GET"), .string("POST")]), "status": .integer(201),
                                     "weight": .number(0.5), "x": .null])
        let r = RouteInfo(name: "/api/echo:GET,POST", source: "runtime", active: true, spec: spec)
        let s = try json(r)
        #expect(s == #"{"active":true,"name":"/api/echo:GET,POST","source":"runtime","spec":{"methods":["GET","POST"],"path_prefix":"/v2/","status":201,"strip_prefix":true,"upstream":"api","weight":0.5,"x":null}}"#)
        #expect(try AdminJSON.decode(RouteInfo.self, from: Array(s.utf8)) == r)
        let p = RouteInfo(name: "a", source: "override", active: false, spec: .object([:]), problem: "its upstream is gone")
        #expect(try json(p) == #"{"active":false,"name":"a","problem":"its upstream is gone","source":"override","spec":{}}"#)
        #expect(try json(RouteList(routes: [])) == #"{"routes":[]}"#)
        // JSONValue keeps integers apart from other numbers and decodes nested values.
        #expect(try AdminJSON.decode(JSONValue.self, from: Array(#"[1,1.5,"s",true,null,{"a":[]}]"#.utf8))
                == .array([.integer(1), .number(1.5), .string("s"), .bool(true), .null, .object(["a": .array([])])]))
    }

    @Test("UsageRow and UsageList: snake_case keys; period_start and consumer left out when nil")
    func usage() throws {
        let hour = UsageRow(periodStart: 1_795_773_600, route: "api", consumer: "c_1", requests: 10, clientErrors: 2, serverErrors: 1)
        #expect(try json(hour) == #"{"client_errors":2,"consumer":"c_1","period_start":1795773600,"rejected":0,"requests":10,"route":"api","server_errors":1}"#)
        let total = UsageRow(periodStart: nil, route: "api", consumer: nil, requests: 3, clientErrors: 0, serverErrors: 0)
        #expect(try json(total) == #"{"client_errors":0,"rejected":0,"requests":3,"route":"api","server_errors":0}"#)
        let list = UsageList(period: "hour", rows: [hour, total])
        let s = try json(list)
        #expect(s.hasPrefix(#"{"period":"hour","rows":[{"client_errors":2,"#))
        #expect(try AdminJSON.decode(UsageList.self, from: Array(s.utf8)) == list)
    }

    @Test("AuditEntry: unix_ms; absent optionals left out; round trip")
    func audit() throws {
        let e = AuditEntry(sequence: 7, unixMilliseconds: 1_795_773_600_123, time: "2026-11-27T10:00:00.123Z", action: "keys.create",
                           outcome: "ok", uid: 0, gid: 0, pid: 42, consumer: "c_1", target: "k_0123456789abcdef", detail: "name ci")
        let s = try json(e)
        #expect(s == #"{"action":"keys.create","consumer":"c_1","detail":"name ci","gid":0,"outcome":"ok","pid":42,"sequence":7,"target":"k_0123456789abcdef","time":"2026-11-27T10:00:00.123Z","uid":0,"unix_ms":1795773600123}"#)
        #expect(try AdminJSON.decode(AuditEntry.self, from: Array(s.utf8)) == e)
        let bare = AuditEntry(sequence: 1, unixMilliseconds: 5, time: "1970-01-01T00:00:00.005Z", action: "auth.failure", outcome: "refused")
        #expect(try json(bare) == #"{"action":"auth.failure","outcome":"refused","sequence":1,"time":"1970-01-01T00:00:00.005Z","unix_ms":5}"#)
        #expect(try json(AuditList(entries: [])) == #"{"entries":[]}"#)
    }

    @Test("RestoreResponse: runtime_routes")
    func restore() throws {
        let r = RestoreResponse(records: 9, consumers: 2, keys: 3, runtimeRoutes: 1)
        let s = try json(r)
        #expect(s == #"{"consumers":2,"keys":3,"records":9,"runtime_routes":1}"#)
        #expect(try AdminJSON.decode(RestoreResponse.self, from: Array(s.utf8)) == r)
    }

    func auditError(_ q: [String: String]) -> String? {
        if case .failure(let e) = AuditQuery.parse(q) { return e.detail }
        return nil
    }

    func usageError(_ q: [String: String]) -> String? {
        if case .failure(let e) = UsageQuery.parse(q) { return e.detail }
        return nil
    }

    @Test("AuditQuery.parse: good values, each bad value's 400 detail, an unknown parameter")
    func auditQuery() throws {
        #expect(try AuditQuery.parse([:]).get() == AuditQuery())
        #expect(try AuditQuery.parse(["since": "0", "until": "1795773600", "consumer": "c_1", "action": "keys.", "limit": "10000"]).get()
                == AuditQuery(since: 0, until: 1_795_773_600, consumer: "c_1", action: "keys.", limit: 10_000))
        #expect(try AuditQuery.parse(["limit": "1"]).get().limit == 1)
        for v in ["-1", "x", "", "1.5"] {
            #expect(auditError(["since": v]) == "since must be seconds since the Unix epoch", "\(v)")
            #expect(auditError(["until": v]) == "until must be seconds since the Unix epoch", "\(v)")
        }
        for v in ["", "a b", "a.b", String(repeating: "c", count: 65)] {
            #expect(auditError(["consumer": v]) == "consumer must be a consumer id", "\(v)")
        }
        for v in ["", "a b", String(repeating: "a", count: 65), "é", "a\u{7F}"] {
            #expect(auditError(["action": v]) == "action must be 1 to 64 printable characters", "\(v)")
        }
        for v in ["0", "10001", "-5", "ten"] {
            #expect(auditError(["limit": v]) == "limit must be 1 to 10000", "\(v)")
        }
        #expect(auditError(["period": "day"]) == "unknown query parameter 'period'; known: since, until, consumer, action, limit")
        #expect(auditError([String(repeating: "z", count: 40): "1"])
                == "unknown query parameter '\(String(repeating: "z", count: 32))'; known: since, until, consumer, action, limit")
        #expect(AuditQuery(since: 5, consumer: "c_1", action: "keys.create", limit: 3).queryString
                == "since=5&consumer=c_1&action=keys.create&limit=3")
        #expect(AuditQuery().queryString == "limit=100")
    }

    @Test("AuditQuery.matches: since and until in seconds (inclusive), consumer, exact or prefix action")
    func auditMatches() {
        let e = AuditEntry(sequence: 1, unixMilliseconds: 10_500, time: "", action: "keys.create", outcome: "ok", consumer: "c_1")
        #expect(AuditQuery(since: 10, until: 10).matches(e))
        #expect(!AuditQuery(since: 11).matches(e) && !AuditQuery(until: 9).matches(e))
        #expect(AuditQuery(action: "keys.").matches(e) && AuditQuery(action: "keys.create").matches(e))
        #expect(!AuditQuery(action: "keys").matches(e) && !AuditQuery(action: "consumers.").matches(e))
        #expect(AuditQuery(consumer: "c_1").matches(e) && !AuditQuery(consumer: "c_2").matches(e))
    }

    @Test("UsageQuery.parse: good values, each bad value's 400 detail, an unknown parameter")
    func usageQuery() throws {
        #expect(try UsageQuery.parse([:]).get() == UsageQuery())
        #expect(try UsageQuery.parse(["consumer": "c_1", "route": "/api/echo:GET", "since": "1", "until": "2", "period": "hour"]).get()
                == UsageQuery(consumer: "c_1", route: "/api/echo:GET", since: 1, until: 2, period: .hour))
        #expect(try UsageQuery.parse(["period": "total"]).get().period == .total)
        #expect(try UsageQuery.parse(["route": String(repeating: "r", count: 256)]).get().route?.count == 256)
        for v in ["-1", "x", ""] {
            #expect(usageError(["since": v]) == "since must be seconds since the Unix epoch", "\(v)")
            #expect(usageError(["until": v]) == "until must be seconds since the Unix epoch", "\(v)")
        }
        #expect(usageError(["consumer": "a/b"]) == "consumer must be a consumer id")
        #expect(usageError(["route": ""]) == "route must be a route name")
        #expect(usageError(["route": String(repeating: "r", count: 257)]) == "route must be a route name")
        for v in ["week", "", "Hour"] {
            #expect(usageError(["period": v]) == "period must be hour, day or total", "\(v)")
        }
        #expect(usageError(["limit": "5"]) == "unknown query parameter 'limit'; known: consumer, route, since, until, period")
        #expect(UsageQuery(route: "a b", since: 7, period: .hour).queryString == "route=a%20b&since=7&period=hour")
        #expect(UsageQuery().queryString == "period=day")
    }

    @Test("AdminQuery: encode then parse gives the values back (spaces, %, &, =, /, +, unicode)")
    func adminQuery() {
        let values = ["a b", "100%", "x&y=z", "/api/echo:GET,POST", "é ✓ 日本", "1+1", "*.example.com/b/*", "~._-", ""]
        for v in values {
            let q = AdminQuery.encode([("k", v), ("other key", "1")])
            #expect(q.split(separator: "&").count == 2 && q.hasSuffix("&other%20key=1"), "\(q)")
            #expect(AdminQuery.parse(Substring(q)) == ["k": v, "other key": "1"], "\(v) -> \(q)")
        }
        #expect(AdminQuery.encode([("a", "x y&z"), ("b", nil), ("c", "%/é")]) == "a=x%20y%26z&c=%25%2F%C3%A9")
        #expect(AdminQuery.encode([("a", nil)]) == "")
        // Parse: '+' is a space, a repeated name keeps the last value, bad pairs are dropped, a bare name is empty.
        #expect(AdminQuery.parse("a=1+2&a=3&b=%zz&c=%4&d&e=%0A&f=%C3%A9") == ["a": "3", "d": "", "f": "é"])
        #expect(AdminQuery.parse("x=a%2Bb") == ["x": "a+b"])
        #expect(AdminQuery.parse("") == [:])
    }

    @Test("RouteNamePath: encode then decode gives the name back; bad percent-encoding is nil")
    func routeNamePath() {
        #expect(RouteNamePath.encode("/api/echo:GET,POST") == "%2Fapi%2Fecho%3AGET%2CPOST")
        #expect(RouteNamePath.encode("*.example.com/b/*") == "%2A.example.com%2Fb%2F%2A")
        #expect(RouteNamePath.encode("billing-api_v1.2") == "billing-api_v1.2")
        for name in ["/api/echo:GET,POST", "*.example.com/b/*", "a b", "100%", "é✓", "a+b", "?#&=", String(repeating: "x", count: 256)] {
            let e = RouteNamePath.encode(name)
            #expect(!e.contains("/") && !e.contains("?") && !e.contains(" "), "\(e)")
            #expect(RouteNamePath.decode(e) == name, "\(name)")
        }
        for bad in ["%", "%2", "%zz", "a%2", "%G0", "", "%0A", "%7F", "%C3", "%FF", String(repeating: "x", count: 257), "%00"] {
            #expect(RouteNamePath.decode(bad) == nil, "\(bad)")
        }
        #expect(RouteNamePath.decode("a+b") == "a+b", "a '+' is itself in a path")
        #expect(RouteNamePath.decode("%2f") == "/", "lower-case hex is accepted")
    }
}
