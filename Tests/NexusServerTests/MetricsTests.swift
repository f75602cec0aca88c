@testable import NexusServer
import Testing

/// The Prometheus text format, the latency histogram's arithmetic, the per-loop counters across a reload, and
/// the access log's JSON line.
@Suite struct MetricsTests {
    @Test func bucketIndexIsTheFirstBoundAtLeastTheValue() {
        #expect(LatencyBuckets.index(micros: 0) == 0)
        #expect(LatencyBuckets.index(micros: 500) == 0) // le="0.0005" includes 0.5 ms exactly
        #expect(LatencyBuckets.index(micros: 501) == 1)
        #expect(LatencyBuckets.index(micros: 1_000) == 1)
        #expect(LatencyBuckets.index(micros: 99_999) == 7)
        #expect(LatencyBuckets.index(micros: 10_000_000) == 13)
        #expect(LatencyBuckets.index(micros: 10_000_001) == 14) // +Inf
        #expect(LatencyBuckets.labels.count == LatencyBuckets.count)
        #expect(LatencyBuckets.boundsMicros.count + 1 == LatencyBuckets.count)
        #expect(LatencyBuckets.boundsMicros == LatencyBuckets.boundsMicros.sorted())
    }

    @Test func cumulativeCountsEndAtTheTotal() {
        #expect(LatencyBuckets.cumulative([1, 0, 2, 0, 3]) == [1, 1, 3, 3, 6])
        #expect(LatencyBuckets.cumulative([Int]()) == [])
    }

    @Test func textFormatHasHelpTypeAndEscapedLabels() {
        var p = PrometheusText()
        p.family("nexus_x_total", .counter, help: "A help\nwith a \\ backslash.")
        p.sample("nexus_x_total", [("route", "a\"b\\c\nd")], 3)
        p.family("nexus_x_total", .counter, help: "ignored: the family was started")
        p.sample("nexus_g", 7)
        p.sample("nexus_f", [("a", "b")], 0.25)
        #expect(p.text == """
            # HELP nexus_x_total A help\\nwith a \\\\ backslash.
            # TYPE nexus_x_total counter
            nexus_x_total{route="a\\"b\\\\c\\nd"} 3
            nexus_g 7
            nexus_f{a="b"} 0.25

            """)
    }

    @Test func histogramSamplesAreCumulativeWithSumAndCount() {
        var p = PrometheusText()
        var buckets = Array(repeating: 0, count: LatencyBuckets.count)
        buckets[0] = 2
        buckets[3] = 1
        buckets[14] = 1
        p.histogram("h", [("route", "r")], buckets: buckets, sumSeconds: 12.5)
        let lines = p.text.split(separator: "\n")
        #expect(lines.count == LatencyBuckets.count + 2)
        #expect(lines[0] == "h_bucket{route=\"r\",le=\"0.0005\"} 2")
        #expect(lines[2] == "h_bucket{route=\"r\",le=\"0.0025\"} 2")
        #expect(lines[3] == "h_bucket{route=\"r\",le=\"0.005\"} 3")
        #expect(lines[13] == "h_bucket{route=\"r\",le=\"10\"} 3")
        #expect(lines[14] == "h_bucket{route=\"r\",le=\"+Inf\"} 4")
        #expect(lines[15] == "h_sum{route=\"r\"} 12.5")
        #expect(lines[16] == "h_count{route=\"r\"} 4")
    }

    @Test func floatsAndNames() {
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(0.001) == "0.001")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
        #expect(PrometheusText.isValidName("nexus_http_requests_total"))
        #expect(PrometheusText.isValidName("a:b"))
        #expect(!PrometheusText.isValidName("1abc"))
        #expect(!PrometheusText.isValidName("a-b"))
        #expect(PrometheusText.isValidLabelName("route"))
        #expect(!PrometheusText.isValidLabelName("a:b"))
    }

    @Test func loopMetricsCountByRouteAndClassAndKeepCountsAcrossARename() {
        let m = LoopMetrics(names: ["a", "b"])
        m.record(slot: 0, status: 200, micros: 300)
        m.record(slot: 0, status: 503, micros: 2_000_000)
        m.record(slot: 1, status: 429, micros: 10)
        m.rejected(slot: 1, status: 429)
        m.rejected(slot: 1, status: 404) // not a gateway refusal: ignored
        m.record(slot: -1, status: 404, micros: 10)
        m.record(slot: 0, status: 101, micros: 10)
        var s = m.snapshot(tlsHandshakes: 0, tlsResumed: 0)
        #expect(s.routes == ["a", "b", LoopMetrics.unmatched])
        #expect(Array(s.statusClasses[0..<5]) == [1, 1, 0, 0, 1])
        #expect(Array(s.statusClasses[5..<10]) == [0, 0, 0, 1, 0])
        #expect(Array(s.statusClasses[10..<15]) == [0, 0, 0, 1, 0])
        #expect(s.latencySumMicros[0] == 2_000_310)
        #expect(s.latency[LatencyBuckets.index(micros: 2_000_000)] == 1)
        #expect(Array(s.rejections[3..<6]) == [0, 0, 1])

        // A reload drops "a", keeps "b" (at a new position), adds "c".
        m.rename(["c", "b"])
        s = m.snapshot(tlsHandshakes: 0, tlsResumed: 0)
        #expect(s.routes == ["c", "b", LoopMetrics.unmatched])
        #expect(Array(s.statusClasses[0..<5]) == [0, 0, 0, 0, 0])
        #expect(Array(s.statusClasses[5..<10]) == [0, 0, 0, 1, 0])
        #expect(Array(s.rejections[3..<6]) == [0, 0, 1])
        #expect(Array(s.statusClasses[10..<15]) == [0, 0, 0, 1, 0])
    }

    @Test func snapshotsDoNotShareStorageWithTheLoop() {
        let m = LoopMetrics(names: ["a"])
        m.record(slot: 0, status: 200, micros: 1)
        let s = m.snapshot(tlsHandshakes: 0, tlsResumed: 0)
        m.record(slot: 0, status: 200, micros: 1)
        #expect(s.statusClasses[1] == 1)
    }

    @Test func totalsAddLoopsByRouteName() {
        let a = LoopMetrics(names: ["x", "y"]), b = LoopMetrics(names: ["y"])
        a.record(slot: 1, status: 200, micros: 1)
        b.record(slot: 0, status: 200, micros: 1)
        b.record(slot: 0, status: 401, micros: 1)
        b.rejected(slot: 0, status: 401)
        var t = MetricsTotals()
        t.add(a.snapshot(tlsHandshakes: 1, tlsResumed: 0))
        t.add(b.snapshot(tlsHandshakes: 2, tlsResumed: 1))
        #expect(t.routes == ["x", "y", LoopMetrics.unmatched])
        #expect(t.statusClasses[1] == [0, 2, 0, 1, 0])
        #expect(t.rejections[1] == [1, 0, 0])
        #expect(t.tlsHandshakes == 3 && t.tlsResumed == 1)
        var page = PrometheusText()
        t.write(into: &page)
        #expect(page.text.contains("nexus_http_requests_total{route=\"y\",status_class=\"2xx\"} 2\n"))
        #expect(page.text.contains("nexus_http_rejections_total{route=\"y\",status=\"401\"} 1\n"))
        #expect(page.text.contains("nexus_http_request_duration_seconds_count{route=\"y\"} 3\n"))
    }

    @Test func jsonLineEscapesAndFormats() {
        var l = JSONLine()
        l.begin()
        l.key("s"); l.string(Array("a\"b\\c\u{1}".utf8) + [0xC3])
        l.key("n"); l.integer(-3)
        l.key("z0"); l.integer(0)
        l.key("big"); l.integer(1_234_567_890)
        l.key("b"); l.bool(true); l.key("f"); l.bool(false)
        l.key("d"); l.milliseconds(12_345)
        l.key("z"); l.null()
        l.key("t"); l.timestamp(1_795_747_359_120)
        l.end()
        #expect(String(decoding: l.bytes, as: UTF8.self)
            == #"{"s":"a\"b\\c\u0001\u00c3","n":-3,"z0":0,"big":1234567890,"b":true,"f":false,"d":12.345,"z":null,"t":"2026-11-27T02:42:39.120Z"}"#)
        #expect(JSONLine.civil(0) == (1970, 1, 1, 0, 0, 0))
        #expect(JSONLine.civil(951_782_400) == (2000, 2, 29, 0, 0, 0))
    }
}
