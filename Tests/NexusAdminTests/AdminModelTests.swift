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

    @Test("endpoints are the documented ones")
    func endpoints() {
        #expect(AdminAPI.endpoints.map(\.description) == ["GET /v1/status", "POST /v1/config/reload",
                                                          "POST /v1/config/check", "GET /v1/state/verify",
                                                          "GET /v1/consumers", "POST /v1/consumers",
                                                          "GET /v1/consumers/{id}", "DELETE /v1/consumers/{id}"])
        #expect(AdminAPI.consumerDelete.with(id: "c_1").description == "DELETE /v1/consumers/c_1")
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
