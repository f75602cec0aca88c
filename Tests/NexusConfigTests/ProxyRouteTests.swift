import Testing
@testable import NexusConfig

/// Routes to upstreams, route hosts and path templates.
@Suite struct ProxyRouteTests {
    /// A listener and two upstreams, `api` and `web`, before the routes under test.
    static let prelude = minimalListener + """
        upstreams:
          - name: api
            backends: [{address: 127.0.0.1:19000}]
          - name: web
            backends: [{address: 127.0.0.1:19001}]

        """

    @Test func everyKeyDecodes() throws {
        let config = try ConfigLoader.parse(Self.prelude + """
            routes:
              - host: API.Example.com
                path: /users/{id}/posts/{post_id}
                methods: [GET]
                upstream: api
              - host: "*.Example.com"
                path_prefix: /api/
                upstream: api
                strip_prefix: true
                preserve_host: false
                request_headers:
                  add: {X-Gateway: nexus, X-Empty: ""}
                  remove: [X-Internal, x-debug]
                response_headers: {add: {X-Frame-Options: DENY}, remove: [Server]}
              - path_prefix: /old/
                upstream: web
                rewrite_prefix: /v2/
                strip_prefix: false
              - host: 10.0.0.1
                path: /
                upstream: web
              - path: /a
                upstream: web
                request_headers: {}
            """, file: "p.yaml")
        #expect(config.routes == [
            RouteConfig(host: .exact("api.example.com"), match: .template("/users/{id}/posts/{post_id}"), methods: ["GET"],
                        handler: .proxy(ProxyTarget(upstream: "api")), line: 9),
            RouteConfig(host: .wildcard(suffix: ".example.com"), match: .prefix("/api/"),
                        handler: .proxy(ProxyTarget(
                            upstream: "api", stripPrefix: true, preserveHost: false,
                            requestHeaders: HeaderEdits(add: [("X-Gateway", "nexus"), ("X-Empty", "")],
                                                        remove: ["X-Internal", "x-debug"]),
                            responseHeaders: HeaderEdits(add: [("X-Frame-Options", "DENY")], remove: ["Server"]))),
                        line: 13),
            RouteConfig(match: .prefix("/old/"), handler: .proxy(ProxyTarget(upstream: "web", rewritePrefix: "/v2/")),
                        line: 22),
            RouteConfig(host: .exact("10.0.0.1"), match: .exact("/"), handler: .proxy(ProxyTarget(upstream: "web")), line: 26),
            RouteConfig(match: .exact("/a"), handler: .proxy(ProxyTarget(upstream: "web")), line: 29),
        ])
        #expect(config.routes[1].host?.pattern == "*.example.com")
        let defaults = ProxyTarget(upstream: "x")
        #expect(!defaults.stripPrefix && defaults.rewritePrefix == nil && defaults.preserveHost)
        #expect(defaults.requestHeaders.isEmpty && defaults.responseHeaders.isEmpty)
    }

    @Test func existingRoutesKeepTheirMeaning() throws {
        let config = try ConfigLoader.parse(minimalListener + "routes:\n  - path: /a\n    handler: echo\n", file: "e.yaml")
        #expect(config.routes == [RouteConfig(match: .exact("/a"), handler: .echo, line: 4)])
        #expect(config.routes[0].host == nil)
        #expect(config.upstreams.isEmpty)
    }

    @Test func unknownUpstream() {
        let typo = singleError(Self.prelude + "routes:\n  - path: /a\n    upstream: apj\n")
        #expect(typo?.description == "test.yaml:10:15: routes[0].upstream: unknown upstream 'apj' (did you mean 'api'?)")
        let far = singleError(Self.prelude + "routes:\n  - path: /a\n    upstream: backend\n")
        #expect(far?.message == "unknown upstream 'backend' (defined: api, web)")
        let none = singleError(minimalListener + "routes:\n  - path: /a\n    upstream: api\n")
        #expect(none?.description == "test.yaml:5:15: routes[0].upstream: unknown upstream 'api': no upstreams are defined (add them under 'upstreams')")
        // An upstream with a mistake still defines its name: only the mistake is reported.
        let broken = singleError(minimalListener + """
            upstreams:
              - name: api
                backends: [{address: 127.0.0.1:0}]
            routes:
              - path: /a
                upstream: api
            """)
        #expect(broken?.key == "upstreams[0].backends[0].address")
    }

    @Test func handlerOrUpstream() {
        let both = singleError(Self.prelude + "routes:\n  - path: /a\n    handler: echo\n    upstream: api\n")
        #expect(both?.description == "test.yaml:10:5: routes[0].handler: a route has either 'handler' or 'upstream' (proxy), not both")
        let errors = configErrors(Self.prelude + """
            routes:
              - path: /a
                upstream: api
                status: 201
                headers: {X-A: b}
              - path: /b
                handler: static
                preserve_host: true
                response_headers: {remove: [Server]}
              - path: /c
                handler: echo
                strip_prefix: true
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:11:5: routes[0].status: 'status' applies only to handler: static",
            "test.yaml:12:5: routes[0].headers: 'headers' applies only to handler: static",
            "test.yaml:15:5: routes[1].preserve_host: 'preserve_host' applies only to routes with 'upstream'",
            "test.yaml:16:5: routes[1].response_headers: 'response_headers' applies only to routes with 'upstream'",
            "test.yaml:19:5: routes[2].strip_prefix: 'strip_prefix' applies only to routes with 'upstream'",
        ])
    }

    @Test func prefixRewrites() {
        let errors = configErrors(Self.prelude + """
            routes:
              - path: /a
                upstream: api
                strip_prefix: true
                rewrite_prefix: /b/
              - path_prefix: /c/
                upstream: api
                strip_prefix: true
                rewrite_prefix: /d/
              - path_prefix: /e/
                upstream: api
                strip_prefix: "yes"
                rewrite_prefix: v2/
                preserve_host: 0
              - path_prefix: /f/
                upstream: api
                rewrite_prefix: /v{n}/
            """)
        let both = singleError(Self.prelude + "routes:\n  - path: /a\n    path_prefix: /a/\n    upstream: api\n    strip_prefix: true\n")
        #expect(both?.message == "a route has either 'path' (exact) or 'path_prefix', not both")
        #expect(errors.map(\.description) == [
            "test.yaml:11:5: routes[0].strip_prefix: 'strip_prefix' needs 'path_prefix': only a matched prefix can be replaced",
            "test.yaml:12:5: routes[0].rewrite_prefix: 'rewrite_prefix' needs 'path_prefix': only a matched prefix can be replaced",
            "test.yaml:16:5: routes[1].rewrite_prefix: a route has either 'strip_prefix: true' or 'rewrite_prefix', not both (rewrite_prefix: / strips)",
            "test.yaml:19:19: routes[2].strip_prefix: expected true or false, got 'yes'",
            "test.yaml:20:21: routes[2].rewrite_prefix: path must start with '/', got 'v2/'",
            "test.yaml:21:20: routes[2].preserve_host: expected true or false, got '0'",
            "test.yaml:24:21: routes[3].rewrite_prefix: 'rewrite_prefix' cannot hold {parameters}; use 'path' for a template",
        ])
    }

    @Test func headerEdits() {
        let errors = configErrors(Self.prelude + """
            routes:
              - path: /a
                upstream: api
                request_headers:
                  add:
                    "Bad Name": x
                    X-Split: "a\\r\\nb"
                    Host: example.com
                    Transfer-Encoding: chunked
                  remove: [X-A, x-a, "Bad Name", Connection, {a: b}]
                  replace: {}
                response_headers:
                  add: {Host: fine, Content-Length: 5}
                  remove: X-A
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:13:9: routes[0].request_headers.add.Bad Name: invalid header name 'Bad Name': names are tokens like X-Demo",
            "test.yaml:14:18: routes[0].request_headers.add.X-Split: header value must not contain CR, LF, NUL or other control characters",
            "test.yaml:15:9: routes[0].request_headers.add.Host: 'Host' is set by preserve_host",
            "test.yaml:16:9: routes[0].request_headers.add.Transfer-Encoding: 'Transfer-Encoding' is managed by the proxy",
            "test.yaml:17:21: routes[0].request_headers.remove[1]: 'x-a' is listed twice",
            "test.yaml:17:26: routes[0].request_headers.remove[2]: invalid header name 'Bad Name': names are tokens like X-Demo",
            "test.yaml:17:38: routes[0].request_headers.remove[3]: 'Connection' is managed by the proxy",
            "test.yaml:17:50: routes[0].request_headers.remove[4]: expected a field name, got a mapping",
            "test.yaml:18:7: routes[0].request_headers.replace: unknown key 'replace' (expected one of add, remove)",
            "test.yaml:20:25: routes[0].response_headers.add.Content-Length: 'Content-Length' is managed by the proxy",
            "test.yaml:21:15: routes[0].response_headers.remove: expected a sequence of field names, got a string",
        ])
    }

    @Test(arguments: [
        ("'*'", "host '*' matches every host: leave out 'host' instead"),
        ("example.com:8080", "host 'example.com:8080' must not hold a port (or an IPv6 address): routes match the name only"),
        ("'[::1]'", "host '[::1]' must not hold a port (or an IPv6 address): routes match the name only"),
        ("'a.*.com'", "invalid host 'a.*.com': a wildcard is only a leading '*.', like *.example.com"),
        ("'*example.com'", "invalid host '*example.com': a wildcard is only a leading '*.', like *.example.com"),
        ("'*.'", "invalid wildcard host '*.': expected '*.' and a host name, like *.example.com"),
        ("'*.*.com'", "invalid wildcard host '*.*.com': expected '*.' and a host name, like *.example.com"),
        ("exa_mple.com", "invalid host name 'exa_mple.com': use labels of letters, digits and '-' separated by dots"),
        ("example.com.", "invalid host name 'example.com.': use labels of letters, digits and '-' separated by dots"),
        ("1.2.3", "invalid IPv4 address '1.2.3': expected four numbers like 127.0.0.1"),
    ])
    func badHosts(text: String, message: String) {
        let error = singleError(minimalListener + "routes:\n  - host: \(text)\n    path: /\n    handler: echo\n")
        #expect(error?.key == "routes[0].host")
        #expect(error?.message == message)
    }

    @Test(arguments: [
        ("/users/{id}x", "'{id}x' in '/users/{id}x': a parameter is a whole segment, like /users/{id}"),
        ("/users/x{id}", "'x{id}' in '/users/x{id}': a parameter is a whole segment, like /users/{id}"),
        ("/users/{a}{b}", "invalid parameter name 'a}{b' in '/users/{a}{b}': use a letter or '_', then letters, digits or '_'"),
        ("/users/{}", "invalid parameter name '' in '/users/{}': use a letter or '_', then letters, digits or '_'"),
        ("/users/{1d}", "invalid parameter name '1d' in '/users/{1d}': use a letter or '_', then letters, digits or '_'"),
        ("/users/{user-id}", "invalid parameter name 'user-id' in '/users/{user-id}': use a letter or '_', then letters, digits or '_'"),
        ("/users/{id", "'{id' in '/users/{id': a parameter is a whole segment, like /users/{id}"),
        ("/a/{id}/b/{id}", "parameter '{id}' appears twice in '/a/{id}/b/{id}'"),
    ])
    func badTemplates(text: String, message: String) {
        let error = singleError(minimalListener + "routes:\n  - path: \(text)\n    handler: echo\n")
        #expect(error?.key == "routes[0].path")
        #expect(error?.message == message)
    }

    @Test func templates() throws {
        let config = try ConfigLoader.parse(minimalListener + """
            routes:
              - path: /{_a}/{B9}/c/{d}/
                handler: echo
              - path: /c}
                handler: echo
            """, file: "t.yaml")
        #expect(config.routes.map(\.match) == [.template("/{_a}/{B9}/c/{d}/"), .exact("/c}")])
        let prefix = singleError(minimalListener + "routes:\n  - path_prefix: /users/{id}/\n    handler: echo\n")
        #expect(prefix?.description == "test.yaml:4:18: routes[0].path_prefix: 'path_prefix' cannot hold {parameters}; use 'path' for a template")
    }

    @Test func duplicatesConsiderHostAndTemplateShape() {
        let errors = configErrors(Self.prelude + """
            routes:
              - path: /a
                handler: echo
              - host: a.example.com
                path: /a
                upstream: api
              - host: "*.example.com"
                path: /a
                upstream: api
              - host: A.example.com
                path: /a
                methods: [GET]
                upstream: web
              - path: /u/{id}
                upstream: api
              - path: /u/{name}
                upstream: web
              - path: /u/{id}/x
                upstream: web
              - host: a.example.com
                path_prefix: /a
                upstream: web
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:17:5: routes[3]: duplicates the route at line 11: same host 'a.example.com', path '/a' and method GET",
            "test.yaml:23:5: routes[5]: duplicates the route at line 21: same path '/u/{name}' (as '/u/{id}') and any method",
        ])
    }
}
