import Testing
@testable import NexusConfig

/// `metrics` and `access_log`: defaults, values and errors with their place.
@Suite struct ObservabilityConfigTests {
    @Test func absentMeansOff() throws {
        let c = try ConfigLoader.parse(minimalListener, file: "t.yaml")
        #expect(c.metrics == nil)
        #expect(c.accessLog == nil)
    }

    @Test func values() throws {
        let c = try ConfigLoader.parse(minimalListener + """
            metrics:
              address: "[::1]:0"
            access_log:
              path: /var/log/nexus/access.log
              log_query: false

            """, file: "t.yaml")
        #expect(c.metrics == MetricsConfig(host: "::1", port: 0, isIPv6: true))
        #expect(c.accessLog == AccessLogConfig(path: "/var/log/nexus/access.log", logQuery: false))
        let d = try ConfigLoader.parse(minimalListener + "access_log:\n  path: access.log\n", file: "t.yaml")
        #expect(d.accessLog?.logQuery == true)
    }

    @Test func errors() {
        #expect(singleError(minimalListener + "metrics:\n  address: localhost:9464\n")?.key == "metrics.address")
        #expect(summary(singleError(minimalListener + "metrics: {}\n"), \.line, \.key) == "3 metrics.address")
        #expect(singleError(minimalListener + "access_log:\n  path: a.log\n  log_query: yes\n")?.message
            == "expected true or false, got 'yes'")
        #expect(singleError(minimalListener + "access_log:\n  format: json\n  path: a\n")?.key == "access_log.format")
    }
}
