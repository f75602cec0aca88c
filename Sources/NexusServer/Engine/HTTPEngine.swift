import NexusAuth
import NexusBytes
import NexusHTTP1
import NexusSystem
import NexusTLS

/// The HTTP/1.1 side of an event loop: turns received bytes into responses, and decides timeouts and closes.
///
/// It performs no I/O. A driver (io_uring or epoll) feeds it bytes and events, then looks at the connection's
/// flags (`outbox`, `closeAfterFlush`, `abort`, `wantReadPaused`) and does the I/O they ask for. Both drivers
/// share this type, so the protocol behaves the same on both back ends.
final class HTTPEngine {
    var settings: EngineSettings
    var routes: RouteTable
    /// The current time (monotonic ms), set by the driver once per batch of events (`advanceClock`).
    var now: Int64 = 0
    /// The same instant in monotonic µs: request latencies are measured in batches of events, which is as fine
    /// as the loop can tell them apart, and costs no clock read per request.
    var nowMicros: Int64 = 0
    /// Shutting down: every response closes its connection, idle ones are closed.
    var draining = false
    /// "Date: <IMF-fixdate>\r\n", refreshed once a second.
    let dateLine = ByteBuffer(capacity: 64)
    private var dateSecond = -1
    /// Scratch space for building bodies whose length goes first (and the refusal of a connection).
    let scratch = ByteBuffer(capacity: 1024)

    /// Requests answered, for the log and (later) metrics.
    var requestsServed = 0
    /// The API keys in force (replaced by the main thread's `.credentials` messages) and this loop's cache of them.
    var credentials: CredentialTable = .empty
    let keyCache = KeyCache()
    /// Requests per route since the last flush, and where flushes go (nil: usage is not recorded).
    var usage: UsageCounters
    let usageSink: UsageSink?
    private var lastUsageFlush: Int64 = 0
    /// Audit records of runs since the last flush, and those past the cap.
    private var runs: [WorkflowRun] = []
    private var runsDropped = 0

    /// The loop's connection slots (clients and upstream connections).
    let table: ConnectionTable
    /// The loop's upstream pools: balancer state and idle connections.
    var upstreams: LoopUpstreams
    /// Proxied exchanges waiting on a backend (the io_uring loop does not poll before sleeping while any are:
    /// the answer comes from another process, and polling for it only burns CPU).
    var exchangesInFlight = 0
    /// Upstream connections to start connecting, drained by the driver after each batch.
    var connectQueue: [Connection] = []
    /// Connections whose state changed in this batch: the driver settles each once.
    var dirty: [Connection] = []
    /// Request ids for X-Request-Id.
    var requestIDs = RequestIDGenerator()
    /// Limits applied to upstream response heads (up to 64 KiB).
    let upstreamLimits: HTTP1Limits
    /// Limits for upstream response bodies (no size cap: they stream).
    let upstreamBodyLimits: HTTP1Limits
    /// The TLS settings of each listener (by position), nil for a plain one; replaced by a reload.
    var listenerTLS: [TLSServerContext?] = []
    /// Plaintext decrypted from an upstream connection, on its way to the proxy path.
    let tlsPlaintext = ByteBuffer(capacity: 16)
    /// Handshakes completed and how many resumed a session (for the log and, later, metrics).
    var tlsHandshakes = 0
    var tlsResumed = 0
    /// Called when a client's TLS handshake fails (for the log at debug level: scanners cause many).
    var tlsLog: ((Connection, String) -> Void)?
    /// Called when a backend is ejected (for the log).
    var logEjection: ((Backend) -> Void)?
    /// Request metrics by route (the loop's own arrays), and where the tick leaves their copy (nil: no metrics).
    var metrics: LoopMetrics
    var metricsBoard: MetricsBoard?
    /// The access log (nil: off).
    var accessLog: AccessLog?
    /// The upstream MCP servers' tools and sessions, as the federation monitor last published them.
    var federation = FederationCatalog.empty

    init(settings: EngineSettings, routes: RouteTable, table: ConnectionTable = ConnectionTable(capacity: 0),
         upstreams: LoopUpstreams = LoopUpstreams([]), usageSink: UsageSink? = nil) {
        self.settings = settings
        self.routes = routes
        self.usageSink = usageSink
        usage = UsageCounters(names: routes.names)
        metrics = LoopMetrics(names: routes.names)
        self.table = table
        self.upstreams = upstreams
        var l = settings.limits
        l.maxRequestLineBytes = 8192
        l.maxHeaderBytes = 64 * 1024
        l.maxHeaderCount = 200
        upstreamLimits = l
        l.maxBodyBytes = .max
        upstreamBodyLimits = l
        dirty.reserveCapacity(256)
        refreshDate()
    }

    /// Hands the driver the work this batch produced: connects to start, then connections to settle (settling may
    /// touch more: an upstream failure answers its client), until none is left. `settling` is the driver's spare
    /// list, swapped with `dirty` so that neither reallocates.
    @inline(__always)
    func drainTouched(_ settling: inout [Connection], connect: (Connection) -> Void, settle: (Connection) -> Void) {
        var rounds = 0
        while !dirty.isEmpty || !connectQueue.isEmpty {
            rounds += 1
            for u in connectQueue { connect(u) }
            connectQueue.removeAll(keepingCapacity: true)
            swap(&settling, &dirty)
            for c in settling { settle(c) }
            settling.removeAll(keepingCapacity: true)
            if rounds > 16 { break }
        }
    }

    /// Applies a configuration snapshot or new backend addresses from the main thread (shutdown is the driver's).
    func apply(_ message: LoopMessage) {
        switch message {
        case .configure(let routes, let settings, let pools, let tls):
            flushUsage(force: true)
            usage = UsageCounters(names: routes.names)
            metrics.rename(routes.names)
            self.routes = routes
            self.settings = settings
            listenerTLS = tls
            replaceUpstreams(LoopUpstreams(pools))
        case .credentials(let table):
            credentials = table
        case .addresses(let pool, let backend, let addresses):
            upstreams.update(pool: pool, backend: backend, addresses: addresses)
        case .federation(let catalog):
            federation = catalog
        case .shutdown:
            preconditionFailure("the driver handles shutdown")
        }
    }

    /// Posts the usage counted since the last flush when `usageSink`'s interval has passed (or `force`); a full
    /// mailbox keeps the counts for the next try.
    func flushUsage(force: Bool = false) {
        guard let sink = usageSink, force || now - lastUsageFlush >= sink.intervalMilliseconds else { return }
        lastUsageFlush = now
        let deltas = usage.take()
        if !deltas.isEmpty && !sink.mailbox.tryPost(.usage(deltas)) { usage.restore(deltas) }
        let failures = usage.takeFailures()
        if !failures.isEmpty { _ = sink.mailbox.tryPost(.authFailures(failures)) } // a full mailbox drops them (counted there)
        if !runs.isEmpty || runsDropped > 0 {
            if sink.mailbox.tryPost(.workflowRuns(runs, dropped: runsDropped)) {
                runs.removeAll(keepingCapacity: true)
                runsDropped = 0
            }
        }
    }

    /// Keeps the audit record of a run (posted at the next flush; at most `WorkflowRun.maxPerFlush` per flush, the rest
    /// counted as dropped).
    func auditRun(_ c: Connection, action: String, target: String, channel: String, status: Int) {
        guard usageSink != nil else { return }
        guard runs.count < WorkflowRun.maxPerFlush else { runsDropped += 1; return }
        if c.clientIP == nil { c.clientIP = Array((Socket.peerAddress(c.fd)?.ipString ?? "").utf8) }
        runs.append(WorkflowRun(unixMilliseconds: Clock.unixMilliseconds(), action: action, target: target, channel: channel,
                                consumer: c.principal?.consumer, address: c.clientIP ?? [], status: status))
    }

    /// Reads the clock once for a batch of events: `now` (ms) and `nowMicros`.
    @inline(__always)
    func advanceClock() {
        let ns = Clock.monotonicNanoseconds()
        now = ns / 1_000_000
        nowMicros = ns / 1000
    }

    /// Leaves a copy of the metrics for the metrics thread (at the tick).
    func publishMetrics() {
        metricsBoard?.publish(metrics.snapshot(tlsHandshakes: tlsHandshakes, tlsResumed: tlsResumed))
    }

    /// One request was answered with `status` and `bytes` of response: counted in the route's metrics and, when
    /// the access log is on, logged. `slot` is the route slot (-1: no route took the request).
    @inline(__always)
    func answered(_ c: Connection, slot: Int, status: Int, bytes: Int) {
        let micros = max(0, nowMicros - c.requestStart)
        metrics.record(slot: slot, status: status, micros: micros)
        if let accessLog { accessLog.log(self, c, slot: slot, status: status, bytes: bytes, micros: micros) }
    }

    /// Marks `c` for settling at the end of this batch.
    @inline(__always)
    func touch(_ c: Connection) {
        if !c.dirty { c.dirty = true; dirty.append(c) }
    }

    /// Recomputes the Date line when the wall-clock second changed.
    func refreshDate() {
        let s = Clock.unixSeconds()
        guard s != dateSecond else { return }
        dateSecond = s
        dateLine.clear()
        dateLine.append("Date: ")
        HTTPDate(unixSeconds: s).append(to: dateLine)
        dateLine.append("\r\n")
    }

    // MARK: Events from the driver

    /// A connection was accepted.
    func opened(_ c: Connection, listener: Int = -1) {
        c.listener = listener
        if listener >= 0 && listener < listenerTLS.count, let context = listenerTLS[listener] {
            if let tls = TLSStream(server: context) { c.tls = tls } else { c.abort = true }
        }
        c.sendTimeout = settings.sendTimeout
        c.timer = .none
        rearm(c)
    }

    /// Bytes arrived on `c`.
    @inline(__always)
    func received(_ c: Connection, _ bytes: UnsafeRawBufferPointer) {
        if c.phase == .linger || c.abort { return } // discarded
        if let tls = c.tls {
            receivedTLS(c, tls, bytes)
            return
        }
        if c.role == .upstream {
            upstreamReceived(c, bytes)
            return
        }
        c.input.append(bytes)
        process(c)
    }

    /// The peer shut its write side. Requests already complete are still answered (a client may half-close after
    /// its last request); a request cut in the middle is dropped.
    func peerClosed(_ c: Connection) {
        if c.tlsEOF { return } // close_notify already ended the stream
        if c.role == .upstream {
            upstreamClosed(c)
            return
        }
        c.peerClosed = true
        if c.phase == .tunnel, let u = c.peer {
            tunnelEnded(c, u, byClient: true)
            return
        }
        if c.phase == .proxy {
            // The client left in the middle of a proxied exchange: finish sending what is queued only if the
            // response is complete; otherwise close both sides.
            c.abort = true
            return
        }
        if c.phase == .linger { c.abort = true; return }
        if c.hasOutput { c.closeAfterFlush = true } else { c.abort = true }
    }

    /// Everything queued on `c` was sent: resume parsing pipelined requests held back by the output high-water mark.
    func outputDrained(_ c: Connection) {
        if c.role == .upstream {
            upstreamDrained(c)
            return
        }
        if c.phase == .proxy || c.phase == .tunnel {
            clientDrained(c)
            return
        }
        if !c.input.isEmpty && !c.closeAfterFlush && !c.abort { process(c) }
    }

    // MARK: Parsing and dispatch

    /// Parses and answers as many complete requests as `input` holds, in order.
    func process(_ c: Connection) {
        while true {
            if c.closeAfterFlush || c.abort {
                c.input.clear()
                return
            }
            if c.out.readableBytes + c.outbox.readableBytes >= settings.outputHighWater {
                // Back-pressure: answer nothing more until the client reads; stop reading if it keeps sending.
                c.wantReadPaused = c.input.readableBytes >= settings.inputHighWater
                return
            }
            c.wantReadPaused = false
            switch c.phase {
            case .head:
                if c.input.isEmpty { return }
                if !c.requestStarted {
                    c.requestStarted = true
                    c.requestStart = nowMicros
                    c.timer = .none
                }
                switch c.scanner.scan(c.input.readable, limits: settings.limits) {
                case .incomplete:
                    return
                case .failed(let e):
                    fail(c, e)
                    return
                case .complete(let length):
                    c.headBytes.clear()
                    c.headBytes.append(UnsafeRawBufferPointer(rebasing: c.input.readable[0..<length]))
                    c.input.consume(length)
                    c.scanner.reset()
                    do {
                        try HeadParser.parse(c.headBytes.readable, limits: settings.limits, into: &c.head)
                    } catch {
                        fail(c, error)
                        return
                    }
                    startRequest(c)
                }
            case .body:
                guard var decoder = c.decoder else { preconditionFailure("body phase without a decoder") }
                let consumed: Int
                do {
                    if c.keepBody {
                        let body = c.body
                        consumed = try decoder.decode(c.input.readable) { body.append($0) }
                    } else {
                        consumed = try decoder.decode(c.input.readable) { _ in }
                    }
                } catch {
                    c.decoder = decoder
                    fail(c, error)
                    return
                }
                c.input.consume(consumed)
                c.decoder = decoder
                if decoder.isComplete {
                    finish(c)
                } else {
                    c.timer = .none // progress resets the body timer
                    return
                }
            case .proxy:
                if c.decoder == nil {
                    // Pipelined requests wait for the response in progress; a client that keeps sending is
                    // not read further once that backlog is large (no unbounded buffering).
                    c.wantReadPaused = c.input.readableBytes >= settings.inputHighWater
                    return
                }
                forwardBody(c)
                return
            case .tunnel:
                tunnelClientToUpstream(c)
                return
            case .linger, .free, .upstream:
                c.input.clear()
                return
            }
        }
    }

    /// A head was parsed: choose the route and the body framing; answer at once when there is no body.
    private func startRequest(_ c: Connection) {
        let head = c.head
        let bytes = c.headBytes.readable
        (c.target, c.routeSlot) = routes.resolve(listener: c.listener, host: head.hostRange.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
                                  path: UnsafeRawBufferPointer(rebasing: bytes[head.pathRange]),
                                  method: UnsafeRawBufferPointer(rebasing: bytes[head.methodRange]))
        if c.routeSlot >= 0, let access = routes.accesses[c.routeSlot], !admit(c, access, headBytes: bytes) { return }
        if case .proxy(let route, let prefixLength) = c.target {
            if let length = head.contentLength, length > settings.limits.maxBodyBytes {
                fail(c, HTTPParseError(status: 413, detail: "the request body is larger than this server accepts"))
                return
            }
            startProxy(c, route: route, prefixLength: prefixLength)
            return
        }
        let hasBody: Bool
        if head.isChunked {
            c.decoder = BodyDecoder(chunkedWith: settings.limits)
            hasBody = true
        } else if let length = head.contentLength, length > 0 {
            if length > settings.limits.maxBodyBytes {
                fail(c, HTTPParseError(status: 413, detail: "the request body is larger than this server accepts"))
                return
            }
            c.decoder = BodyDecoder(contentLength: length)
            hasBody = true
        } else {
            c.decoder = nil
            hasBody = false
        }
        guard hasBody else {
            finish(c)
            return
        }
        switch c.target {
        case .echo, .workflows: c.keepBody = true
        default: c.keepBody = false
        }
        c.body.clear()
        c.phase = .body
        c.timer = .none
        if head.expectContinue && head.version == .http11 {
            switch c.target {
            case .notFound, .methodNotAllowed:
                // Refuse before the client sends the body (RFC 9110 10.1.1), and close: the body may still come.
                c.head.keepAlive = false
                respond(c)
                c.closeAfterFlush = true
                return
            default:
                if c.input.isEmpty { c.outbox.append("HTTP/1.1 100 Continue\r\n\r\n") }
            }
        }
    }

    /// The request is complete: answer it and get ready for the next one.
    private func finish(_ c: Connection) {
        respond(c)
        // A workflow run waiting for its upstream answers later (HTTPEngine+WorkflowCalls).
        if c.phase != .proxy { readyForNextRequest(c) }
    }

    /// Resets the per-request state of a client connection once its response is queued.
    func readyForNextRequest(_ c: Connection) {
        c.proxyRoute = nil
        c.workflowCall = nil
        c.principal = nil
        if !c.rateLimitFields.isEmpty { c.rateLimitFields.removeAll(keepingCapacity: true) }
        c.phase = .head
        c.decoder = nil
        c.keepBody = false
        c.requestStarted = false
        c.servedAny = true
        c.timer = .none
        c.lastActivity = now
        c.head.reset()
    }

    /// Writes the response for the current request into the outbox.
    private func respond(_ c: Connection) {
        requestsServed &+= 1
        let head = c.head
        let keepAlive = head.keepAlive && !draining
        let connection: ConnectionField = keepAlive ? (head.version == .http10 ? .keepAlive : .none) : .close
        let headOnly = head.method == .head
        let date = dateLine.readable
        let before = c.outbox.readableBytes
        let status: Int
        switch c.target {
        case .fixed(let r):
            status = r.status
            usage.count(slot: c.routeSlot, consumer: c.principal, status: r.status)
            r.write(into: c.outbox, headOnly: headOnly, connection: connection, date: date, extra: c.rateLimitFields)
        case .echo:
            status = 200
            usage.count(slot: c.routeSlot, consumer: c.principal, status: 200)
            EchoResponse.write(head: head, headBytes: c.headBytes.readable, body: c.body.readable, into: c.outbox,
                               scratch: scratch, headOnly: headOnly, connection: connection, date: date, extra: c.rateLimitFields)
        case .notFound:
            status = 404
            ProblemResponse.write(status: 404, detail: "no route matches this path", headOnly: headOnly,
                                  connection: connection, date: date, into: c.outbox, scratch: scratch)
        case .proxy:
            preconditionFailure("proxied requests are answered by the proxy path")
        case .methodNotAllowed(let allow):
            status = 405
            ProblemResponse.write(status: 405, detail: "this route does not accept this method", allow: allow,
                                  headOnly: headOnly, connection: connection, date: date, into: c.outbox, scratch: scratch)
        case .workflows(let endpoint, let api, let prefixLength):
            c.responseStatus = 0
            respondWorkflow(c, endpoint, api: api, prefixLength: prefixLength, connection: connection, headOnly: headOnly)
            // 0: admit refused the call and recorded its own answer.
            status = c.responseStatus
            c.responseStatus = 0
        }
        if status != 0 { answered(c, slot: c.routeSlot, status: status, bytes: c.outbox.readableBytes - before) }
        if !keepAlive {
            // A workflow run waiting for its upstream closes after its answer, not before.
            if c.phase == .proxy, let call = c.workflowCall { call.closeAfter = true } else { c.closeAfterFlush = true }
        }
        c.body.clear()
    }

    /// Answers a protocol error and closes the connection after the response.
    private func fail(_ c: Connection, _ e: HTTPParseError) {
        requestsServed &+= 1
        let before = c.outbox.readableBytes
        ProblemResponse.write(status: e.status, detail: String(describing: e.detail), headOnly: false, connection: .close,
                              date: dateLine.readable, into: c.outbox, scratch: scratch)
        // A head that failed to parse (or never came) has no route: only a body error does.
        answered(c, slot: c.phase == .head ? -1 : c.routeSlot, status: e.status, bytes: c.outbox.readableBytes - before)
        c.closeAfterFlush = true
        c.input.clear()
        c.phase = .head
        c.decoder = nil
    }

    // MARK: Timers

    /// Sets the phase deadline for the state `c` is in. Called by the driver after every event on `c`.
    func rearm(_ c: Connection) {
        switch c.phase {
        case .free, .linger, .upstream, .tunnel:
            return
        case .proxy:
            if c.decoder != nil {
                if c.timer != .body { c.timer = .body; c.deadline = now + settings.bodyTimeout }
            } else {
                c.timer = .none
                c.deadline = .max // the upstream connection's timers watch the exchange
            }
        case .head:
            if c.requestStarted {
                if c.timer != .header { c.timer = .header; c.deadline = now + settings.headerTimeout }
            } else if c.hasOutput {
                // Still sending the last response: the send timer watches that.
                c.timer = .none
                c.deadline = .max
            } else if c.timer == .none {
                if c.servedAny {
                    c.timer = .idle
                    c.deadline = now + (draining ? settings.drainIdleGrace : settings.idleTimeout)
                } else {
                    c.timer = .header
                    c.deadline = now + settings.headerTimeout
                }
            }
        case .body:
            if c.timer != .body { c.timer = .body; c.deadline = now + settings.bodyTimeout }
        }
    }

    /// The phase deadline of `c` passed: a started request gets 408, an idle connection is closed.
    func expired(_ c: Connection) {
        if c.role == .upstream {
            upstreamExpired(c)
            return
        }
        if c.phase == .proxy {
            // The client stopped sending its body: the exchange cannot finish.
            proxyError(c, status: 408, detail: "the request body was not received in time")
            c.closeAfterFlush = true
            c.timer = .none
            c.deadline = .max
            return
        }
        switch c.timer {
        case .header where c.requestStarted, .body:
            if c.hasOutput {
                c.abort = true
            } else {
                fail(c, HTTPParseError(status: 408, detail: "the request was not received in time"))
            }
        case .idle where c.tls?.handshakeComplete == true && !c.hasOutput:
            // A TLS client gets close_notify (then the usual lingering close), as nginx does: a bare TCP close
            // looks like a truncation attack to strict clients.
            c.closeAfterFlush = true
        case .header, .idle, .linger, .none:
            c.abort = true
        }
        c.timer = .none
        c.deadline = .max
    }

    /// The tick: finds the connections whose send or phase deadline passed, handles the expiry, and reports
    /// each one it changed so that the driver settles it.
    func sweep(_ connections: [Connection], _ touched: (Connection) -> Void) {
        for c in connections where !c.closing {
            if c.sendDeadline <= now {
                c.abort = true // a client that does not read its responses
                touched(c)
            } else if c.deadline <= now {
                if c.phase == .linger { c.abort = true } else { expired(c) }
                touched(c)
            }
        }
    }

    /// The last response is out: the driver has shut the write side; read and discard until the peer closes
    /// or the linger time ends.
    func lingering(_ c: Connection) {
        c.phase = .linger
        c.timer = .linger
        c.deadline = now + settings.lingerTimeout
    }

    /// Enters the drain: idle keep-alive connections close after a short grace, the others after their response.
    func beginDrain(_ connections: some Sequence<Connection>) {
        draining = true
        for c in connections where c.role == .client && c.phase == .head && !c.requestStarted && !c.hasOutput {
            c.timer = .idle
            c.deadline = min(c.deadline, max(now, c.lastActivity + settings.drainIdleGrace))
        }
    }
}
