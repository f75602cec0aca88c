import NexusSystem

/// Adds families to the metrics page (the extension point for later label sets, e.g. workflows and channels:
/// a feature registers one collector that writes its own families; the route x status-class families stay as
/// they are, so their cardinality does not grow with consumers or workflows).
public typealias MetricsCollector = @Sendable (inout PrometheusText) -> Void

/// The totals of every loop's `LoopMetricsSnapshot`, by route name in first-seen order.
public struct MetricsTotals: Sendable {
    public var routes: [String] = []
    public var statusClasses: [[Int]] = []
    public var latency: [[Int]] = []
    public var latencySumMicros: [Int64] = []
    public var rejections: [[Int]] = []
    public var tlsHandshakes = 0, tlsResumed = 0, tlsFailures = 0
    public var workflowCalls: [WorkflowCallKey: [Int]] = [:]

    public init() {}

    /// Adds one loop's snapshot.
    public mutating func add(_ s: LoopMetricsSnapshot) {
        var position: [String: Int] = [:]
        for (i, r) in routes.enumerated() { position[r] = i }
        for (i, name) in s.routes.enumerated() {
            let p: Int
            if let known = position[name] { p = known } else {
                p = routes.count
                position[name] = p
                routes.append(name)
                statusClasses.append(Array(repeating: 0, count: LoopMetrics.classes))
                latency.append(Array(repeating: 0, count: LatencyBuckets.count))
                latencySumMicros.append(0)
                rejections.append([0, 0, 0])
            }
            for k in 0..<LoopMetrics.classes { statusClasses[p][k] += s.statusClasses[i * LoopMetrics.classes + k] }
            for k in 0..<LatencyBuckets.count { latency[p][k] += s.latency[i * LatencyBuckets.count + k] }
            latencySumMicros[p] += s.latencySumMicros[i]
            for k in 0..<3 { rejections[p][k] += s.rejections[i * 3 + k] }
        }
        tlsHandshakes += s.tlsHandshakes
        tlsResumed += s.tlsResumed
        tlsFailures += s.tlsFailures
        for (key, counts) in s.workflowCalls {
            var total = workflowCalls[key] ?? Array(repeating: 0, count: LoopMetrics.classes)
            for k in 0..<LoopMetrics.classes { total[k] += counts[k] }
            workflowCalls[key] = total
        }
    }

    /// The request families: by route and status class, latency histograms, gateway rejections.
    public func write(into page: inout PrometheusText) {
        page.family("nexus_http_requests_total", .counter, help: "Requests answered, by route and status class.")
        for (i, route) in routes.enumerated() {
            for k in 0..<LoopMetrics.classes where statusClasses[i][k] > 0 || k == 1 {
                page.sample("nexus_http_requests_total", [("route", route), ("status_class", "\(k + 1)xx")], statusClasses[i][k])
            }
        }
        page.family("nexus_workflow_calls_total", .counter,
                    help: "Workflow runs, by workflow, channel (rest, mcp, cli) and the status class of the answer.")
        for key in workflowCalls.keys.sorted(by: { ($0.workflow, $0.channel) < ($1.workflow, $1.channel) }) {
            for k in 0..<LoopMetrics.classes where workflowCalls[key]![k] > 0 {
                page.sample("nexus_workflow_calls_total", [("workflow", key.workflow), ("channel", key.channel), ("status_class", "\(k + 1)xx")],
                            workflowCalls[key]![k])
            }
        }
        page.family("nexus_http_request_duration_seconds", .histogram,
                    help: "Time from a request's first byte to its response being queued (proxied: the backend's last byte), by route.")
        for (i, route) in routes.enumerated() {
            page.histogram("nexus_http_request_duration_seconds", [("route", route)], buckets: latency[i],
                           sumSeconds: Double(latencySumMicros[i]) / 1_000_000)
        }
        page.family("nexus_http_rejections_total", .counter,
                    help: "Requests the gateway refused itself: 401 (no or bad credentials), 403 (scope), 429 (rate limit, quota, lockout), by route.")
        for (i, route) in routes.enumerated() {
            for (k, status) in ["401", "403", "429"].enumerated() {
                page.sample("nexus_http_rejections_total", [("route", route), ("status", status)], rejections[i][k])
            }
        }
        page.family("nexus_tls_handshakes_total", .counter, help: "TLS handshakes completed (clients and backends).")
        page.sample("nexus_tls_handshakes_total", tlsHandshakes)
        page.family("nexus_tls_handshakes_resumed_total", .counter, help: "TLS handshakes that resumed a session.")
        page.sample("nexus_tls_handshakes_resumed_total", tlsResumed)
        page.family("nexus_tls_handshake_failures_total", .counter, help: "Client TLS connections that failed (handshake or record).")
        page.sample("nexus_tls_handshake_failures_total", tlsFailures)
    }
}

extension Server {
    /// The whole metrics page, in the Prometheus text format 0.0.4.
    public func renderMetrics(version: String, collectors: [MetricsCollector] = []) -> String {
        var page = PrometheusText()
        page.family("nexus_info", .gauge, help: "The running nexusd: version and I/O back end.")
        page.sample("nexus_info", [("io_backend", backend.rawValue), ("version", version)], 1)
        page.family("process_start_time_seconds", .gauge, help: "Start time of the process since the Unix epoch, in seconds.")
        page.sample("process_start_time_seconds", startedAt)

        var totals = MetricsTotals()
        for b in boards { totals.add(b.read()) }
        totals.write(into: &page)

        let now = Clock.monotonicMilliseconds()
        page.family("nexus_connections_open", .gauge, help: "Client connections open (as of each loop's last tick).")
        page.sample("nexus_connections_open", loopCounters.reduce(0) { $0 + $1.connections.load(ordering: .relaxed) })
        page.family("nexus_loop_tick_age_seconds", .gauge, help: "Seconds since each event loop's last tick (it ticks every 0.25 s).")
        for (i, k) in loopCounters.enumerated() {
            page.sample("nexus_loop_tick_age_seconds", [("loop", "\(i)")], Double(now - k.lastTick.load(ordering: .relaxed)) / 1000)
        }

        let pools = currentPools.withLock { $0 }
        page.family("nexus_upstream_backend_up", .gauge,
                    help: "1 when the backend may take requests (active health check passing, not ejected), else 0.")
        for p in pools {
            for b in p.backends {
                page.sample("nexus_upstream_backend_up", [("upstream", p.name), ("backend", b.name)], b.isAvailable(now: now) ? 1 : 0)
            }
        }
        page.family("nexus_upstream_backend_ejections_total", .counter,
                    help: "Times passive health ejected the backend (since start or the last reload).")
        for p in pools {
            for b in p.backends {
                page.sample("nexus_upstream_backend_ejections_total", [("upstream", p.name), ("backend", b.name)],
                            b.ejections.load(ordering: .relaxed))
            }
        }
        page.family("nexus_upstream_backend_connections", .gauge, help: "Connections open to the backend, all loops.")
        for p in pools {
            for b in p.backends {
                page.sample("nexus_upstream_backend_connections", [("upstream", p.name), ("backend", b.name)],
                            b.openConnections.load(ordering: .relaxed))
            }
        }

        if let federation = federationMonitor {
            page.family("nexus_mcp_server_up", .gauge,
                        help: "1 when Nexus has a session with the upstream MCP server and its tools are listed, else 0.")
            for (name, up) in federation.health() { page.sample("nexus_mcp_server_up", [("server", name)], up ? 1 : 0) }
        }

        page.family("nexus_dropped_total", .counter,
                    help: "Messages dropped because a lock-free ring was full (or, for logs, a write failed), by ring.")
        page.sample("nexus_dropped_total", [("ring", "loop_mailbox")], loopMailboxDrops)
        page.sample("nexus_dropped_total", [("ring", "usage")], usageDrops)
        if let accessLog { page.sample("nexus_dropped_total", [("ring", "access_log")], accessLog.dropped) }
        for c in collectors { c(&page) }
        return page.text
    }

    /// Why the server is not ready (nil: ready): draining, or a loop that has not ticked for `stallMilliseconds`.
    public func notReadyReason(stallMilliseconds: Int64 = 2000) -> String? {
        if isDraining { return "draining" }
        let ages = loopTickAges(now: Clock.monotonicMilliseconds())
        if let (i, age) = ages.enumerated().first(where: { $0.element > stallMilliseconds }) {
            return "event loop \(i) has not ticked for \(age) ms"
        }
        return nil
    }
}
