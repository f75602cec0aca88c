import Testing
import NexusSchema

#if canImport(Glibc)
import Glibc
#endif

/// Figures for docs/performance.md, not assertions: run with
/// `NEXUS_BENCH=1 swift test -c release --filter NexusSchemaTests.SchemaBenchmarkTests`.
@Suite(.serialized, .enabled(if: getenv("NEXUS_BENCH").map { String(cString: $0) == "1" } ?? false))
struct SchemaBenchmarkTests {
    /// Nanoseconds of this thread's CPU time per call of `body` (CLOCK_THREAD_CPUTIME_ID: time the thread was
    /// descheduled on a busy machine does not count), the best of 5 runs of `iterations` calls.
    func measure(_ name: String, iterations: Int = 1_000_000, _ body: () -> Bool) -> Double {
        func now() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
        }
        var best = Double.infinity
        var sink = 0
        for _ in 0..<5 {
            let start = now()
            for _ in 0..<iterations where body() { sink &+= 1 }
            best = min(best, (now() - start) / Double(iterations))
        }
        print("bench \(name): \((best * 10).rounded() / 10) ns/op (\(sink))")
        return best
    }

    @Test func smallObjectSchema() throws {
        let schema = try Schema(parsing: #"{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"],"additionalProperties":false}"#)
        let body = Array(#"{"a":1,"b":2.5}"#.utf8)
        let instance = try JSONValue.parse(body)
        let invalid = try JSONValue.parse(#"{"a":"x","c":1}"#)
        _ = measure("validate small object, valid (isValid)") { schema.isValid(instance) }
        _ = measure("validate small object, valid (validate)") { schema.validate(instance).isEmpty }
        _ = measure("validate small object, invalid, 3 violations", iterations: 200_000) { schema.validate(invalid).count == 3 }
        _ = measure("parse {\"a\":1,\"b\":2.5}") { (try? JSONValue.parse(body)) != nil }
        _ = measure("parse + validate") { (try? JSONValue.parse(body)).map(schema.isValid) ?? false }
    }

    @Test func typicalRequestSchema() throws {
        let schema = try Schema(parsing: #"""
        {"type":"object","additionalProperties":false,"required":["id","email","items"],
         "properties":{"id":{"type":"string","pattern":"^[a-z0-9-]{8,36}$"},"email":{"type":"string","maxLength":254},
           "priority":{"enum":["low","normal","high"]},"amount":{"type":"number","minimum":0,"multipleOf":0.01},
           "items":{"type":"array","minItems":1,"maxItems":50,"items":{"type":"object","required":["sku","qty"],
             "properties":{"sku":{"type":"string","minLength":1},"qty":{"type":"integer","minimum":1}}}}}}
        """#)
        let body = Array(#"{"id":"3f2a9c1e-77b0-4c1d","email":"a@example.com","priority":"high","amount":19.99,"items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}"#.utf8)
        let instance = try JSONValue.parse(body)
        #expect(schema.isValid(instance))
        _ = measure("validate order request (pattern, enum, multipleOf 0.01, 2 items)", iterations: 200_000) { schema.isValid(instance) }
        _ = measure("parse order request (\(body.count) bytes)", iterations: 200_000) { (try? JSONValue.parse(body)) != nil }
        let pattern = try Pattern("^[a-z0-9-]{8,36}$")
        _ = measure("pattern ^[a-z0-9-]{8,36}$ on 20 characters") { pattern.matches("3f2a9c1e-77b0-4c1d") }
        let amount = try Schema(parsing: #"{"multipleOf":0.01}"#)
        let value = try JSONValue.parse("19.99")
        _ = measure("multipleOf 0.01 on 19.99") { amount.isValid(value) }
    }
}
