import Testing
@testable import NexusConfig

/// Valid configurations decode to the right values; defaults fill what is left out.
@Suite struct ConfigLoaderTests {
    @Test func defaultsApplied() throws {
        let config = try ConfigLoader.parse(minimalListener, file: "min.yaml")
        #expect(config.threads == nil)
        #expect(config.io == .auto)
        #expect(config.listeners == [ListenerConfig(name: "listener-0", host: "127.0.0.1", port: 8080, isIPv6: false, backlog: 4096)])
        #expect(config.limits == .defaults)
        #expect(config.limits.maxConnections == 10_000)
        #expect(config.limits.maxRequestLineBytes == 8192)
        #expect(config.limits.maxHeaderBytes == 32768)
        #expect(config.limits.maxHeaderCount == 100)
        #expect(config.limits.maxBodyBytes == 1_048_576)
        #expect(config.timeouts == .defaults)
        #expect(config.timeouts.headerRead == .seconds(10))
        #expect(config.timeouts.bodyRead == .seconds(30))
        #expect(config.timeouts.keepAliveIdle == .seconds(75))
        #expect(config.timeouts.send == .seconds(30))
        #expect(config.timeouts.shutdownGrace == .seconds(10))
        #expect(config.log.level == "info")
        #expect(config.routes.isEmpty)
        #expect(config == NexusConfig(listeners: config.listeners))
    }

    @Test func nullValuesMeanDefaults() throws {
        let config = try ConfigLoader.parse(minimalListener + "threads:\nlimits:\ntimeouts: ~\nlog: {level: null}\nroutes:\n", file: "n.yaml")
        #expect(config == NexusConfig(listeners: config.listeners))
    }

    @Test func everyKeyDecodes() throws {
        let yaml = """
            threads: 4
            io: epoll
            listeners:
              - name: public
                address: "*:80"
                backlog: 128
              - name: v6
                address: '[::1]:0'
              - address: :9090
            limits:
              max_connections: 500
              max_request_line: 4k
              max_header_bytes: 64KiB
              max_headers: 50
              max_body_bytes: 0
            timeouts:
              header_read: 500ms
              body_read: 2m
              keepalive_idle: 1h
              send: 15
              shutdown_grace: 3s
            log:
              level: debug
            routes:
              - path: /a
                handler: echo
              - path_prefix: /static/
                methods: [GET, HEAD]
                handler: static
                status: 404
                content_type: text/html
                body: "<p>gone</p>"
                headers:
                  X-One: 1
                  X-Two: "a b"
                  X-Empty: ""
            """
        let config = try ConfigLoader.parse(yaml, file: "full.yaml")
        #expect(config.threads == 4)
        #expect(config.io == .epoll)
        #expect(config.listeners == [
            ListenerConfig(name: "public", host: "0.0.0.0", port: 80, isIPv6: false, backlog: 128),
            ListenerConfig(name: "v6", host: "::1", port: 0, isIPv6: true, backlog: 4096),
            ListenerConfig(name: "listener-2", host: "0.0.0.0", port: 9090, isIPv6: false, backlog: 4096),
        ])
        #expect(config.listeners[1].address == "[::1]:0")
        #expect(config.limits == LimitsConfig(maxConnections: 500, maxRequestLineBytes: 4096, maxHeaderBytes: 65536,
                                              maxHeaderCount: 50, maxBodyBytes: 0))
        #expect(config.timeouts == TimeoutsConfig(headerRead: .milliseconds(500), bodyRead: .seconds(120),
                                                  keepAliveIdle: .seconds(3600), send: .seconds(15),
                                                  shutdownGrace: .seconds(3)))
        #expect(config.log.level == "debug")
        #expect(config.routes == [
            RouteConfig(match: .exact("/a"), methods: nil, handler: .echo, line: 25),
            RouteConfig(match: .prefix("/static/"), methods: ["GET", "HEAD"],
                        handler: .static(StaticResponseConfig(status: 404, contentType: "text/html",
                                                              body: Array("<p>gone</p>".utf8),
                                                              headers: [("X-One", "1"), ("X-Two", "a b"), ("X-Empty", "")])),
                        line: 27),
        ])
    }

    @Test(arguments: [("auto", nil), ("1", 1), ("256", 256)] as [(String, Int?)])
    func threads(text: String, threads: Int?) throws {
        #expect(try ConfigLoader.parse(minimalListener + "threads: \(text)\n", file: "t.yaml").threads == threads)
    }

    @Test(arguments: ["0", "257", "-1", "many", "'4.5'"])
    func badThreads(text: String) {
        let error = singleError(minimalListener + "threads: \(text)\n")
        #expect(error?.key == "threads")
        #expect(error?.message.hasPrefix("expected auto or an integer 1...256") == true)
    }

    @Test func listenerNamesAndAddressesAreUnique() {
        let errors = configErrors("""
            listeners:
              - name: a
                address: 127.0.0.1:80
              - name: a
                address: 127.0.0.1:80
              - address: 127.0.0.1:0
              - address: 127.0.0.1:0
              - name: "has space"
                address: 127.0.0.1:81
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:5: listeners[1].name: duplicate listener name 'a' (first at line 2)",
            "test.yaml:5:14: listeners[1].address: duplicate listener address 127.0.0.1:80 (first at line 2)",
            "test.yaml:8:11: listeners[4].name: invalid name 'has space': use 1 to 64 letters, digits, '.', '_' or '-'",
        ])
    }

    @Test func routeMatchKeys() {
        let both = singleError(minimalListener + "routes:\n  - path: /a\n    path_prefix: /a\n    handler: echo\n")
        #expect(both?.description == "test.yaml:5:5: routes[0].path_prefix: a route has either 'path' (exact) or 'path_prefix', not both")
        let neither = singleError(minimalListener + "routes:\n  - handler: echo\n")
        #expect(neither?.description == "test.yaml:4:5: routes[0].path: missing required key 'path' (exact match) or 'path_prefix'")
        let noHandler = singleError(minimalListener + "routes:\n  - path: /a\n")
        #expect(noHandler?.description == "test.yaml:4:5: routes[0].handler: missing required key 'handler'")
        let badHandler = singleError(minimalListener + "routes:\n  - path: /a\n    handler: proxy\n")
        #expect(badHandler?.description == "test.yaml:5:14: routes[0].handler: unknown handler 'proxy': expected static or echo")
        let query = singleError(minimalListener + "routes:\n  - path: /a?b=1\n    handler: echo\n")
        #expect(query?.message == "path must not contain '?' or '#': routes match the path only")
        let emptyRoute = configErrors(minimalListener + "routes:\n  - {}\n")
        #expect(emptyRoute.map(\.key) == ["routes[0].path", "routes[0].handler"])
    }

    @Test func methods() {
        let lower = singleError(minimalListener + "routes:\n  - path: /a\n    methods: [GET, post]\n    handler: echo\n")
        #expect(lower?.description == "test.yaml:5:20: routes[0].methods[1]: method 'post' must be uppercase: POST")
        let twice = singleError(minimalListener + "routes:\n  - path: /a\n    methods: [GET, GET]\n    handler: echo\n")
        #expect(twice?.description == "test.yaml:5:20: routes[0].methods[1]: method GET is listed twice")
        let empty = singleError(minimalListener + "routes:\n  - path: /a\n    methods: []\n    handler: echo\n")
        #expect(empty?.message == "list at least one method, or leave out 'methods' to accept any")
        let scalar = singleError(minimalListener + "routes:\n  - path: /a\n    methods: GET\n    handler: echo\n")
        #expect(scalar?.message == "expected a sequence of methods like [GET, POST], got a string")
        let notToken = singleError(minimalListener + "routes:\n  - path: /a\n    methods: [\"GE T\"]\n    handler: echo\n")
        #expect(notToken?.message == "invalid method 'GE T': methods are tokens like GET")
    }

    @Test func duplicateRoutes() {
        let errors = configErrors(minimalListener + """
            routes:
              - path: /a
                methods: [GET]
                handler: echo
              - path: /a
                methods: [POST]
                handler: echo
              - path: /a
                methods: [PUT, POST]
                handler: echo
              - path_prefix: /a
                handler: echo
              - path_prefix: /a
                methods: [DELETE]
                handler: echo
              - path: /b
                handler: echo
              - path: /b
                handler: echo
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:10:5: routes[2]: duplicates the route at line 7: same path '/a' and method POST",
            "test.yaml:15:5: routes[4]: duplicates the route at line 13: same path_prefix '/a' and method DELETE",
            "test.yaml:20:5: routes[6]: duplicates the route at line 18: same path '/b' and any method",
        ])
    }

    @Test func staticOnlyKeysOnEcho() {
        let errors = configErrors(minimalListener + "routes:\n  - path: /a\n    handler: echo\n    status: 201\n    body: x\n")
        #expect(errors.map(\.description) == [
            "test.yaml:6:5: routes[0].status: 'status' applies only to handler: static",
            "test.yaml:7:5: routes[0].body: 'body' applies only to handler: static",
        ])
    }

    @Test func staticResponseFields() {
        let errors = configErrors(minimalListener + """
            routes:
              - path: /a
                handler: static
                status: 99
                content_type: "text/plain\\r\\nX-Injected: 1"
                headers:
                  "Bad Name": x
                  X-Split: "a\\r\\nb"
                  Content-Length: 5
                  X-Nested: {a: b}
              - path: /b
                handler: static
                headers: [X-A]
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:6:13: routes[0].status: 99 is out of range 200...599",
            "test.yaml:7:19: routes[0].content_type: content_type must be non-empty and hold no control characters",
            "test.yaml:9:7: routes[0].headers.Bad Name: invalid header name 'Bad Name': names are tokens like X-Demo",
            "test.yaml:10:16: routes[0].headers.X-Split: header value must not contain CR, LF, NUL or other control characters",
            "test.yaml:11:7: routes[0].headers.Content-Length: 'Content-Length' is written by the server; set content_type for Content-Type",
            "test.yaml:12:17: routes[0].headers.X-Nested: expected a header value, got a mapping",
            "test.yaml:15:14: routes[1].headers: expected a mapping of field names to values, got a sequence",
        ])
    }

    @Test func staticBodyIsLimitedTo1MiB() throws {
        let big = String(repeating: "x", count: StaticResponseConfig.maxBodyBytes + 1)
        let error = singleError(minimalListener + "routes:\n  - path: /a\n    handler: static\n    body: \(big)\n")
        #expect(error?.message == "body is 1048577 bytes; a static body may be at most 1MiB")
        let fits = String(repeating: "x", count: StaticResponseConfig.maxBodyBytes)
        let config = try ConfigLoader.parse(minimalListener + "routes:\n  - path: /a\n    handler: static\n    body: \(fits)\n", file: "t.yaml")
        guard case .static(let response) = config.routes.first?.handler else { Issue.record("not static"); return }
        #expect(response.body.count == StaticResponseConfig.maxBodyBytes)
    }

    @Test func staticDefaults() throws {
        let config = try ConfigLoader.parse(minimalListener + "routes:\n  - path: /a\n    handler: static\n", file: "t.yaml")
        #expect(config.routes.first?.handler == .static(StaticResponseConfig()))
        #expect(StaticResponseConfig().status == 200)
        #expect(StaticResponseConfig().contentType == "text/plain; charset=utf-8")
        #expect(StaticResponseConfig().body.isEmpty)
        #expect(StaticResponseConfig().headers.isEmpty)
    }

    @Test func yamlErrorsAndDecodeErrorsAreReportedTogether() {
        let errors = configErrors("listeners:\n  - address: 127.0.0.1:80\nlog:\n  level: info\n  level: info\n  colour: true\n")
        #expect(errors.map(\.description) == [
            "test.yaml:5:3: log.level: duplicate key 'level' (first at line 4)",
            "test.yaml:6:3: log.colour: unknown key 'colour' (expected one of level)",
        ])
    }
}
