import Benchmark
import NexusRuntime

/// Single-thread cost of the lock-free rings' push and pop (the cross-thread figures are in the stress tests' logs).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           scalingFactor: .kilo, maxDuration: .seconds(3))
    let spsc = SPSCRing<Int>(capacity: 1024)
    let mpsc = MPSCRing<Int>(capacity: 1024)

    Benchmark("SPSCRing push+pop") { benchmark in
        for i in benchmark.scaledIterations {
            _ = spsc.push(i)
            blackHole(spsc.pop())
        }
    }

    Benchmark("MPSCRing push+pop") { benchmark in
        for i in benchmark.scaledIterations {
            _ = mpsc.push(i)
            blackHole(mpsc.pop())
        }
    }
}
