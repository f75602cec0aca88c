// QuotaTable: requests per consumer per UTC day and month, shared by every loop without locks.
import Synchronization

/// Per-consumer counters of admitted requests for the current UTC day and month: one atomic word per consumer and
/// period (the period's number in the top 24 bits, the count in the low 40), so a new day starts from zero with a
/// single compare-and-swap. nexusd seeds them at start from the usage counters in the state store, so a restart
/// does not reset a quota (it can lose at most the last `usage_flush` of counting).
public final class QuotaTable: @unchecked Sendable {
    // SAFETY: allocated once, only touched through Atomic operations.
    private let day: UnsafeMutablePointer<Atomic<UInt64>>
    private let month: UnsafeMutablePointer<Atomic<UInt64>>
    public let capacity: Int
    private static let countMask: UInt64 = (1 << 40) - 1

    public init(capacity: Int) {
        self.capacity = capacity
        day = .allocate(capacity: capacity)
        month = .allocate(capacity: capacity)
        for i in 0..<capacity {
            (day + i).initialize(to: Atomic<UInt64>(0))
            (month + i).initialize(to: Atomic<UInt64>(0))
        }
    }

    deinit {
        day.deinitialize(count: capacity); day.deallocate()
        month.deinitialize(count: capacity); month.deallocate()
    }

    /// The UTC day number and month number (months since 1970-01) of `unixSeconds`.
    public static func periods(_ unixSeconds: Int) -> (day: Int, month: Int) {
        let d = unixSeconds / 86_400
        // Civil from days (Howard Hinnant), for the month.
        let z = d + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (d, (y - 1970) * 12 + m - 1)
    }

    /// Counts one request of consumer `index` if neither quota is used up; returns the quota that is, if one is.
    public func take(_ index: Int, dayLimit: Int?, monthLimit: Int?, now unixSeconds: Int) -> QuotaRejection? {
        guard index >= 0 && index < capacity else { return nil }
        let (d, m) = Self.periods(unixSeconds)
        if let dayLimit, !Self.increment(day + index, period: d, limit: dayLimit) { return .day(limit: dayLimit, resetSeconds: 86_400 - unixSeconds % 86_400) }
        if let monthLimit, !Self.increment(month + index, period: m, limit: monthLimit) {
            if dayLimit != nil { Self.decrement(day + index, period: d) }
            return .month(limit: monthLimit, resetSeconds: Self.secondsToNextMonth(unixSeconds))
        }
        return nil
    }

    /// Gives back a request counted by `take` (a later check rejected it).
    public func refund(_ index: Int, day hasDay: Bool, month hasMonth: Bool, now unixSeconds: Int) {
        guard index >= 0 && index < capacity else { return }
        let (d, m) = Self.periods(unixSeconds)
        if hasDay { Self.decrement(day + index, period: d) }
        if hasMonth { Self.decrement(month + index, period: m) }
    }

    /// What consumer `index` has used in the current day and month.
    public func used(_ index: Int, now unixSeconds: Int) -> (day: Int, month: Int) {
        guard index >= 0 && index < capacity else { return (0, 0) }
        let (d, m) = Self.periods(unixSeconds)
        func count(_ p: UnsafeMutablePointer<Atomic<UInt64>>, _ period: Int) -> Int {
            let w = p.pointee.load(ordering: .relaxed)
            return Int(w >> 40) == period ? Int(w & Self.countMask) : 0
        }
        return (count(day + index, d), count(month + index, m))
    }

    /// Sets the starting counts of consumer `index` (at start, from the state store).
    public func seed(_ index: Int, day dayCount: Int, month monthCount: Int, now unixSeconds: Int) {
        guard index >= 0 && index < capacity else { return }
        let (d, m) = Self.periods(unixSeconds)
        (day + index).pointee.store(UInt64(d) << 40 | UInt64(dayCount) & Self.countMask, ordering: .relaxed)
        (month + index).pointee.store(UInt64(m) << 40 | UInt64(monthCount) & Self.countMask, ordering: .relaxed)
    }

    private static func increment(_ p: UnsafeMutablePointer<Atomic<UInt64>>, period: Int, limit: Int) -> Bool {
        // Relaxed: the word is the only state.
        var w = p.pointee.load(ordering: .relaxed)
        while true {
            let count = Int(w >> 40) == period ? Int(w & countMask) : 0
            if count >= limit { return false }
            let next = UInt64(period) << 40 | UInt64(count + 1)
            let (ok, current) = p.pointee.compareExchange(expected: w, desired: next, ordering: .relaxed)
            if ok { return true }
            w = current
        }
    }

    private static func decrement(_ p: UnsafeMutablePointer<Atomic<UInt64>>, period: Int) {
        var w = p.pointee.load(ordering: .relaxed)
        while Int(w >> 40) == period && w & countMask > 0 {
            let (ok, current) = p.pointee.compareExchange(expected: w, desired: w - 1, ordering: .relaxed)
            if ok { return }
            w = current
        }
    }

    public static func secondsToNextMonth(_ unixSeconds: Int) -> Int {
        let (_, m) = periods(unixSeconds)
        var s = unixSeconds - unixSeconds % 86_400
        while periods(s).month == m { s += 86_400 }
        return s - unixSeconds
    }
}

/// A quota that is used up.
public enum QuotaRejection: Sendable, Equatable {
    case day(limit: Int, resetSeconds: Int)
    case month(limit: Int, resetSeconds: Int)
}
