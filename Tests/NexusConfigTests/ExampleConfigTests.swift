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
        #expect(config.upstreams.isEmpty)  // the proxy example is commented out: no backend runs for a new user
        #expect(config.routes.map(\.match) == [.exact("/"), .exact("/api/echo"), .prefix("/echo/"), .exact("/healthz"), .exact("/private")])
        #expect(config.routes.map(\.methods) == [["GET"], ["GET", "POST"], nil, ["GET"], nil])
        // Authentication is on: the demo routes say anonymous, /private needs a key with orders:read.
        #expect(config.auth?.keyHeaders == [.authorization, .xAPIKey])
        #expect(config.routes.map(\.anonymous) == [true, true, true, true, false])
        #expect(config.routes.last?.scopes == ["orders:read"])
        #expect(config.plans == [PlanConfig(name: "default", rate: RateConfig(count: 10, periodSeconds: 1, burst: 20))])

        guard case .static(let welcome) = config.routes[0].handler else { Issue.record("/ is not static"); return }
        #expect(welcome.status == 200)
        #expect(String(decoding: welcome.body, as: UTF8.self).contains("curl -s localhost:8080/echo/hello"))

        guard case .static(let api) = config.routes[1].handler else { Issue.record("/api/echo is not static"); return }
        #expect(api.contentType == "application/json")
        #expect(api.body == Array(#"{"ok":true}"#.utf8))

        #expect(config.routes[2].handler == .echo)
        guard case .static(let health) = config.routes[3].handler else { Issue.record("/healthz is not static"); return }
        #expect(health.body == Array("ok\n".utf8))
        #expect(config.metrics == nil && config.accessLog == nil) // commented out: off
    }

    @Test func packagedNexusYAML() throws {
        let config = try ConfigLoader.load(path: Self.repositoryRoot + "/packaging/nexus.yaml")
        #expect(config.metrics == MetricsConfig(host: "127.0.0.1", port: 9464, isIPv6: false))
        #expect(config.accessLog == AccessLogConfig(path: "/var/log/nexus/access.log", logQuery: false))
        #expect(config.state.folder == "/var/lib/nexus")
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

    /// The commented-out proxy example in examples/nexus.yaml, uncommented, loads and says what it claims.
    @Test func exampleProxyBlockUncommented() throws {
        let bytes = try ConfigLoader.readFile(Self.repositoryRoot + "/examples/nexus.yaml")
        let text = Self.uncomment(String(decoding: bytes, as: UTF8.self),
                                  blocksStartingWith: ["# upstreams:", "#   - path_prefix: /app/"])
        let config = try ConfigLoader.parse(text, file: "nexus.yaml (proxy example)")
        #expect(config.upstreams.count == 1)
        let upstream = try #require(config.upstreams.first)
        #expect(upstream.name == "app")
        #expect(upstream.backends == [BackendConfig(host: "127.0.0.1", port: 9000, kind: .ipv4, weight: 1)])
        #expect(upstream.balance == .roundRobin)
        #expect(upstream.timeouts == .defaults)
        #expect(upstream.keepAlive == .defaults)
        #expect(upstream.healthCheck == HealthCheckConfig(path: "/healthz"))
        #expect(upstream.passive == .defaults)
        let route = try #require(config.routes.last)
        #expect(config.routes.count == 6)
        #expect(route.match == .prefix("/app/"))
        #expect(route.handler == .proxy(ProxyTarget(upstream: "app", stripPrefix: true,
                                                    responseHeaders: HeaderEdits(add: [("X-Served-By", "nexus")]))))
    }

    /// Removes `# ` from each line that begins with a start text and from the lines after it that begin with `#   `.
    static func uncomment(_ text: String, blocksStartingWith starts: [String]) -> String {
        var inBlock = false
        var found = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            if starts.contains(where: { line.hasPrefix($0) }) {
                inBlock = true
                found += 1
            } else if !line.hasPrefix("#   ") {
                inBlock = false
            }
            return inBlock ? line.dropFirst(2) : line
        }
        #expect(found == starts.count, "every example block is in the file")
        return lines.joined(separator: "\n")
    }

    @Test func benchmarkProxyYAML() throws {
        let config = try ConfigLoader.load(path: Self.repositoryRoot + "/Benchmarks/Load/proxy.yaml")
        #expect(config.threads == 1)
        #expect(config.io == .auto)
        #expect(config.listeners.map(\.address) == ["127.0.0.1:19100"])
        #expect(config.upstreams == [
            UpstreamConfig(name: "origin", backends: [BackendConfig(host: "127.0.0.1", port: 19000, kind: .ipv4)],
                           keepAlive: KeepAliveConfig(maxIdle: 64), line: 11),
        ])
        let upstream = try #require(config.upstreams.first)
        #expect(upstream.keepAlive.maxIdle == 64)
        #expect(upstream.backends.map(\.weight) == [1])
        #expect(config.routes.count == 1)
        let route = try #require(config.routes.first)
        #expect(route.host == nil)
        #expect(route.match == .prefix("/api/"))
        #expect(route.methods == nil)
        #expect(route.handler == .proxy(ProxyTarget(upstream: "origin")))
        guard case .proxy(let target) = route.handler else { return }
        #expect(target.preserveHost && !target.stripPrefix && target.rewritePrefix == nil)
    }
}
