import Logging
import NexusAdminModel
import NexusAdmin
import NexusRuntime
import NexusSchema
import NexusServer
import NexusState

/// The audit log: admin actions (with the caller's uid, gid and pid from SO_PEERCRED), authentication failures and
/// workflow runs (one entry per run, whatever the channel),
/// in a state log of its own (`<state folder>/audit`), so its volume and retention never touch the main state.
///
/// Record type 1 is one entry as JSON. Admin actions wait until their entry is durable (they are rare);
/// authentication failures, which an attacker can make frequent, are appended without waiting. Retention drops
/// whole segments whose newest entry is older than `state.audit_retention` (see `AuditRetention`).
final class AuditLog: Sendable {
    static let entryType: UInt16 = 1
    /// Segments of the audit log: small, so retention drops it in small steps (smaller still if `segment_size` is).
    static let segmentSize = 4 << 20

    let log: StateLog

    init(log: StateLog) { self.log = log }

    /// The record of one entry (its sequence comes from the log).
    struct Record: Codable {
        var ms: Int
        var action: String
        var outcome: String
        var uid: UInt32?
        var gid: UInt32?
        var pid: Int32?
        var consumer: String?
        var target: String?
        var detail: String?
        /// The client address of a request on the admin TCP listener (uid, gid and pid are then unknown).
        var remote: String?
    }

    /// Records an admin action and waits until it is durable; a failure to record is returned, not thrown: the
    /// action itself already happened.
    @discardableResult
    func record(_ action: String, outcome: String, caller: AdminCaller?, consumer: String? = nil, target: String? = nil,
                detail: String? = nil, wait: Bool = true, unixMilliseconds: Int? = nil) -> StateError? {
        let now = UTCTimestamp.now()
        let local = caller?.remote == nil ? caller : nil
        let r = Record(ms: unixMilliseconds ?? (now.seconds * 1000 + now.nanoseconds / 1_000_000), action: action, outcome: outcome,
                       uid: local?.uid, gid: local?.gid, pid: local?.pid, consumer: consumer, target: target, detail: detail,
                       remote: caller?.remote)
        let ticket = log.append(type: Self.entryType, payload: RecordJSON.encode(r))
        guard wait else { return nil }
        do { _ = try ticket.wait() } catch { return error }
        return nil
    }

    /// Appends the entries of workflow runs without waiting. Written with NexusSchema's JSON writer rather than
    /// `JSONEncoder` (a run is an entry, and runs come by the ten thousand a second); the same `Record` keys.
    func recordRuns(_ runs: [WorkflowRun]) {
        var payload: [UInt8] = []
        for r in runs {
            var o = NexusSchema.JSONObject()
            o.members.reserveCapacity(6)
            func put(_ k: String, _ v: NexusSchema.JSONValue) { o.members.append(NexusSchema.JSONMember(key: k, value: v)) }
            put("ms", .number(NexusSchema.JSONNumber(Int(r.unixMilliseconds))))
            put("action", .string(r.action))
            put("outcome", .string(r.status < 400 ? "ok" : r.status < 500 ? "refused" : "failed"))
            if let c = r.consumer { put("consumer", .string(c)) }
            put("target", .string(r.target))
            put("detail", .string("channel=\(r.channel) status=\(r.status) client=\(r.address)"))
            payload.removeAll(keepingCapacity: true)
            NexusSchema.JSONValue.object(o).write(to: &payload)
            _ = log.append(type: Self.entryType, payload: payload)
        }
    }

    /// The newest `query.limit` entries that pass its filters, oldest first.
    func entries(_ query: AuditQuery) -> [AuditEntry] {
        var out: [AuditEntry] = []
        for r in log.read(from: (log.snapshot?.sequence ?? 0) + 1) where r.type == Self.entryType {
            guard let e = RecordJSON.decode(Record.self, r.payload) else { continue }
            let entry = AuditEntry(sequence: r.sequence, unixMilliseconds: e.ms,
                                   time: UTCTimestamp.format(seconds: e.ms / 1000, nanoseconds: (e.ms % 1000) * 1_000_000),
                                   action: e.action, outcome: e.outcome, uid: e.uid, gid: e.gid, pid: e.pid,
                                   consumer: e.consumer, target: e.target, detail: e.detail, remote: e.remote)
            if query.matches(entry) { out.append(entry) }
        }
        return Array(out.suffix(query.limit))
    }

    /// Drops the oldest whole segments whose newest entry is older than `seconds` (never the current segment), by
    /// installing an empty snapshot through their last entry. Returns how many entries went, nil on an error
    /// (logged; tried again at the next run).
    func applyRetention(seconds: Int, now: Int, logger: Logger) -> Int? {
        let cutoff = (now - seconds) * 1000
        var through: UInt64?
        let covered = log.snapshot?.sequence ?? 0
        for summary in log.segmentSummaries().dropLast() where summary.lastSequence > covered {
            guard summary.lastSequence >= summary.firstSequence,
                  let last = log.read(from: summary.lastSequence, limit: 1).first,
                  let e = RecordJSON.decode(Record.self, last.payload), e.ms < cutoff else { break }
            through = summary.lastSequence
        }
        guard let through else { return 0 }
        do {
            try log.installSnapshot(Snapshot(sequence: through, records: []))
        } catch {
            logger.error("audit retention failed; old entries stay until it succeeds", metadata: ["error": "\(error)"])
            return nil
        }
        return Int(through - covered)
    }
}
