import NexusAdminModel
import NexusServer
import NexusState
import NexusSystem
import Synchronization

/// Usage counters: requests per route and consumer, by UTC hour. The loops count in memory and post deltas every
/// `state.usage_flush` (default 5 s); `StateMaintenance` writes them as one record of type 7 per flush, so the log
/// grows with time, not with traffic. A crash (even kill -9) loses at most the counts of the last flush interval.
/// Hours older than `state.usage_retention` are dropped at compaction and never answered.
final class UsageLedger: StateComponent {
    struct Key: Hashable, Sendable {
        var hour: Int
        var route: String
        var consumer: String
    }

    struct Counts: Sendable, Equatable {
        var requests = 0, clientErrors = 0, serverErrors = 0, rejected = 0

        mutating func add(_ o: Counts) {
            requests &+= o.requests
            clientErrors &+= o.clientErrors
            serverErrors &+= o.serverErrors
            rejected &+= o.rejected
        }
    }

    /// One record: the deltas of one hour.
    struct Batch: Codable {
        struct Row: Codable {
            var r: String
            var c: String
            var n: Int
            var e4: Int
            var e5: Int
            /// Refused by the gateway (401, 403, 429); absent in records written before it existed.
            var x: Int?
        }
        var hour: Int
        var rows: [Row]
    }

    static let deltaType: UInt16 = 7
    let recordTypes = [deltaType]
    let retentionSeconds: Int

    private let totals = Mutex<[Key: Counts]>([:])

    init(retentionSeconds: Int) { self.retentionSeconds = retentionSeconds }

    func apply(type: UInt16, payload: [UInt8]) {
        guard type == Self.deltaType, let b = RecordJSON.decode(Batch.self, payload) else { return }
        totals.withLock { t in
            for row in b.rows {
                t[Key(hour: b.hour, route: row.r, consumer: row.c), default: Counts()]
                    .add(Counts(requests: row.n, clientErrors: row.e4, serverErrors: row.e5, rejected: row.x ?? 0))
            }
        }
    }

    func reset() { totals.withLock { $0 = [:] } }

    /// One record per retained hour with its totals.
    func image() -> [SnapshotRecord] {
        let oldest = Self.hour(of: Clock.unixSeconds()) - retentionSeconds
        var byHour: [Int: [Batch.Row]] = [:]
        for (k, v) in totals.withLock({ $0 }) where k.hour >= oldest {
            byHour[k.hour, default: []].append(Batch.Row(r: k.route, c: k.consumer, n: v.requests, e4: v.clientErrors, e5: v.serverErrors,
                                                         x: v.rejected))
        }
        return byHour.keys.sorted().map { h in
            SnapshotRecord(type: Self.deltaType, payload: RecordJSON.encode(Batch(hour: h, rows: byHour[h]!.sorted { ($0.r, $0.c) < ($1.r, $1.c) })))
        }
    }

    /// The batch record for `deltas` counted in the hour of `now`.
    static func batch(_ deltas: [UsageDelta], now: Int) -> Batch {
        var merged: [Key: Counts] = [:]
        let h = hour(of: now)
        for d in deltas {
            merged[Key(hour: h, route: d.route, consumer: d.consumer), default: Counts()]
                .add(Counts(requests: d.requests, clientErrors: d.clientErrors, serverErrors: d.serverErrors, rejected: d.rejected))
        }
        return Batch(hour: h, rows: merged.map { Batch.Row(r: $0.key.route, c: $0.key.consumer, n: $0.value.requests,
                                                           e4: $0.value.clientErrors, e5: $0.value.serverErrors, x: $0.value.rejected) }
            .sorted { ($0.r, $0.c) < ($1.r, $1.c) })
    }

    /// Per consumer and hour: the requests that were not refused (what quotas count).
    func quotaRows() -> [(hour: Int, consumer: String, admitted: Int)] {
        totals.withLock { t in
            t.compactMap { k, v in k.consumer.isEmpty ? nil : (k.hour, k.consumer, v.requests - v.rejected) }
        }
    }

    static func hour(of seconds: Int) -> Int { seconds - seconds % 3600 }

    /// The rows for a query, summed by its period, newest period last.
    func rows(_ q: UsageQuery) -> [UsageRow] {
        let oldest = Self.hour(of: Clock.unixSeconds()) - retentionSeconds
        var sums: [Key: Counts] = [:]
        for (k, v) in totals.withLock({ $0 }) where k.hour >= oldest {
            if let since = q.since, k.hour + 3599 < since { continue }
            if let until = q.until, k.hour > until { continue }
            if let r = q.route, k.route != r { continue }
            if let c = q.consumer, k.consumer != c { continue }
            let start: Int
            switch q.period {
            case .hour: start = k.hour
            case .day: start = k.hour - k.hour % 86_400
            case .total: start = 0
            }
            sums[Key(hour: start, route: k.route, consumer: k.consumer), default: Counts()].add(v)
        }
        return sums.map { k, v in
            UsageRow(periodStart: q.period == .total ? nil : k.hour, route: k.route, consumer: k.consumer.isEmpty ? nil : k.consumer,
                     requests: v.requests, clientErrors: v.clientErrors, serverErrors: v.serverErrors, rejected: v.rejected)
        }.sorted { ($0.periodStart ?? 0, $0.route, $0.consumer ?? "") < ($1.periodStart ?? 0, $1.route, $1.consumer ?? "") }
    }
}
