import Testing
@testable import NexusConfig

/// `upstreams`: every key decodes, defaults fill the rest, and each mistake is reported where it is.
@Suite struct UpstreamConfigTests {
    @Test func defaultsApplied() throws {
        let config = try ConfigLoader.parse(minimalListener + """
            upstreams:
              - name: api
                backends:
                  - address: 127.0.0.1:19000
            """, file: "u.yaml")
        let upstream = try #require(config.upstreams.first)
        #expect(upstream == UpstreamConfig(name: "api", backends: [BackendConfig(host: "127.0.0.1", port: 19000, kind: .ipv4)],
                                           line: 4))
        #expect(upstream.backends[0].weight == 1)
        #expect(upstream.balance == .roundRobin)
        #expect(upstream.timeouts == UpstreamTimeouts(connect: .seconds(5), read: .seconds(60), write: .seconds(60),
                                                      total: .seconds(300), idle: .seconds(600)))
        #expect(upstream.maxConnectionsPerBackend == 1024)
        #expect(upstream.keepAlive == KeepAliveConfig(maxIdle: 64, idleTimeout: .seconds(60)))
        #expect(upstream.retry)
        #expect(upstream.resolveInterval == .seconds(30))
        #expect(upstream.healthCheck == nil)
        #expect(upstream.passive == PassiveHealthConfig(maxFailures: 5, ejectFor: .seconds(30)))
        #expect(try ConfigLoader.parse(minimalListener, file: "u.yaml").upstreams.isEmpty)
    }

    @Test func everyKeyDecodes() throws {
        let config = try ConfigLoader.parse(minimalListener + """
            upstreams:
              - name: api.v2_x-1
                backends:
                  - address: 127.0.0.1:19000
                    weight: 5
                  - address: "[::1]:19001"
                  - address: Backend-1.Internal:80
                    weight: 1000
                balance: least_connections
                timeouts:
                  connect: 2s
                  read: 30s
                  write: 31s
                  total: 1m
                  idle: 300
                max_connections_per_backend: 256
                keepalive:
                  max_idle: 0
                  idle_timeout: 500ms
                retry: false
                resolve_interval: 1h
                health_check:
                  path: /healthz?full=1
                  interval: 10s
                  timeout: 10s
                  rise: 1
                  fall: 100
                  expect_status: [200, 204, 300-304]
                  host: Health.Internal:8080
                passive:
                  max_failures: 0
                  eject_for: 2m
              - name: web
                backends: [{address: "web:8080"}]
                health_check:
                  path: /
                  expect_status: 200
            """, file: "u.yaml")
        #expect(config.upstreams == [
            UpstreamConfig(
                name: "api.v2_x-1",
                backends: [BackendConfig(host: "127.0.0.1", port: 19000, kind: .ipv4, weight: 5),
                           BackendConfig(host: "::1", port: 19001, kind: .ipv6),
                           BackendConfig(host: "backend-1.internal", port: 80, kind: .hostname, weight: 1000)],
                balance: .leastConnections,
                timeouts: UpstreamTimeouts(connect: .seconds(2), read: .seconds(30), write: .seconds(31),
                                           total: .seconds(60), idle: .seconds(300)),
                maxConnectionsPerBackend: 256,
                keepAlive: KeepAliveConfig(maxIdle: 0, idleTimeout: .milliseconds(500)),
                retry: false,
                resolveInterval: .seconds(3600),
                healthCheck: HealthCheckConfig(path: "/healthz?full=1", interval: .seconds(10), timeout: .seconds(10),
                                               rise: 1, fall: 100, expectStatus: [200...200, 204...204, 300...304],
                                               host: "health.internal:8080"),
                passive: PassiveHealthConfig(maxFailures: 0, ejectFor: .seconds(120)),
                line: 4),
            UpstreamConfig(name: "web", backends: [BackendConfig(host: "web", port: 8080, kind: .hostname)],
                           healthCheck: HealthCheckConfig(path: "/", expectStatus: [200...200]), line: 35),
        ])
        #expect(config.upstreams[0].backends.map(\.address) == ["127.0.0.1:19000", "[::1]:19001", "backend-1.internal:80"])
        let check = try #require(config.upstreams[0].healthCheck)
        #expect(check.expects(204) && check.expects(302) && !check.expects(201) && !check.expects(305))
        #expect(HealthCheckConfig(path: "/").expectStatus == [200...399])
        #expect(HealthCheckConfig(path: "/").interval == .seconds(5))
        #expect(HealthCheckConfig(path: "/").timeout == .seconds(2))
        #expect(HealthCheckConfig(path: "/").rise == 2)
        #expect(HealthCheckConfig(path: "/").fall == 3)
    }

    @Test func requiredKeys() {
        let errors = configErrors(minimalListener + """
            upstreams:
              - backends: [{address: 127.0.0.1:1}]
              - name: a
              - name: b
                backends: []
              - name: c
                backends:
                  - weight: 2
              - name: d
                backends: [{address: 127.0.0.1:1}]
                health_check: {interval: 5s}
            upstreams2: 1
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:5: upstreams[0].name: missing required key 'name'",
            "test.yaml:5:5: upstreams[1].backends: missing required key 'backends'",
            "test.yaml:7:15: upstreams[2].backends: at least one backend is required",
            "test.yaml:10:9: upstreams[3].backends[0].address: missing required key 'address'",
            "test.yaml:13:19: upstreams[4].health_check.path: missing required key 'path'",
            "test.yaml:14:1: upstreams2: unknown key 'upstreams2' (did you mean 'upstreams'?)",
        ])
    }

    @Test func badValues() {
        let errors = configErrors(minimalListener + """
            upstreams:
              - name: "has space"
                backends:
                  - address: 127.0.0.1:0
                  - address: "*:80"
                  - address: 127.0.0.1
                  - address: ::1:80
                  - address: 256.1.1.1:80
                  - address: -bad-.example:80
                  - address: 10.0.0.1:80
                    weight: 0
                balance: random
                timeouts: {connect: 0s, total: 25h}
                max_connections_per_backend: 0
                keepalive: {max_idle: 10001, idle: 5s}
                retry: yes
                resolve_interval: soon
                health_check:
                  path: healthz
                  rise: 0
                  fall: 101
                  expect_status: 200-600
                  host: "bad host"
                passive: {max_failures: -1}
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:11: upstreams[0].name: invalid name 'has space': use 1 to 64 letters, digits, '.', '_' or '-'",
            "test.yaml:6:18: upstreams[0].backends[0].address: port 0 is out of range 1...65535",
            "test.yaml:7:18: upstreams[0].backends[1].address: invalid address '*:80': a backend needs a host; expected HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or api.internal:8080",
            "test.yaml:8:18: upstreams[0].backends[2].address: invalid address '127.0.0.1': expected HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or api.internal:8080",
            "test.yaml:9:18: upstreams[0].backends[3].address: invalid address '::1:80': write IPv6 addresses in brackets, e.g. [::1]:8080",
            "test.yaml:10:18: upstreams[0].backends[4].address: invalid IPv4 address '256.1.1.1': expected four numbers like 127.0.0.1",
            "test.yaml:11:18: upstreams[0].backends[5].address: invalid host name '-bad-.example': use labels of letters, digits and '-' separated by dots",
            "test.yaml:13:17: upstreams[0].backends[6].weight: 0 is out of range 1...1000",
            "test.yaml:14:14: upstreams[0].balance: expected round_robin or least_connections, got 'random'",
            "test.yaml:15:25: upstreams[0].timeouts.connect: duration must be greater than 0, got '0s'",
            "test.yaml:15:36: upstreams[0].timeouts.total: duration '25h' is longer than the maximum 24h",
            "test.yaml:16:34: upstreams[0].max_connections_per_backend: 0 is out of range 1...2147483647",
            "test.yaml:17:27: upstreams[0].keepalive.max_idle: 10001 is out of range 0...10000",
            "test.yaml:17:34: upstreams[0].keepalive.idle: unknown key 'idle' (expected one of max_idle, idle_timeout)",
            "test.yaml:18:12: upstreams[0].retry: expected true or false, got 'yes'",
            "test.yaml:19:23: upstreams[0].resolve_interval: invalid duration 'soon': expected a duration like 500ms, 10s, 2m, 1h, 90d, or a number of seconds",
            "test.yaml:21:13: upstreams[0].health_check.path: path must start with '/', got 'healthz'",
            "test.yaml:22:13: upstreams[0].health_check.rise: 0 is out of range 1...100",
            "test.yaml:23:13: upstreams[0].health_check.fall: 101 is out of range 1...100",
            "test.yaml:24:22: upstreams[0].health_check.expect_status: status '200-600' is out of range 100...599",
            "test.yaml:25:13: upstreams[0].health_check.host: invalid host name 'bad host': use labels of letters, digits and '-' separated by dots",
            "test.yaml:26:29: upstreams[0].passive.max_failures: -1 is out of range 0...1000",
        ])
    }

    @Test func namesAndBackendsAreUnique() {
        let errors = configErrors(minimalListener + """
            upstreams:
              - name: api
                backends:
                  - address: 127.0.0.1:80
                  - address: Api.Internal:80
                  - address: 127.0.0.1:80
                  - address: api.internal:80
              - name: api
                backends: [{address: 127.0.0.1:80}]
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:8:18: upstreams[0].backends[2].address: duplicate backend 127.0.0.1:80 (first at line 6); raise its weight instead",
            "test.yaml:9:18: upstreams[0].backends[3].address: duplicate backend api.internal:80 (first at line 7); raise its weight instead",
            "test.yaml:10:5: upstreams[1].name: duplicate upstream name 'api' (first at line 4)",
        ])
    }

    @Test func healthCheckTimeoutWithinInterval() {
        let explicit = singleError(minimalListener + """
            upstreams:
              - name: a
                backends: [{address: 127.0.0.1:80}]
                health_check: {path: /, interval: 1s, timeout: 1500ms}
            """)
        #expect(explicit?.description == "test.yaml:6:52: upstreams[0].health_check.timeout: timeout 1500ms is longer than interval 1s; checks would overlap")
        let byDefault = singleError(minimalListener + """
            upstreams:
              - name: a
                backends: [{address: 127.0.0.1:80}]
                health_check: {path: /, interval: 1s}
            """)
        #expect(byDefault?.description == "test.yaml:6:39: upstreams[0].health_check.interval: timeout 2s (the default) is longer than interval 1s; checks would overlap")
    }

    @Test func expectStatusForms() {
        let empty = singleError(minimalListener + """
            upstreams:
              - name: a
                backends: [{address: 127.0.0.1:80}]
                health_check: {path: /, expect_status: []}
            """)
        #expect(empty?.message == "list at least one status, or leave out 'expect_status' for 200-399")
        let errors = configErrors(minimalListener + """
            upstreams:
              - name: a
                backends: [{address: 127.0.0.1:80}]
                health_check: {path: /, expect_status: [200, 399-200, x, {a: 1}]}
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:6:50: upstreams[0].health_check.expect_status[1]: invalid status range '399-200': the first status is greater than the second",
            "test.yaml:6:59: upstreams[0].health_check.expect_status[2]: invalid status 'x': expected a status like 200 or a range like 200-399, within 100...599",
            "test.yaml:6:62: upstreams[0].health_check.expect_status[3]: expected a status, a range like 200-399, or a list of them, got a mapping",
        ])
    }
}
