// GCRA: the generic cell rate algorithm on one 64-bit atomic word per limited key.
import Synchronization

/// A rate and a burst: `rate` requests per `period`, plus `burst` more at once.
///
/// GCRA (as ATM's cell rate, and as nginx's `limit_req` with `burst`): each admitted request moves the key's
/// theoretical arrival time (TAT) one emission interval `T = period / rate` later; a request arriving at `now` is
/// admitted when `TAT - now <= burst * T`. A rejected request changes nothing, so rejections do not use up the
/// allowance (like nginx's limit_req). One difference from the textbook: the TAT may fall behind `now` by up to one
/// interval, or 50 ms for fast rates (at most 5 intervals), rather than not at all, so a stream whose requests are
/// handled slightly late (a loop descheduled on a busy machine) still gets its full rate; after a pause, that many
/// requests more may pass at once.
public struct RateLimit: Sendable, Hashable {
    /// Microseconds between two requests at the sustained rate.
    public let interval: Int64
    /// Microseconds of arrival-time debt tolerated (`burst * interval`).
    public let tolerance: Int64
    /// How far the TAT may lag behind now: one interval, or up to 50 ms (at most 5 intervals) for fast rates.
    public let catchUp: Int64
    public let rate: Int
    public let periodSeconds: Int
    public let burst: Int

    public init(rate: Int, periodSeconds: Int, burst: Int) {
        precondition(rate > 0 && periodSeconds > 0 && burst >= 0)
        self.rate = rate
        self.periodSeconds = periodSeconds
        self.burst = burst
        interval = max(1, Int64(periodSeconds) * 1_000_000 / Int64(rate))
        tolerance = Int64(burst) * interval
        catchUp = min(5 * interval, max(interval, 50_000))
    }
}

/// What one check decided.
public struct LimitOutcome: Sendable {
    public var admitted: Bool
    /// Requests that would still be admitted now (after this one, when admitted).
    public var remaining: Int
    /// Seconds until the key's allowance is whole again.
    public var resetSeconds: Int
    /// When rejected: seconds until a request would be admitted.
    public var retryAfterSeconds: Int
}

/// GCRA state packed in one word: the top 16 bits a key fingerprint (hashed tables; 0 in dense ones), the low 48
/// bits the TAT in microseconds since the table's epoch (8.9 years).
@usableFromInline enum GCRAWord {
    @usableFromInline static let tatMask: UInt64 = (1 << 48) - 1

    @inlinable static func tat(_ w: UInt64) -> Int64 { Int64(w & tatMask) }
    @inlinable static func fingerprint(_ w: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: w >> 48) }
    @inlinable static func make(_ fp: UInt16, _ tat: Int64) -> UInt64 { UInt64(fp) << 48 | (UInt64(max(0, tat)) & tatMask) }
}

/// A fixed table of GCRA cells shared by every loop, without locks: each check is a load and a compare-and-swap on
/// the key's word, retried if another core changed it in between.
///
/// Dense tables index cells by a small integer (a consumer's index); hashed tables index by a 64-bit hash of the
/// key (a client IP, a consumer and route) and keep 16 bits of it as a fingerprint: a cell whose fingerprint
/// differs is taken over when its allowance is whole again (its TAT is past), else the two keys share the cell
/// until then (rare with 65,536 cells; documented in docs/configuration.md).
public final class GCRATable: @unchecked Sendable {
    // SAFETY: `cells` is allocated once and only touched through Atomic operations.
    @usableFromInline let cells: UnsafeMutablePointer<Atomic<UInt64>>
    public let count: Int
    @usableFromInline let mask: Int
    public let limit: RateLimit

    /// A table of at least `count` cells (a power of two).
    public init(limit: RateLimit, count requested: Int) {
        var n = 1
        while n < requested { n <<= 1 }
        count = n
        mask = n - 1
        self.limit = limit
        cells = .allocate(capacity: n)
        for i in 0..<n { (cells + i).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        cells.deinitialize(count: count)
        cells.deallocate()
    }

    /// Checks and, if admitted, charges one request for the key with `hash` at `now` (microseconds since the
    /// table's epoch, monotonic). `dense: true` uses `hash` as the cell index and no fingerprint.
    public func check(hash: UInt64, now: Int64, dense: Bool = false) -> LimitOutcome {
        let index = Int(truncatingIfNeeded: hash) & mask
        let fp: UInt16 = dense ? 0 : UInt16(truncatingIfNeeded: hash >> 48) | 1
        let cell = cells + index
        // Relaxed: the CAS below decides; a stale load only costs a retry.
        var word = cell.pointee.load(ordering: .relaxed)
        while true {
            var tat = GCRAWord.tat(word)
            if GCRAWord.fingerprint(word) != fp && tat > now && !dense {
                // Another key holds the cell and is still charged: share it (see the type's documentation).
            } else if GCRAWord.fingerprint(word) != fp {
                tat = 0 // a cell another key left (or none used): start as if empty
            }
            // Catch-up: a steady stream whose requests are handled a little after their theoretical time (a loop
            // descheduled for a few milliseconds, say) keeps its rate, where plain GCRA loses that lateness at every
            // request; the price is that after a pause `catchUp / interval` more requests may pass at once.
            let start = max(tat, now - limit.catchUp)
            if start - now > limit.tolerance {
                let wait = start - now - limit.tolerance
                return LimitOutcome(admitted: false, remaining: 0, resetSeconds: Self.seconds(start - now),
                                    retryAfterSeconds: max(1, Self.seconds(wait)))
            }
            let next = start + limit.interval
            // Relaxed: the cell's word is the only state; no other memory is published with it.
            let (exchanged, current) = cell.pointee.compareExchange(expected: word, desired: GCRAWord.make(fp, next),
                                                                    ordering: .relaxed)
            if exchanged {
                let debt = next - now
                let remaining = Int((limit.tolerance + limit.interval - debt) / limit.interval)
                return LimitOutcome(admitted: true, remaining: max(0, remaining), resetSeconds: Self.seconds(debt),
                                    retryAfterSeconds: 0)
            }
            word = current
        }
    }

    /// The TAT stored for the key with `hash` (0 if another key holds the cell), for tables used as timers.
    public func tat(hash: UInt64) -> Int64 {
        let w = cells[Int(truncatingIfNeeded: hash) & mask].load(ordering: .relaxed)
        return GCRAWord.fingerprint(w) == (UInt16(truncatingIfNeeded: hash >> 48) | 1) ? GCRAWord.tat(w) : 0
    }

    /// Stores `value` as the TAT of the key with `hash` (a lockout's end).
    public func setTAT(hash: UInt64, to value: Int64) {
        cells[Int(truncatingIfNeeded: hash) & mask].store(GCRAWord.make(UInt16(truncatingIfNeeded: hash >> 48) | 1, value), ordering: .relaxed)
    }

    /// Gives back one request charged by `check` (a later limit rejected the request).
    public func refund(hash: UInt64, now: Int64, dense: Bool = false) {
        let cell = cells + (Int(truncatingIfNeeded: hash) & mask)
        var word = cell.pointee.load(ordering: .relaxed)
        while true {
            let tat = GCRAWord.tat(word)
            let back = max(now, tat - limit.interval)
            let (exchanged, current) = cell.pointee.compareExchange(
                expected: word, desired: GCRAWord.make(GCRAWord.fingerprint(word), back), ordering: .relaxed)
            if exchanged { return }
            word = current
        }
    }

    public static func seconds(_ micros: Int64) -> Int { Int((max(0, micros) + 999_999) / 1_000_000) }
}
