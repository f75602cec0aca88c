import Testing
@testable import NexusConfig

/// The configuration files shipped in the repository load and say what they claim to.
@Suite struct ExampleConfigTests {
    /// The repository root, three levels above this file (Tests/NexusConfigTests/ExampleConfigTests.swift).
    static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    @Test func exampleNexusYAML() throws {
        let config = try ConfigLoader.load(path: Self.repositoryRoot + "/examples/nexus.yaml")
        #expect(config.threads == nil)
        #expect(config.io == .auto)
        #expect(config.listeners == [ListenerConfig(name: "public", host: "127.0.0.1", port: 8080)])
        #expect(config.limits == .defaults)
        #expect(config.timeouts == .defaults)
        #expect(config.log.level == "info")
        #expect(config.routes.map(\.match) == [.exact("/"), .exact("/api/echo"), .prefix("/echo/"), .exact("/healthz")])
        #expect(config.routes.map(\.methods) == [["GET"], ["GET", "POST"], nil, ["GET"]])

        guard case .static(let welcome) = config.routes[0].handler else { Issue.record("/ is not static"); return }
        #expect(welcome.status == 200)
        #expect(String(decoding: welcome.body, as: UTF8.self).contains("curl -s localhost:8080/echo/hello"))

        guard case .static(let api) = config.routes[1].handler else { Issue.record("/api/echo is not static"); return }
        #expect(api.contentType == "application/json")
        #expect(api.body == Array(#"{"ok":true}"#.utf8))

        #expect(config.routes[2].handler == .echo)
        guard case .static(let health) = config.routes[3].handler else { Issue.record("/healthz is not static"); return }
        #expect(health.body == Array("ok\n".utf8))
    }

    @Test func benchmarkOriginYAML() throws {
        let config = try ConfigLoader.load(path: Self.repositoryRoot + "/Benchmarks/Load/static.yaml")
        #expect(config.threads == 1)
        #expect(config.io == .auto)
        #expect(config.listeners.map(\.address) == ["127.0.0.1:19102"])
        #expect(config.routes.count == 1)
        let route = try #require(config.routes.first)
        #expect(route.match == .exact("/api/echo"))
        #expect(route.methods == ["GET", "POST"])
        let body = #"{"ok":true,"service":"bench-origin","path":"/api/echo","note":"fixed JSON body for the proxy benchmark"}"#
        #expect(route.handler == .static(StaticResponseConfig(status: 200, contentType: "application/json",
                                                               body: Array(body.utf8))))
        #expect(body.utf8.count == 104)
    }
}
