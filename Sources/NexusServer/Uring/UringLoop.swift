import CNexusLinux
import Glibc
import Logging
import NexusRing
import NexusRuntime
import NexusSystem

/// An event loop on io_uring: one thread, one ring, one SO_REUSEPORT listener.
///
/// Multishot accept and multishot receive into a provided-buffer ring; sends of whole response batches with
/// partial writes resumed; a 250 ms tick for timeouts; an eventfd read for the mailbox. Completions are drained
/// in batches and the connections they touched are settled once per batch (that is what turns N pipelined
/// requests into one send).
final class UringLoop {
    let ring: Ring
    var buffers: ProvidedBuffers
    let engine: HTTPEngine
    let table: ConnectionTable
    let context: LoopContext
    var listeners: [Int32]
    private var acceptArmed: [Bool]
    private var acceptPaused = false
    private var stopping = false
    private var drainDeadline: Int64 = .max
    private var lastEMFILELog: Int64 = -10_000
    private let cqes: UnsafeMutablePointer<UnsafeMutablePointer<io_uring_cqe>?>
    private let batch = 256
    private let tickSpec: UnsafeMutablePointer<__kernel_timespec>
    private let pauseSpec: UnsafeMutablePointer<__kernel_timespec>
    private let wakeValue: UnsafeMutablePointer<UInt64>
    /// The connections being settled (swapped with the engine's dirty list, so neither reallocates).
    private var settling: [Connection] = []
    /// Client connections open (the rest of the table holds upstream connections).
    private var clientCount = 0
    private let busyPollNanoseconds: Int64 = {
        if let v = getenv("NEXUS_BUSY_POLL_US"), let n = Int64(String(cString: v)) { return n * 1000 }
        return 50_000
    }()

    /// Builds the loop on the calling thread (the ring is single-issuer).
    init(context: LoopContext) throws(SystemError) {
        self.context = context
        ring = try Ring(entries: 4096)
        buffers = try ProvidedBuffers(ring: ring, group: 0, count: 512, bufferSize: 16 * 1024)
        table = ConnectionTable(capacity: context.maxConnections + context.upstreamSlots)
        engine = HTTPEngine(settings: context.settings, routes: context.routes, table: table,
                            upstreams: LoopUpstreams(context.pools), usageSink: context.usageSink)
        engine.credentials = context.credentials
        engine.metricsBoard = context.metricsBoard
        engine.accessLog = context.accessLog
        listeners = context.listeners
        engine.listenerTLS = context.tls
        engine.tlsLog = { [logger = context.logger] c, reason in
            logger.debug("TLS handshake failed", metadata: ["reason": "\(reason)"])
        }
        acceptArmed = Array(repeating: false, count: context.listeners.count)
        cqes = .allocate(capacity: batch)
        tickSpec = .allocate(capacity: 1)
        tickSpec.initialize(to: __kernel_timespec(tv_sec: 0, tv_nsec: 250_000_000))
        pauseSpec = .allocate(capacity: 1)
        pauseSpec.initialize(to: __kernel_timespec(tv_sec: 0, tv_nsec: 100_000_000))
        wakeValue = .allocate(capacity: 1)
        wakeValue.initialize(to: 0)
    }

    deinit {
        cqes.deallocate()
        tickSpec.deallocate()
        pauseSpec.deallocate()
        wakeValue.deallocate()
    }

    /// Runs until a shutdown message has been handled and every connection is closed.
    func run() {
        engine.advanceClock()
        armAccepts()
        ring.prepareTimeout(tickSpec, userData: UserData.make(.tick))
        armWake()
        var busy = false
        while true {
            if !(busy && busyPollNanoseconds > 0 && engine.exchangesInFlight == 0 && pollBriefly()) {
                let rc = ring.submitAndWait(1)
                if rc < 0 && rc != -EINTR && rc != -ETIME && rc != -EBUSY && rc != -EAGAIN {
                    context.logger.critical("io_uring_submit_and_wait failed", metadata: ["error": "\(SystemError.describe(-rc))"])
                    break
                }
            }
            engine.advanceClock()
            busy = false
            while true {
                let n = ring.peekBatch(cqes, max: batch)
                if n == 0 { break }
                busy = true
                for i in 0..<n {
                    let cqe = cqes[i]!.pointee
                    complete(userData: cqe.user_data, result: cqe.res, flags: cqe.flags)
                }
                ring.advance(n)
                if n < batch { break }
            }
            buffers.publish()
            settleAll()
            if stopping {
                if clientCount == 0 { break }
                if engine.now >= drainDeadline { abortAll() }
            }
        }
        closeListeners()
        engine.flushUsage(force: true)
        for c in table.active { Socket.close(c.fd) } // idle upstream connections, and anything cut at the deadline
    }

    /// After a busy turn, submits and looks for new completions for up to `busyPollNanoseconds` before the
    /// loop goes to sleep. A loop that sleeps between two requests pays a wake-up each time, and on a busy machine
    /// the scheduler may wake it on a core that is running something else: that is where the tail latency came
    /// from in the benchmarks (docs/performance.md). Returns true if completions are ready.
    private func pollBriefly() -> Bool {
        ring.submit()
        let start = Clock.monotonicNanoseconds()
        repeat {
            ring.getEvents()
            if ring.readyCount > 0 { return true }
        } while Clock.monotonicNanoseconds() - start < busyPollNanoseconds
        return false
    }

    // MARK: Completions

    @inline(__always)
    private func complete(userData: UInt64, result: Int32, flags: UInt32) {
        guard let kind = UserData.kind(userData) else { return }
        switch kind {
        case .receive:
            receiveCompleted(userData, result, flags)
        case .send:
            sendCompleted(userData, result)
        case .accept:
            acceptCompleted(Int(UserData.slot(userData)), result, flags)
        case .tick:
            tick()
        case .wake:
            armWake()
            context.mailbox.drain { handle($0) }
        case .acceptResume:
            acceptPaused = false
            if !stopping { armAccepts() }
        case .cancel:
            break
        case .connect:
            connectCompleted(userData, result)
        }
    }

    /// Starts the connects the engine asked for, then settles every connection touched in this batch (settling
    /// may touch more: an upstream failure answers its client).
    private func settleAll() {
        engine.drainTouched(&settling, connect: { startConnect($0) }, settle: { settle($0) })
    }

    private func startConnect(_ u: Connection) {
        guard u.phase != .free, !u.closing else { return }
        u.remote.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            ring.prepareConnect(fd: u.fd, address: $0, length: u.remoteLength,
                                userData: UserData.make(.connect, slot: u.slot, generation: u.generation))
        }
        u.pendingOperations += 1
    }

    private func connectCompleted(_ userData: UInt64, _ result: Int32) {
        let u = table.slots[Int(UserData.slot(userData))]
        u.pendingOperations -= 1
        if u.closing {
            if u.pendingOperations == 0 { finalize(u) }
            return
        }
        if result < 0 {
            engine.upstreamFailed(u, status: 502, detail: "the backend refused the connection")
        } else {
            engine.upstreamConnected(u)
        }
    }

    private func acceptCompleted(_ index: Int, _ result: Int32, _ flags: UInt32) {
        let more = flags & UInt32(IORING_CQE_F_MORE) != 0
        if !more { acceptArmed[index] = false }
        if result >= 0 {
            // Also while stopping: the client may have sent its request already; it is answered with
            // Connection: close like any other during the drain.
            adopt(result, listener: index)
        } else if result == -EMFILE || result == -ENFILE || result == -ENOBUFS || result == -ENOMEM {
            // Out of descriptors or memory: do not spin on accept. Stop it and try again in 100 ms.
            if engine.now - lastEMFILELog >= 5000 {
                lastEMFILELog = engine.now
                context.logger.error("accept failed, pausing accepts for 100 ms",
                                     metadata: ["error": "\(SystemError.describe(-result))", "open": "\(table.openCount)"])
            }
            for i in listeners.indices where acceptArmed[i] {
                ring.prepareCancel(target: UserData.make(.accept, slot: Int32(i)), userData: UserData.make(.cancel))
            }
            if !acceptPaused {
                acceptPaused = true
                ring.prepareTimeout(pauseSpec, userData: UserData.make(.acceptResume))
            }
            return
        }
        if !more && !acceptPaused && !stopping { armAccept(index) }
        if !more && stopping { closeListener(index) }
    }

    /// Takes an accepted connection (or refuses it with 503 when every slot is taken).
    private func adopt(_ fd: Int32, listener index: Int) {
        guard clientCount < context.maxConnections, let c = table.acquire() else {
            if engine.isTLSListener(index) { Socket.close(fd) } else { // a plaintext 503 means nothing to a TLS client
                ConnectionRefusal.refuse(fd: fd, date: engine.dateLine.readable, scratch: engine.scratch)
            }
            context.refusedConnections += 1
            return
        }
        c.open(fd: fd, now: engine.now)
        clientCount += 1
        Socket.setNoDelay(fd)
        engine.opened(c, listener: index)
        if stopping { engine.beginDrain([c]) }
        armReceive(c)
        if c.abort { markDirty(c) }
    }

    /// While stopping, once listener `i` has no accept in flight: accepts every connection the kernel queued on it
    /// (closing it would reset them, and their clients may have sent a request already), then closes it.
    private func closeListener(_ i: Int) {
        let lfd = listeners[i]
        guard lfd >= 0 else { return }
        while true {
            let fd = nexus_accept_nonblocking(lfd)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            adopt(fd, listener: i)
        }
        Socket.close(lfd)
        listeners[i] = -1
    }

    private func receiveCompleted(_ userData: UInt64, _ result: Int32, _ flags: UInt32) {
        let c = table.slots[Int(UserData.slot(userData))]
        if flags & UInt32(IORING_CQE_F_BUFFER) != 0 {
            let bid = UInt16(truncatingIfNeeded: flags >> UInt32(IORING_CQE_BUFFER_SHIFT))
            if result > 0 && !c.closing && c.generation & 0xFF_FFFF == UserData.generation(userData) {
                engine.received(c, UnsafeRawBufferPointer(start: buffers.buffer(bid), count: Int(result)))
            }
            buffers.recycle(bid)
        }
        let more = flags & UInt32(IORING_CQE_F_MORE) != 0
        if !more {
            c.receiveArmed = false
            c.pendingOperations -= 1
        }
        if c.closing {
            if c.pendingOperations == 0 { finalize(c) }
            return
        }
        if result == 0 {
            engine.peerClosed(c)
        } else if result < 0 && result != -ENOBUFS && result != -ECANCELED {
            c.abort = true
        }
        markDirty(c)
    }

    private func sendCompleted(_ userData: UInt64, _ result: Int32) {
        let c = table.slots[Int(UserData.slot(userData))]
        c.pendingOperations -= 1
        c.sendInFlight = false
        if c.closing {
            if c.pendingOperations == 0 { finalize(c) }
            return
        }
        if result < 0 {
            c.abort = true
        } else {
            c.out.consume(Int(result))
            c.sendDeadline = engine.now + c.sendTimeout
            if c.out.isEmpty && c.outbox.isEmpty {
                c.sendDeadline = .max
                engine.outputDrained(c)
            }
        }
        markDirty(c)
    }

    // MARK: Settling a connection after its events

    @inline(__always)
    private func markDirty(_ c: Connection) { engine.touch(c) }

    /// Does the I/O the engine asked for on `c`: send, shut the write side, close, pause or resume reading.
    private func settle(_ c: Connection) {
        c.dirty = false
        if c.closing || c.phase == .free { return }
        if c.abort { close(c); return }
        if c.connecting { return }
        if !c.sendInFlight {
            if c.tls != nil {
                engine.seal(c)
                if c.abort { close(c); return }
            } else if c.out.isEmpty && !c.outbox.isEmpty {
                swap(&c.out, &c.outbox)
            }
            if !c.out.isEmpty {
                let r = c.out.readable
                ring.prepareSend(fd: c.fd, bytes: r.baseAddress!, count: r.count,
                                 userData: UserData.make(.send, slot: c.slot, generation: c.generation))
                c.sendInFlight = true
                c.pendingOperations += 1
                if c.sendDeadline == .max { c.sendDeadline = engine.now + c.sendTimeout }
            } else if c.closeAfterFlush && c.phase != .linger && c.phase != .proxy {
                // (.proxy: the response is still streaming from the backend; the close comes after its end.)
                beginLinger(c)
            } else if c.halfCloseAfterFlush && !c.writeShut {
                c.writeShut = true
                Socket.shutdown(c.fd, write: true, read: false)
            }
        }
        if c.wantReadPaused && c.receiveArmed && !c.readPaused {
            c.readPaused = true
            ring.prepareCancel(target: UserData.make(.receive, slot: c.slot, generation: c.generation),
                               userData: UserData.make(.cancel))
        } else if !c.wantReadPaused && c.readPaused {
            c.readPaused = false
        }
        if !c.receiveArmed && !c.readPaused && !c.peerClosed { armReceive(c) }
        engine.rearm(c)
    }

    private func beginLinger(_ c: Connection) {
        if c.peerClosed { close(c); return }
        Socket.shutdown(c.fd, write: true, read: false)
        engine.lingering(c)
    }

    private func armReceive(_ c: Connection) {
        ring.prepareMultishotReceive(fd: c.fd, group: buffers.group,
                                     userData: UserData.make(.receive, slot: c.slot, generation: c.generation))
        c.receiveArmed = true
        c.pendingOperations += 1
    }

    /// Starts closing `c`: cancels what is in flight; the slot is freed when the last completion arrives.
    private func close(_ c: Connection) {
        guard !c.closing else { return }
        c.closing = true
        engine.willClose(c)
        if c.pendingOperations > 0 {
            Socket.shutdown(c.fd, write: true, read: true)
            ring.prepareCancel(fd: c.fd, userData: UserData.make(.cancel))
        } else {
            finalize(c)
        }
    }

    private func finalize(_ c: Connection) {
        Socket.close(c.fd)
        if c.role == .client { clientCount -= 1 }
        table.release(c)
    }

    // MARK: Accept, timers, mailbox

    private func armAccepts() {
        for i in listeners.indices { armAccept(i) }
    }

    private func armAccept(_ i: Int) {
        guard listeners[i] >= 0, !acceptArmed[i] else { return }
        ring.prepareMultishotAccept(listener: listeners[i], userData: UserData.make(.accept, slot: Int32(i)))
        acceptArmed[i] = true
    }

    private func closeListeners() {
        for i in listeners.indices where listeners[i] >= 0 {
            Socket.close(listeners[i])
            listeners[i] = -1
        }
    }

    private func armWake() {
        ring.prepareRead(fd: context.mailbox.waker.fd, into: wakeValue, count: 8, userData: UserData.make(.wake))
    }

    private func tick() {
        engine.refreshDate()
        engine.sweep(table.active) { markDirty($0) }
        context.counters.publish(requests: engine.requestsServed, connections: clientCount, now: engine.now)
        engine.publishMetrics()
        engine.flushUsage()
        ring.prepareTimeout(tickSpec, userData: UserData.make(.tick))
    }

    private func handle(_ message: LoopMessage) {
        switch message {
        case .shutdown(let deadline):
            guard !stopping else { return }
            stopping = true
            drainDeadline = deadline
            // A listener is closed only once its multishot accept is gone (the ring holds the socket open while the
            // accept is in flight, and new connections would keep queueing on it, to be reset when it finally
            // closes); then what is queued is accepted, and only then the socket closed (see closeListener).
            for i in listeners.indices {
                if acceptArmed[i] {
                    ring.prepareCancel(target: UserData.make(.accept, slot: Int32(i)), userData: UserData.make(.cancel))
                } else {
                    closeListener(i)
                }
            }
            engine.beginDrain(table.active)
            for c in table.active { markDirty(c) }
        case .configure, .addresses, .credentials, .federation:
            engine.apply(message)
        }
    }

    private func abortAll() {
        for c in table.active where !c.closing { close(c) }
    }
}
