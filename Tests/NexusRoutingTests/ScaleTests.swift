import NexusRouting
import Testing

@Suite("A large table")
struct ScaleTests {
    /// 1,000 rules: 250 exact paths, 250 templates, 250 prefixes on any host, and 250 exact hosts.
    static func rules() -> [RouteRule<String>] {
        var rules: [RouteRule<String>] = []
        for i in 0..<250 {
            rules.append(rule("exact\(i)", .exact("/svc\(i)/health"), ["GET"]))
            rules.append(rule("template\(i)", .template("/svc\(i)/items/{id}")))
            rules.append(rule("prefix\(i)", .prefix("/files\(i)/")))
            rules.append(rule("host\(i)", host: .exact("h\(i).example.com"), .exact("/")))
        }
        return rules
    }

    @Test("1,000 routes resolve to the right rule")
    func spotChecks() throws {
        let router = try Router(Self.rules())
        for i in [0, 1, 9, 10, 99, 100, 137, 200, 249] {
            #expect(router.winner(nil, "/svc\(i)/health") == "exact\(i)")
            #expect(router.winner(nil, "/svc\(i)/health", "POST") == "405 GET,HEAD")
            #expect(router.winner(nil, "/svc\(i)/items/x\(i)") == "template\(i)")
            #expect(router.params("/svc\(i)/items/x\(i)") == ["id=x\(i)"])
            #expect(router.winner(nil, "/files\(i)/a/b") == "prefix\(i)")
            #expect(router.prefixLength("/files\(i)/a/b") == "/files\(i)/".utf8.count)
            #expect(router.winner("H\(i).example.com:443", "/") == "host\(i)")
            #expect(router.winner("h\(i).example.com", "/svc\(i)/health") == "exact\(i)")
        }
        #expect(router.winner(nil, "/svc250/health") == "404")
        #expect(router.winner(nil, "/files250/") == "404")
        #expect(router.winner("h250.example.com", "/") == "404")
        #expect(router.winner(nil, "/svc1/items/") == "404")
    }

    @Test("Every one of the 1,000 routes answers its own request")
    func everyRoute() throws {
        let router = try Router(Self.rules())
        var wrong = 0
        for i in 0..<250 {
            if router.winner(nil, "/svc\(i)/health") != "exact\(i)" { wrong += 1 }
            if router.winner(nil, "/svc\(i)/items/7") != "template\(i)" { wrong += 1 }
            if router.winner(nil, "/files\(i)/z") != "prefix\(i)" { wrong += 1 }
            if router.winner("h\(i).example.com", "/") != "host\(i)" { wrong += 1 }
        }
        #expect(wrong == 0)
    }
}
