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

    @Test("endpoints are the four documented ones")
    func endpoints() {
        #expect(AdminAPI.endpoints.map(\.description) == ["GET /v1/status", "POST /v1/config/reload",
                                                          "POST /v1/config/check", "GET /v1/state/verify"])
    }
}
