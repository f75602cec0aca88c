import Glibc
import Logging
import NexusServer
import NexusSystem

/// Sends systemd's `WATCHDOG=1` from the main thread, and only while every event loop ticks.
///
/// Each loop stamps `LoopCounters.lastTick` at its 250 ms tick; a loop whose stamp is older than `staleAfter` is
/// stalled (blocked in a syscall, spinning, dead), and then no ping is sent, so that systemd restarts nexusd once
/// `WatchdogSec` passes without one. Pings go out every quarter of the period systemd asked for (`$WATCHDOG_USEC`).
/// systemd enforces the watchdog only while the service runs or reloads, not during the drain after `STOPPING=1`
/// (TimeoutStopSec bounds that), so no ping is sent after it.
struct Watchdog {
    private let notify: SystemdNotify
    private let logger: Logger
    /// Milliseconds between pings.
    let interval: Int64
    /// A loop that has not ticked for this many milliseconds is stalled: half the period, within 1 s...5 s.
    let staleAfter: Int64
    private var nextPing: Int64 = 0
    private var withheld = false
    private var sendFailed = false

    /// nil when systemd asked for no watchdog.
    init?(notify: SystemdNotify, logger: Logger) {
        guard let usec = notify.watchdogMicroseconds else { return nil }
        self.notify = notify
        self.logger = logger
        let period = max(1, usec / 1000)
        interval = max(1, period / 4)
        staleAfter = min(max(period / 2, 1000), 5000)
    }

    /// Milliseconds until the next ping is due: how long the main thread may wait for a signal.
    func untilNextPing() -> Int64 { max(0, nextPing - Clock.monotonicMilliseconds()) }

    /// Pings when one is due and every loop has ticked within `staleAfter`.
    mutating func ping(_ server: Server) {
        let now = Clock.monotonicMilliseconds()
        guard now >= nextPing else { return }
        nextPing = now + interval
        let ages = server.loopTickAges(now: now)
        if let stalled = ages.indices.first(where: { ages[$0] > staleAfter }) {
            if !withheld {
                logger.critical("an event loop has stopped ticking: watchdog pings withheld (systemd restarts nexusd after WatchdogSec)",
                                metadata: ["loop": "\(stalled)", "since_ms": "\(ages[stalled])"])
                withheld = true
            }
            return
        }
        if withheld {
            logger.notice("every event loop ticks again: watchdog pings resumed")
            withheld = false
        }
        if let error = notify.watchdog() {
            if !sendFailed { logger.error("cannot send the watchdog ping to systemd", metadata: ["error": "\(error)"]) }
            sendFailed = true
        } else {
            sendFailed = false
        }
    }
}

/// Waiting for nexusd's signals with a time limit.
enum SignalWait {
    /// Waits up to `milliseconds` for SIGINT, SIGTERM, SIGHUP or SIGUSR1 (SIGPIPE is taken and ignored), which
    /// `nexus_block_signals` blocked in every thread; returns the signal, or nil when the time is up. Wraps
    /// sigtimedwait(2). The set is the C shim's `nexus_signal_set`.
    static func next(timeoutMilliseconds ms: Int64) -> Int32? {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGPIPE] { sigaddset(&set, s) }
        let deadline = Clock.monotonicMilliseconds() + ms
        while true {
            let left = max(0, deadline - Clock.monotonicMilliseconds())
            var ts = timespec(tv_sec: Int(left / 1000), tv_nsec: Int(left % 1000) * 1_000_000)
            let sig = sigtimedwait(&set, nil, &ts)
            if sig == SIGPIPE { continue }
            if sig > 0 { return sig }
            if errno == EINTR { continue }
            return nil // EAGAIN: the time is up
        }
    }
}
