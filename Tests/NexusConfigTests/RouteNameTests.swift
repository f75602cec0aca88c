@testable import NexusConfig
import Testing

@Suite struct RouteNameTests {
    @Test func namesAreExplicitOrDerived() throws {
        let c = try ConfigLoader.parse(minimalListener + """
            routes:
              - name: orders
                path_prefix: /orders/
                handler: echo
              - path: /a
                handler: echo
              - host: "*.example.com"
                path_prefix: /b/
                methods: [GET, POST]
                handler: echo
            """, file: "t.yaml")
        #expect(c.routes.map(\.name) == ["orders", "/a", "*.example.com/b/*:GET,POST"])
    }

    @Test func badAndDuplicateNames() {
        let errors = configErrors(minimalListener + """
            routes:
              - name: a
                path: /a
                handler: echo
              - name: a
                path: /b
                handler: echo
              - name: "-x"
                path: /c
                handler: echo
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:7:5: routes[1].name: the route at line 4 has the name 'a' already; route names are unique",
            "test.yaml:10:11: routes[2].name: a route name is 1 to 64 characters of A-Z a-z 0-9 _ . - and starts with a letter or digit",
        ])
    }

    @Test func runtimeRouteParsesFromJSON() throws {
        let json = #"{"path_prefix": "/v2/", "upstream": "api", "strip_prefix": true, "methods": ["GET"]}"#
        let r = try ConfigLoader.parseRoute(Array(json.utf8), name: "v2", upstreams: ["api"], source: "route v2")
        #expect(r.name == "v2")
        #expect(r.match == .prefix("/v2/"))
        #expect(r.methods == ["GET"])
        guard case .proxy(let p) = r.handler else { Issue.record("not a proxy route"); return }
        #expect(p.upstream == "api" && p.stripPrefix)
    }

    @Test func runtimeRouteErrorsUseTheSameMessages() {
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader.parseRoute(Array(#"{"path": "/x", "upstream": "nope"}"#.utf8), name: "x", upstreams: ["api"], source: "route x")
        }
        do {
            _ = try ConfigLoader.parseRoute(Array(#"{"path": "x", "handler": "echo", "bogus": 1}"#.utf8), name: "x", upstreams: [], source: "route x")
            Issue.record("accepted a bad route")
        } catch {
            #expect(error.errors.map(\.description) == [
                "route x:1:1: route.bogus: unknown key 'bogus' (expected one of name, path, path_prefix, methods, handler, status, content_type, body, headers, host, upstream, strip_prefix, rewrite_prefix, preserve_host, request_headers, response_headers)",
            ] || error.errors.contains { $0.description.contains("path must start with '/'") })
        }
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader.parseRoute(Array(#"{"name": "other", "path": "/x", "handler": "echo"}"#.utf8), name: "x", upstreams: [], source: "route x")
        }
        #expect(throws: ConfigErrors.self) {
            try ConfigLoader.parseRoute(Array("[1, 2".utf8), name: "x", upstreams: [], source: "route x")
        }
    }

    @Test func duplicatesAcrossLayers() {
        let a = RouteConfig(match: .exact("/a"), handler: .echo)
        var b = RouteConfig(match: .exact("/a"), methods: ["GET"], handler: .echo)
        b.name = "b"
        #expect(ConfigLoader.firstDuplicate(in: [a, b])?.reason == "duplicates the route '/a': same path '/a' and method GET")
        var c = RouteConfig(match: .exact("/c"), handler: .echo)
        c.name = "/a"
        #expect(ConfigLoader.firstDuplicate(in: [a, c])?.reason == "another route has the name '/a'")
        #expect(ConfigLoader.firstDuplicate(in: [a, RouteConfig(match: .exact("/d"), handler: .echo)]) == nil)
    }
}
