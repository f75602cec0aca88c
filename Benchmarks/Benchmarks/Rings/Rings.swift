import Benchmark
import NexusRuntime

/// Single-thread cost of the lock-free rings' push and pop (the cross-thread figures are in the stress tests' logs).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))

    Benchmark("SPSCRing push+pop") { benchmark in
        let ring = SPSCRing<Int>(capacity: 1024)
        for i in benchmark.scaledIterations {
            _ = ring.push(i)
            blackHole(ring.pop())
        }
    }

    Benchmark("MPSCRing push+pop") { benchmark in
        let ring = MPSCRing<Int>(capacity: 1024)
        for i in benchmark.scaledIterations {
            _ = ring.push(i)
            blackHole(ring.pop())
        }
    }
}
