import CNexusLinux
import Glibc
import Logging
import NexusRuntime
import NexusSystem

/// An event loop on epoll, for hosts where io_uring is refused (containers with Docker's default seccomp
/// profile, kernel.io_uring_disabled, old kernels). Level-triggered readiness; reads into one loop-wide buffer;
/// writes straight away and waits for EPOLLOUT only when the socket is full. Same engine, same behaviour.
final class EpollLoop {
    let epfd: Int32
    let engine: HTTPEngine
    let table: ConnectionTable
    let context: LoopContext
    var listeners: [Int32]
    private var listenersRegistered = false
    private var acceptResumeAt: Int64 = .max
    private var stopping = false
    private var drainDeadline: Int64 = .max
    private var nextTick: Int64 = 0
    private var lastEMFILELog: Int64 = -10_000
    private let events: UnsafeMutablePointer<epoll_event>
    private let maxEvents = 256
    private let readBuffer: UnsafeMutableRawBufferPointer
    /// The connections being settled (swapped with the engine's dirty list, so neither reallocates).
    private var settling: [Connection] = []
    /// Client connections open (the rest of the table holds upstream connections).
    private var clientCount = 0

    init(context: LoopContext) throws(SystemError) {
        self.context = context
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw .last("epoll_create1") }
        epfd = fd
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
        events = .allocate(capacity: maxEvents)
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        try register(context.mailbox.waker.fd, events: UInt32(EPOLLIN.rawValue), data: UserData.make(.wake))
        try registerListeners()
    }

    deinit {
        Glibc.close(epfd)
        events.deallocate()
        readBuffer.deallocate()
    }

    private func register(_ fd: Int32, events: UInt32, data: UInt64) throws(SystemError) {
        var ev = epoll_event(events: events, data: epoll_data_t(u64: data))
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 else { throw .last("epoll_ctl(ADD)") }
    }

    private func registerListeners() throws(SystemError) {
        for (i, fd) in listeners.enumerated() where fd >= 0 {
            try register(fd, events: UInt32(EPOLLIN.rawValue), data: UserData.make(.accept, slot: Int32(i)))
        }
        listenersRegistered = true
    }

    private func unregisterListeners() {
        for fd in listeners where fd >= 0 { epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil) }
        listenersRegistered = false
    }

    func run() {
        engine.advanceClock()
        nextTick = engine.now + 250
        while true {
            let wait = Int32(clamping: max(0, min(nextTick, acceptResumeAt) - engine.now))
            let n = epoll_wait(epfd, events, Int32(maxEvents), wait)
            engine.advanceClock()
            if n < 0 && errno != EINTR {
                context.logger.critical("epoll_wait failed", metadata: ["error": "\(SystemError.describe(errno))"])
                break
            }
            for i in 0..<max(0, Int(n)) {
                let ev = events[i]
                dispatch(ev.data.u64, ev.events)
            }
            if engine.now >= acceptResumeAt {
                acceptResumeAt = .max
                if !stopping { try? registerListeners() }
            }
            if engine.now >= nextTick {
                nextTick = engine.now + 250
                tick()
            }
            settleAll()
            if stopping {
                if clientCount == 0 { break }
                if engine.now >= drainDeadline { for c in table.active { close(c) } }
            }
        }
        closeListeners()
        engine.flushUsage(force: true)
        for c in table.active { Socket.close(c.fd) } // idle upstream connections
    }

    private func dispatch(_ data: UInt64, _ events: UInt32) {
        switch UserData.kind(data) {
        case .accept:
            acceptReady(Int(UserData.slot(data)))
        case .wake:
            context.mailbox.drain { handle($0) }
        case .receive:
            guard let c = table.lookup(slot: UserData.slot(data), generation: UserData.generation(data)) else { return }
            if c.connecting {
                if events & (UInt32(EPOLLOUT.rawValue) | UInt32(EPOLLERR.rawValue) | UInt32(EPOLLHUP.rawValue)) != 0 {
                    if Socket.pendingError(c.fd) == 0 {
                        engine.upstreamConnected(c)
                    } else {
                        engine.upstreamFailed(c, status: 502, detail: "the backend refused the connection")
                    }
                }
                markDirty(c)
                return
            }
            if events & (UInt32(EPOLLIN.rawValue) | UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue) | UInt32(EPOLLRDHUP.rawValue)) != 0 {
                readAvailable(c)
            }
            if events & UInt32(EPOLLOUT.rawValue) != 0 { c.wantsWritable = false }
            markDirty(c)
        default:
            break
        }
    }

    /// Starts the connects the engine asked for, then settles every connection touched (settling may touch
    /// more: an upstream failure answers its client).
    private func settleAll() {
        engine.drainTouched(&settling, connect: { startConnect($0) }, settle: { settle($0) })
    }

    private func startConnect(_ u: Connection) {
        guard u.phase != .free, !u.abort else { return }
        let rc = u.remote.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(u.fd, $0, u.remoteLength) }
        let err = rc == 0 ? 0 : errno
        if err != 0 && err != EINPROGRESS {
            engine.upstreamFailed(u, status: 502, detail: "the backend refused the connection")
            return
        }
        let interest = UInt32(EPOLLOUT.rawValue)
        var ev = epoll_event(events: interest, data: epoll_data_t(u64: UserData.make(.receive, slot: u.slot, generation: u.generation)))
        if epoll_ctl(epfd, EPOLL_CTL_ADD, u.fd, &ev) != 0 {
            engine.upstreamFailed(u, status: 502, detail: "the connection to the backend failed")
            return
        }
        u.registeredEvents = interest
        if err == 0 { engine.upstreamConnected(u) }
    }

    private func acceptReady(_ index: Int, limit: Int = 64) {
        let lfd = listeners[index]
        guard lfd >= 0 else { return }
        for _ in 0..<limit {
            let fd = nexus_accept_nonblocking(lfd)
            if fd < 0 {
                let e = errno
                if e == EAGAIN || e == EWOULDBLOCK { return }
                if e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM {
                    // Out of descriptors or memory: stop watching the listeners for 100 ms instead of spinning.
                    if engine.now - lastEMFILELog >= 5000 {
                        lastEMFILELog = engine.now
                        context.logger.error("accept failed, pausing accepts for 100 ms",
                                             metadata: ["error": "\(SystemError.describe(e))", "open": "\(table.openCount)"])
                    }
                    if listenersRegistered { unregisterListeners() }
                    acceptResumeAt = engine.now + 100
                    return
                }
                continue // ECONNABORTED and the like: next one
            }
            guard clientCount < context.maxConnections, let c = table.acquire() else {
                if engine.isTLSListener(index) { Socket.close(fd) } else { // a plaintext 503 means nothing to a TLS client
                    ConnectionRefusal.refuse(fd: fd, date: engine.dateLine.readable, scratch: engine.scratch)
                }
                context.refusedConnections += 1
                continue
            }
            c.open(fd: fd, now: engine.now)
            clientCount += 1
            Socket.setNoDelay(fd)
            let interest = UInt32(EPOLLIN.rawValue) | UInt32(EPOLLRDHUP.rawValue)
            var ev = epoll_event(events: interest, data: epoll_data_t(u64: UserData.make(.receive, slot: c.slot, generation: c.generation)))
            if epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0 {
                Socket.close(fd)
                clientCount -= 1
                table.release(c)
                continue
            }
            c.registeredEvents = interest
            engine.opened(c, listener: index)
            markDirty(c)
        }
    }

    private func readAvailable(_ c: Connection) {
        if c.readPaused || c.peerClosed { return }
        for _ in 0..<4 {
            let n = Socket.receive(c.fd, into: readBuffer)
            if n > 0 {
                engine.received(c, UnsafeRawBufferPointer(start: readBuffer.baseAddress, count: n))
                if n < readBuffer.count || c.wantReadPaused || c.abort { return }
            } else if n == 0 {
                engine.peerClosed(c)
                return
            } else {
                if n == -Int(EAGAIN) || n == -Int(EINTR) { return }
                c.abort = true
                return
            }
        }
    }

    @inline(__always)
    private func markDirty(_ c: Connection) { engine.touch(c) }

    /// Writes what the engine queued, then adjusts the epoll interest and the timers.
    private func settle(_ c: Connection) {
        c.dirty = false
        if c.phase == .free { return }
        if c.abort { close(c); return }
        if c.connecting { return }
        var rounds = 0
        while !c.wantsWritable && rounds < 8 {
            rounds += 1
            if c.tls != nil {
                engine.seal(c)
                if c.abort { close(c); return }
            } else if c.out.isEmpty {
                swap(&c.out, &c.outbox)
            } else if !c.outbox.isEmpty {
                c.out.append(c.outbox); c.outbox.clear()
            }
            if c.out.isEmpty { break }
            let n = Socket.send(c.fd, c.out.readable)
            if n >= 0 {
                c.out.consume(n)
                c.sendDeadline = engine.now + c.sendTimeout
                if c.out.isEmpty {
                    c.sendDeadline = .max
                    engine.outputDrained(c)
                } else {
                    c.wantsWritable = true
                }
            } else if n == -Int(EAGAIN) || n == -Int(EINTR) {
                c.wantsWritable = true
                if c.sendDeadline == .max { c.sendDeadline = engine.now + c.sendTimeout }
            } else {
                close(c)
                return
            }
        }
        if !c.hasOutput && c.halfCloseAfterFlush && !c.writeShut {
            c.writeShut = true
            Socket.shutdown(c.fd, write: true, read: false)
        }
        // (.proxy: the response is still streaming from the backend; the close comes after its end.)
        if !c.hasOutput && c.closeAfterFlush && c.phase != .linger && c.phase != .proxy {
            if c.peerClosed { close(c); return }
            Socket.shutdown(c.fd, write: true, read: false)
            engine.lingering(c)
        }
        c.readPaused = c.wantReadPaused
        var interest: UInt32 = 0
        if !c.readPaused && !c.peerClosed { interest |= UInt32(EPOLLIN.rawValue) | UInt32(EPOLLRDHUP.rawValue) }
        if c.wantsWritable { interest |= UInt32(EPOLLOUT.rawValue) }
        if interest != c.registeredEvents {
            var ev = epoll_event(events: interest, data: epoll_data_t(u64: UserData.make(.receive, slot: c.slot, generation: c.generation)))
            epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &ev)
            c.registeredEvents = interest
        }
        engine.rearm(c)
    }

    private func close(_ c: Connection) {
        guard c.phase != .free else { return }
        engine.willClose(c)
        epoll_ctl(epfd, EPOLL_CTL_DEL, c.fd, nil)
        Socket.close(c.fd)
        if c.role == .client { clientCount -= 1 }
        table.release(c)
    }

    private func tick() {
        engine.refreshDate()
        engine.sweep(table.active) { markDirty($0) }
        context.counters.publish(requests: engine.requestsServed, connections: clientCount, now: engine.now)
        engine.publishMetrics()
        engine.flushUsage()
    }

    private func closeListeners() {
        if listenersRegistered { unregisterListeners() }
        for i in listeners.indices where listeners[i] >= 0 {
            Socket.close(listeners[i])
            listeners[i] = -1
        }
    }

    private func handle(_ message: LoopMessage) {
        switch message {
        case .shutdown(let deadline):
            guard !stopping else { return }
            stopping = true
            drainDeadline = deadline
            acceptResumeAt = .max
            // Take every connection queued on the listeners first: closing a listener resets them, and their
            // clients may have sent a request already. They are answered with Connection: close.
            for i in listeners.indices { acceptReady(i, limit: .max) }
            engine.beginDrain(table.active)
            closeListeners()
            for c in table.active { markDirty(c) }
        case .configure, .addresses, .credentials, .federation:
            engine.apply(message)
        }
    }
}
