/// The fixed buckets of the request latency histograms: 0.5 ms to 10 s, then +Inf.
///
/// Fixed so that a loop counts with one array increment (no allocation, no lookup table per route) and so that
/// every loop's histogram adds up with every other's. Prometheus buckets are cumulative (`le`: less than or equal);
/// the loops count per bucket and `cumulative` turns them into the exposition's counts.
public enum LatencyBuckets {
    /// Upper bounds in microseconds.
    public static let boundsMicros: [Int64] = [500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000,
                                               500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000]
    /// The `le` label of each bucket, in seconds, the last one `+Inf`.
    public static let labels: [String] = ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                          "0.5", "1", "2.5", "5", "10", "+Inf"]
    /// Buckets per histogram (+Inf included).
    public static let count = 15

    /// The bucket of a duration: the first whose bound is at least `micros` (the last, +Inf, past 10 s).
    @inline(__always)
    public static func index(micros: Int64) -> Int {
        var i = 0
        while i < boundsMicros.count && micros > boundsMicros[i] { i += 1 }
        return i
    }

    /// Per-bucket counts to the cumulative counts Prometheus expects (the last equals the total).
    public static func cumulative(_ counts: some Collection<Int>) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(counts.count)
        var total = 0
        for n in counts {
            total &+= n
            out.append(total)
        }
        return out
    }
}
