import NexusAdmin
import NexusAdminModel
import Testing

/// The key, route, usage, audit and backup endpoints through a real AdminServer with `FakeState`'s handlers.
@Suite("Key, route, usage, audit and backup endpoints")
struct StateEndpointTests {
    func problem(_ r: RawResponse?, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try #require(r, sourceLocation: sourceLocation)
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers["content-type"] == "application/problem+json", sourceLocation: sourceLocation)
        let p = try AdminJSON.decode(ErrorResponse.self, from: r.body)
        #expect(p.status == status, sourceLocation: sourceLocation)
        return p.detail
    }

    func ok(_ r: RawResponse?, _ status: Int = 200, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try #require(r, sourceLocation: sourceLocation)
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
        return r.text
    }

    static let key1 = #"{"consumer":"c_1","created_at":1700000001,"expires_at":1700003601,"id":"k_0000000000000001","name":"ci","prefix":"nx_k_0000000000000001_SSSS","scopes":["orders:read"],"status":"active"}"#
    static let secret1 = "nx_k_0000000000000001_" + String(repeating: "S", count: 42) + "1"

    @Test("keys: create 201 with the secret; list (all, of a consumer); show; revoke; revoke again answers it unchanged; rotate 201 with previous; rotate of a revoked key 409")
    func keys() throws {
        let fake = FakeState()
        let server = try startServer(fake.handlers())
        defer { server.stop() }
        let p = server.path
        #expect(try ok(request(p, "GET", "/v1/keys")) == #"{"keys":[]}"#)
        let created = try ok(request(p, "POST", "/v1/keys", body: #"{"consumer":"c_1","name":"ci","scopes":["orders:read"],"expires_in":3600}"#), 201)
        #expect(created == #"{"key":\#(Self.key1),"secret":"\#(Self.secret1)"}"#)
        #expect(try ok(request(p, "POST", "/v1/keys", body: #"{"consumer":"c_2"}"#), 201).contains(#""id":"k_0000000000000002""#))
        #expect(try ok(request(p, "GET", "/v1/keys?consumer=c_1")) == #"{"keys":[\#(Self.key1)]}"#)
        #expect(try AdminJSON.decode(KeyList.self, from: Array(ok(request(p, "GET", "/v1/keys")).utf8)).keys.count == 2)
        #expect(try ok(request(p, "GET", "/v1/keys/k_0000000000000001")) == Self.key1)

        let revoked = try AdminJSON.decode(ApiKey.self, from: Array(ok(request(p, "POST", "/v1/keys/k_0000000000000002/revoke")).utf8))
        #expect(revoked.status == "revoked" && revoked.revokedAt == 1_700_000_100)
        #expect(try ok(request(p, "POST", "/v1/keys/k_0000000000000002/revoke")) == String(decoding: try AdminJSON.encode(revoked), as: UTF8.self))
        #expect(try problem(request(p, "POST", "/v1/keys/k_0000000000000002/rotate"), 409) == "the key is revoked; only an active key can be rotated")

        let rotated = try AdminJSON.decode(CreatedKey.self, from: Array(ok(request(p, "POST", "/v1/keys/k_0000000000000001/rotate",
                                                                                  body: #"{"grace":3600}"#), 201).utf8))
        #expect(rotated.key.id == "k_0000000000000003" && rotated.secret == "nx_k_0000000000000003_" + String(repeating: "S", count: 42) + "3")
        #expect(rotated.key.consumer == "c_1" && rotated.key.name == "ci" && rotated.key.scopes == ["orders:read"])
        #expect(rotated.previous?.id == "k_0000000000000001" && rotated.previous?.revokedAt == 1_700_003_600)
        // No body, a blank body and {} all mean grace 0.
        #expect(try ok(request(p, "POST", "/v1/keys/k_0000000000000003/rotate"), 201).contains(#""previous":"#))
        #expect(try ok(request(p, "POST", "/v1/keys/k_0000000000000004/rotate", body: " \r\n"), 201).contains(#""previous":"#))
        #expect(try ok(request(p, "POST", "/v1/keys/k_0000000000000005/rotate", body: "{}"), 201).contains(#""previous":"#))
        #expect(fake.calls.withLock { $0 } == [
            "keys.list -", "keys.create c_1 ci [\"orders:read\"] 3600", "keys.create c_2  [] -", "keys.list c_1", "keys.list -",
            "keys.get k_0000000000000001", "keys.revoke k_0000000000000002", "keys.revoke k_0000000000000002", "keys.rotate k_0000000000000002 0",
            "keys.rotate k_0000000000000001 3600", "keys.rotate k_0000000000000003 0", "keys.rotate k_0000000000000004 0",
            "keys.rotate k_0000000000000005 0",
        ])
    }

    @Test("keys: 400 for bad JSON, bad fields, a bad consumer filter, a bad rotate body or grace; the handler is not called")
    func keyBadRequests() throws {
        let fake = FakeState()
        let server = try startServer(fake.handlers())
        defer { server.stop() }
        let p = server.path
        for body in ["", "{nope", "[]", #"{"name":"x"}"#, #"{"consumer":1}"#, #"{"consumer":"c_1","expires_in":"1h"}"#] {
            #expect(try problem(request(p, "POST", "/v1/keys", body: body), 400)
                    == #"the body must be a JSON object like {"consumer": "c_0123456789abcdef", "name": "ci"}"#, "\(body)")
        }
        let rules: [(String, String)] = [
            (#"{"consumer":"c 1"}"#, "consumer must be a consumer id"),
            (#"{"consumer":"c_1","name":"a\u0001"}"#, "name must be at most 128 bytes of UTF-8 without control characters"),
            (#"{"consumer":"c_1","scopes":["ok","a b"]}"#, "scopes[1] must be 1 to 64 characters of A-Z a-z 0-9 _ . : -"),
            (#"{"consumer":"c_1","expires_in":0}"#, "expires_in must be 1 to 316224000 seconds"),
            (#"{"consumer":"c_1","expires_in":316224001}"#, "expires_in must be 1 to 316224000 seconds"),
        ]
        for (body, detail) in rules {
            #expect(try problem(request(p, "POST", "/v1/keys", body: body), 400) == detail, "\(body)")
        }
        for q in ["a%20b", "a.b", "", String(repeating: "c", count: 65)] {
            #expect(try problem(request(p, "GET", "/v1/keys?consumer=\(q)"), 400) == "consumer must be a consumer id", "\(q)")
        }
        #expect(fake.calls.withLock { $0 } == [])

        _ = try ok(request(p, "POST", "/v1/keys", body: #"{"consumer":"c_1"}"#), 201)
        let rotate = "/v1/keys/k_0000000000000001/rotate"
        for body in ["{nope", "[]", #"{"grace":"1h"}"#, "3600"] {
            #expect(try problem(request(p, "POST", rotate, body: body), 400)
                    == #"the body must be empty or a JSON object like {"grace": 3600}"#, "\(body)")
        }
        for grace in ["-1", "316224001"] {
            #expect(try problem(request(p, "POST", rotate, body: #"{"grace":\#(grace)}"#), 400) == "grace must be 0 to 316224000 seconds")
        }
        #expect(try ok(request(p, "POST", rotate, body: #"{"grace":316224000}"#), 201).contains("previous"))
        #expect(fake.calls.withLock { $0 }.filter { $0.hasPrefix("keys.rotate") } == ["keys.rotate k_0000000000000001 316224000"])
    }

    @Test("keys: a malformed or unknown id is a 404 with noSuchKeyDetail; handler failures keep their status")
    func keyNotFound() throws {
        let fake = FakeState()
        let server = try startServer(fake.handlers())
        defer { server.stop() }
        let p = server.path
        for id in ["k_bad", "K_0000000000000001", "k_000000000000000A", "k_00000000000000001", "k_0000000000000001%20"] {
            #expect(try problem(request(p, "GET", "/v1/keys/\(id)"), 404) == AdminAPI.noSuchKeyDetail, "\(id)")
            #expect(try problem(request(p, "POST", "/v1/keys/\(id)/revoke"), 404) == AdminAPI.noSuchKeyDetail, "\(id)")
            #expect(try problem(request(p, "POST", "/v1/keys/\(id)/rotate"), 404) == AdminAPI.noSuchKeyDetail, "\(id)")
        }
        #expect(fake.calls.withLock { $0 } == [], "malformed ids never reach the handlers")
        #expect(try problem(request(p, "GET", "/v1/keys/k_0000000000000009"), 404) == AdminAPI.noSuchKeyDetail)
        #expect(try problem(request(p, "POST", "/v1/keys/k_0000000000000009/revoke"), 404) == AdminAPI.noSuchKeyDetail)
        #expect(try problem(request(p, "POST", "/v1/keys/k_0000000000000009/rotate"), 404) == AdminAPI.noSuchKeyDetail)
        #expect(try problem(request(p, "POST", "/v1/keys", body: #"{"consumer":"c_gone"}"#), 404) == "no consumer has the id 'c_gone'")
        #expect(try problem(request(p, "POST", "/v1/keys", body: #"{"consumer":"c_1","name":"full-disk"}"#), 507) == "the state disk is full")
        // Not an endpoint at all.
        for path in ["/v1/keys/", "/v1/keys/k_0000000000000001/other", "/v1/keys/k_0000000000000001/rotate/x"] {
            #expect(try problem(request(p, "POST", path), 404).hasPrefix("no such endpoint"), "\(path)")
        }
    }

    static let echoPath = "/v1/routes/%2Fapi%2Fecho%3AGET%2CPOST"
    static let echo = #"{"active":true,"name":"/api/echo:GET,POST","source":"config","spec":{"handler":"echo","methods":["GET","POST"],"path":"/api/echo"}}"#

    @Test("routes: list, get, put (201 new, 409 taken, 200 replaced), delete, reset; names arrive decoded")
    func routes() throws {
        let fake = FakeState()
        let server = try startServer(fake.handlers())
        defer { server.stop() }
        let p = server.path
        let list = try AdminJSON.decode(RouteList.self, from: Array(ok(request(p, "GET", "/v1/routes")).utf8))
        #expect(list.routes.map(\.name) == ["*.example.com/b/*", "/api/echo:GET,POST"])
        #expect(try ok(request(p, "GET", Self.echoPath)) == Self.echo)
        #expect(try ok(request(p, "GET", "/v1/routes/" + RouteNamePath.encode("*.example.com/b/*"))).contains(#""upstream":"b""#))
        #expect(try ok(request(p, "GET", "/v1/routes/%2fapi%2fecho%3aGET%2cPOST")) == Self.echo, "lower-case hex")

        let spec = #"{"path_prefix":"/v2/","upstream":"api","strip_prefix":true}"#
        #expect(try ok(request(p, "PUT", "/v1/routes/api-v2", body: spec), 201)
                == #"{"active":true,"name":"api-v2","source":"runtime","spec":{"path_prefix":"/v2/","strip_prefix":true,"upstream":"api"}}"#)
        #expect(try problem(request(p, "PUT", "/v1/routes/api-v2", body: spec), 409)
                == "a route named 'api-v2' exists; replace it with replace=true (nexusctl routes add --replace)")
        #expect(try problem(request(p, "PUT", "/v1/routes/api-v2?replace=false", body: spec), 409).hasPrefix("a route named 'api-v2' exists"))
        #expect(try ok(request(p, "PUT", "/v1/routes/api-v2?replace=true", body: #"{"path":"/v2","handler":"echo"}"#), 200)
                == #"{"active":true,"name":"api-v2","source":"runtime","spec":{"handler":"echo","path":"/v2"}}"#)
        #expect(try ok(request(p, "PUT", Self.echoPath + "?replace=true", body: #"{"handler":"echo","methods":["GET","POST"],"path":"/api/echo"}"#), 200)
                .contains(#""source":"override""#))
        #expect(try ok(request(p, "POST", Self.echoPath + "/reset")) == Self.echo)
        #expect(try problem(request(p, "POST", Self.echoPath + "/reset"), 404) == "the route '/api/echo:GET,POST' has no runtime change to reset")
        #expect(try ok(request(p, "DELETE", Self.echoPath)) == Self.echo.replacing(#""active":true"#, with: #""active":false"#)
            .replacing(#""source":"config""#, with: #""source":"removed""#))
        #expect(try ok(request(p, "DELETE", "/v1/routes/api-v2")).contains(#""name":"api-v2""#))
        #expect(try problem(request(p, "GET", "/v1/routes/api-v2"), 404) == AdminAPI.noSuchRouteDetail)
        #expect(try problem(request(p, "DELETE", "/v1/routes/api-v2"), 404) == AdminAPI.noSuchRouteDetail)
        #expect(fake.calls.withLock { $0 } == [
            "routes.list", "routes.get /api/echo:GET,POST", "routes.get *.example.com/b/*", "routes.get /api/echo:GET,POST",
            "routes.put api-v2 replace=false \(spec)", "routes.put api-v2 replace=false \(spec)", "routes.put api-v2 replace=false \(spec)",
            #"routes.put api-v2 replace=true {"path":"/v2","handler":"echo"}"#,
            #"routes.put /api/echo:GET,POST replace=true {"handler":"echo","methods":["GET","POST"],"path":"/api/echo"}"#,
            "routes.reset /api/echo:GET,POST", "routes.reset /api/echo:GET,POST", "routes.delete /api/echo:GET,POST",
            "routes.delete api-v2", "routes.get api-v2", "routes.delete api-v2",
        ])
    }

    @Test("routes: 400 for a body that is not a JSON object or a bad replace; the handler's 400; bad names are 404")
    func routeBadRequests() throws {
        let fake = FakeState()
        let server = try startServer(fake.handlers())
        defer { server.stop() }
        let p = server.path
        let notObject = #"the body must be a JSON object with the keys of a route in the configuration, like {"path_prefix": "/v2/", "upstream": "api"}"#
        for body in ["", "{nope", "[]", #""x""#, "3", "null", "true"] {
            #expect(try problem(request(p, "PUT", "/v1/routes/r1", body: body), 400) == notObject, "\(body)")
        }
        for v in ["yes", "1", "TRUE", ""] {
            #expect(try problem(request(p, "PUT", "/v1/routes/r1?replace=\(v)", body: "{}"), 400) == "replace must be true or false", "\(v)")
        }
        #expect(fake.calls.withLock { $0 } == [])
        #expect(try problem(request(p, "PUT", "/v1/routes/r1", body: #"{"path":"/x","upstream":"nope"}"#), 400)
                == #"the route is not valid: routes[0].upstream: unknown upstream "nope""#)
        for segment in ["%zz", "%2", "a%0Ab", "%C3", String(repeating: "x", count: 257)] {
            for (method, suffix) in [("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/reset")] {
                #expect(try problem(request(p, method, "/v1/routes/\(segment)\(suffix)", body: method == "PUT" ? "{}" : nil), 404)
                        == AdminAPI.noSuchRouteDetail, "\(method) \(segment)")
            }
        }
        #expect(fake.calls.withLock { $0 }.count == 1)
    }

    @Test("usage: the query reaches the handler parsed; rows as JSON; 400 for a bad or unknown parameter")
    func usage() throws {
        let fake = FakeState()
        let server = try startServer(fake.handlers())
        defer { server.stop() }
        let p = server.path
        let hour = try ok(request(p, "GET", "/v1/usage?period=hour&consumer=c_1&route=%2Fapi%2Fecho%3AGET&since=1795766000&until=1795786000"))
        #expect(hour == #"{"period":"hour","rows":[{"client_errors":2,"consumer":"c_1","period_start":1795773600,"rejected":0,"requests":12,"route":"/api/echo:GET","server_errors":1},{"client_errors":0,"period_start":1795777200,"rejected":0,"requests":1234,"route":"/api/echo:GET","server_errors":10}]}"#)
        #expect(try ok(request(p, "GET", "/v1/usage?period=total")) == #"{"period":"total","rows":[{"client_errors":3,"rejected":0,"requests":30,"route":"api","server_errors":0}]}"#)
        #expect(try ok(request(p, "GET", "/v1/usage")).hasPrefix(#"{"period":"day","rows":["#))
        #expect(fake.usageQueries.withLock { $0 } == [
            UsageQuery(consumer: "c_1", route: "/api/echo:GET", since: 1_795_766_000, until: 1_795_786_000, period: .hour),
            UsageQuery(period: .total), UsageQuery(),
        ])
        let bad: [(String, String)] = [
            ("since=-1", "since must be seconds since the Unix epoch"), ("until=x", "until must be seconds since the Unix epoch"),
            ("consumer=a%2Fb", "consumer must be a consumer id"), ("route=", "route must be a route name"),
            ("period=week", "period must be hour, day or total"),
            ("by=hour", "unknown query parameter 'by'; known: consumer, route, since, until, period"),
        ]
        for (q, detail) in bad {
            #expect(try problem(request(p, "GET", "/v1/usage?\(q)"), 400) == detail, "\(q)")
        }
        #expect(fake.usageQueries.withLock { $0 }.count == 3)
    }

    @Test("audit: the filters reach the handler parsed; entries as JSON; 400 for a bad or unknown parameter")
    func audit() throws {
        let fake = FakeState()
        let server = try startServer(fake.handlers())
        defer { server.stop() }
        let p = server.path
        let all = try AdminJSON.decode(AuditList.self, from: Array(ok(request(p, "GET", "/v1/audit")).utf8))
        #expect(all.entries == FakeState.auditEntries)
        let keys = try ok(request(p, "GET", "/v1/audit?action=keys.&consumer=c_1&since=1795773600&until=1795773601&limit=5"))
        #expect(keys == #"{"entries":[{"action":"keys.create","consumer":"c_1","gid":1000,"outcome":"ok","pid":900,"sequence":2,"target":"k_0000000000000001","time":"2026-11-27T10:00:01.500Z","uid":1000,"unix_ms":1795773601500}]}"#)
        #expect(try ok(request(p, "GET", "/v1/audit?limit=1")).contains(#""sequence":3"#))
        #expect(fake.auditQueries.withLock { $0 } == [
            AuditQuery(), AuditQuery(since: 1_795_773_600, until: 1_795_773_601, consumer: "c_1", action: "keys.", limit: 5), AuditQuery(limit: 1),
        ])
        let bad: [(String, String)] = [
            ("since=yesterday", "since must be seconds since the Unix epoch"), ("until=-5", "until must be seconds since the Unix epoch"),
            ("consumer=a.b", "consumer must be a consumer id"), ("action=a%20b", "action must be 1 to 64 printable characters"),
            ("limit=0", "limit must be 1 to 10000"), ("limit=10001", "limit must be 1 to 10000"),
            ("period=day", "unknown query parameter 'period'; known: since, until, consumer, action, limit"),
        ]
        for (q, detail) in bad {
            #expect(try problem(request(p, "GET", "/v1/audit?\(q)"), 400) == detail, "\(q)")
        }
        #expect(fake.auditQueries.withLock { $0 }.count == 3)
    }

    @Test("backup answers the bytes as application/octet-stream; restore takes a body, 400 when empty or refused")
    func backupRestore() throws {
        let fake = FakeState()
        let server = try startServer(fake.handlers())
        defer { server.stop() }
        let p = server.path
        let b = try #require(request(p, "GET", "/v1/state/backup"))
        #expect(b.status == 200)
        #expect(b.headers["content-type"] == "application/octet-stream")
        #expect(b.headers["content-length"] == "\(FakeState.backupBytes.count)")
        #expect(b.headers["cache-control"] == "no-store")
        #expect(b.body == FakeState.backupBytes)

        let file = "NXSNAP-a-backup"
        let restored = try #require(exchange(p, "POST /v1/state/restore HTTP/1.1\r\nHost: l\r\nContent-Type: application/octet-stream\r\nContent-Length: \(file.utf8.count)\r\n\r\n\(file)"))
        #expect(try ok(restored) == #"{"consumers":2,"keys":3,"records":17,"runtime_routes":1}"#)
        #expect(fake.restored.withLock { $0 } == [Array(file.utf8)])
        #expect(try problem(request(p, "POST", "/v1/state/restore"), 400) == "the body must be a backup file (nexusctl backup FILE makes one)")
        #expect(try problem(request(p, "POST", "/v1/state/restore", body: ""), 400) == "the body must be a backup file (nexusctl backup FILE makes one)")
        #expect(try problem(request(p, "POST", "/v1/state/restore", body: "{}"), 400) == "not a valid backup file: its header is not a snapshot's")
        #expect(fake.calls.withLock { $0 } == ["backup", "restore 15", "restore 2"])
    }

    @Test("without their handlers, each group's endpoints are a 404 saying so")
    func disabled() throws {
        let server = try startServer(fakeHandlers(state: false))
        defer { server.stop() }
        let p = server.path
        let cases: [(String, String, String?, String)] = [
            ("GET", "/v1/keys", nil, "this nexusd does not manage keys"),
            ("POST", "/v1/keys", #"{"consumer":"c_1"}"#, "this nexusd does not manage keys"),
            ("GET", "/v1/keys/k_0000000000000001", nil, "this nexusd does not manage keys"),
            ("POST", "/v1/keys/k_0000000000000001/revoke", nil, "this nexusd does not manage keys"),
            ("POST", "/v1/keys/k_0000000000000001/rotate", nil, "this nexusd does not manage keys"),
            ("GET", "/v1/routes", nil, "this nexusd does not manage runtime routes"),
            ("GET", "/v1/routes/a", nil, "this nexusd does not manage runtime routes"),
            ("PUT", "/v1/routes/a", "{}", "this nexusd does not manage runtime routes"),
            ("DELETE", "/v1/routes/a", nil, "this nexusd does not manage runtime routes"),
            ("POST", "/v1/routes/a/reset", nil, "this nexusd does not manage runtime routes"),
            ("GET", "/v1/usage", nil, "this nexusd keeps no usage counters"),
            ("GET", "/v1/audit", nil, "this nexusd keeps no audit log"),
            ("GET", "/v1/state/backup", nil, "this nexusd runs without durable state"),
            ("POST", "/v1/state/restore", "NXSNAP", "this nexusd runs without durable state"),
            ("GET", "/v1/state/verify", nil, "this nexusd runs without durable state"),
        ]
        for (method, path, body, detail) in cases {
            #expect(try problem(request(p, method, path, body: body), 404) == detail, "\(method) \(path)")
        }
    }

    @Test("other methods are a 405 with Allow listing the path's methods")
    func methods() throws {
        let server = try startServer(FakeState().handlers())
        defer { server.stop() }
        let p = server.path
        let cases: [(String, String, String)] = [
            ("PUT", "/v1/keys", "GET, POST"), ("DELETE", "/v1/keys/k_0000000000000001", "GET"),
            ("GET", "/v1/keys/k_0000000000000001/revoke", "POST"), ("GET", "/v1/keys/k_0000000000000001/rotate", "POST"),
            ("POST", "/v1/routes", "GET"), ("POST", "/v1/routes/a", "GET, PUT, DELETE"), ("GET", "/v1/routes/a/reset", "POST"),
            ("POST", "/v1/usage", "GET"), ("DELETE", "/v1/audit", "GET"),
            ("POST", "/v1/state/backup", "GET"), ("GET", "/v1/state/restore", "POST"),
        ]
        for (method, path, allow) in cases {
            let r = try #require(request(p, method, path, body: method == "GET" ? nil : "{}"))
            #expect(r.status == 405, "\(method) \(path)")
            #expect(r.headers["allow"] == allow, "\(method) \(path)")
            #expect(try problem(r, 405) == "this endpoint does not take this method")
        }
    }
}
