import Logging
import NexusRuntime
import NexusServer
import NexusState
import NexusSystem
import Synchronization

/// The state's housekeeping thread: writes the loops' usage deltas every `state.usage_flush`, compacts the state
/// log when it has grown past `state.compact_after` (checked at the same pace), and applies the audit log's
/// retention at start and hourly. Off the loops
/// and off the admin thread; it takes the store's lock only for one append (or one snapshot) at a time.
final class StateMaintenance: Sendable {
    let usage: Mailbox<LoopReport>
    private let state: DurableState
    private let flushMilliseconds: Int64
    private let compactAfter: Int
    private let auditRetentionSeconds: Int
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<NexusThread?>(nil)

    init(state: DurableState, flush: Duration, compactAfter: Int, auditRetention: Duration, logger: Logger) throws(RuntimeSyscallError) {
        usage = try Mailbox<LoopReport>(capacity: 4096)
        self.state = state
        flushMilliseconds = max(100, EngineMilliseconds.of(flush))
        self.compactAfter = compactAfter
        auditRetentionSeconds = Int(auditRetention.components.seconds)
        self.logger = logger
    }

    /// What the loops get: this mailbox and the flush interval.
    var sink: UsageSink { UsageSink(mailbox: usage, intervalMilliseconds: flushMilliseconds) }

    func start() {
        let t = NexusThread.spawn(name: "nexus-maint") { [self] in run() }
        thread.withLock { $0 = t }
    }

    /// Stops the thread after a last flush (call after the loops have exited: they post their last counts then).
    func stop() {
        stopping.store(true, ordering: .releasing)
        usage.waker.wake()
        thread.withLock { $0?.join(); $0 = nil }
    }

    private func run() {
        var pending: [UsageDelta] = []
        var failing = false
        var nextFlush = Clock.monotonicMilliseconds() + flushMilliseconds
        var nextHousekeeping = Clock.monotonicMilliseconds()
        while true {
            let now = Clock.monotonicMilliseconds()
            let done = stopping.load(ordering: .acquiring)
            let flushTime = now >= nextFlush
            // Every wake-up takes what the loops posted (and so acknowledges the waker); writing waits for the flush.
            usage.drain { report in
                switch report {
                case .usage(let deltas): pending += deltas
                case .authFailures(let failures): recordAuthFailures(failures)
                case .workflowRuns(let runs, let dropped): recordRuns(runs, dropped: dropped)
                }
            }
            if flushTime || done {
                nextFlush = now + flushMilliseconds
                if !pending.isEmpty {
                    let batch = UsageLedger.batch(pending, now: Clock.unixSeconds())
                    do throws(StoreChangeError) {
                        try state.store.change { w throws(StoreChangeError) in try w.write(UsageLedger.deltaType, batch) }
                        pending = []
                        if failing { logger.notice("usage counters are written again") }
                        failing = false
                    } catch {
                        // Kept in memory (merged into one batch) and tried again at the next flush.
                        pending = batch.rows.map { UsageDelta(route: $0.r, consumer: $0.c, requests: $0.n, clientErrors: $0.e4, serverErrors: $0.e5,
                                                             rejected: $0.x ?? 0) }
                        if !failing { logger.error("usage counters cannot be written; kept in memory and retried", metadata: ["error": "\(error)"]) }
                        failing = true
                    }
                }
            }
            if done { return }
            if flushTime { compact() }
            if now >= nextHousekeeping {
                nextHousekeeping = now + 3_600_000
                applyAuditRetention()
            }
            _ = usage.waker.waitBlocking(timeoutMilliseconds: Int32(clamping: max(1, min(nextFlush, nextHousekeeping) - Clock.monotonicMilliseconds())))
        }
    }

    /// Writes failed authentications to the audit log, one entry per route and address per flush interval
    /// (without waiting: an attacker can make them frequent; never the key that was tried).
    private func recordAuthFailures(_ failures: [AuthFailureCount]) {
        for f in failures {
            state.audit.record("auth.failure", outcome: "refused", caller: nil, target: f.route,
                               detail: "\(f.count) failed authentication\(f.count == 1 ? "" : "s") from \(f.address)", wait: false)
        }
    }

    /// Writes one audit entry per workflow run (or federated tool call), whatever the channel, without waiting (the
    /// request was answered already): `workflow.run` / `mcp.call`, the consumer, the workflow, and the channel,
    /// status and client address in `detail`.
    private func recordRuns(_ runs: [WorkflowRun], dropped: Int) {
        state.audit.recordRuns(runs)
        if dropped > 0 {
            state.audit.record("workflow.run", outcome: "failed", caller: nil,
                               detail: "\(dropped) run\(dropped == 1 ? "" : "s") not recorded: more than \(WorkflowRun.maxPerFlush) in one flush interval on a loop",
                               wait: false)
        }
    }

    /// Compacts when the log has grown past `compact_after` (checked at every flush: the check is one sum).
    private func compact() {
        do throws(StateError) {
            if try state.store.compactIfNeeded(threshold: compactAfter) {
                logger.info("state log compacted", metadata: ["snapshot_sequence": "\(state.log.snapshot?.sequence ?? 0)"])
            }
        } catch {
            logger.error("state log compaction failed; the log keeps growing until it succeeds", metadata: ["error": "\(error)"])
        }
    }

    /// Drops audit entries past their retention, at start and hourly.
    private func applyAuditRetention() {
        if let dropped = state.audit.applyRetention(seconds: auditRetentionSeconds, now: Clock.unixSeconds(), logger: logger), dropped > 0 {
            logger.info("audit entries past their retention dropped", metadata: ["entries": "\(dropped)"])
        }
    }
}
