import NexusBytes
import NexusHTTP1
import NexusSystem
import NexusTLS

/// The proxy exchange when it goes wrong: upstream failures, problem answers, timeouts of upstream connections.
extension HTTPEngine {
    // MARK: Failures

    /// An exchange failed on the upstream side (connect refused, reset, close, timeout, invalid response):
    /// retry once on another backend when nothing was received and no body byte was sent; else answer the
    /// client with `status` if its response has not started, or close it.
    func upstreamFailed(_ u: Connection, status: Int, detail: String) {
        let c = u.peer
        u.peer = nil
        u.abort = true
        touch(u)
        guard let state = u.upstreamState else { return }
        let backend = state.pool.backends[u.backendIndex]
        if backend.record(success: false, now: now, maxFailures: state.pool.passiveMaxFailures, ejectFor: state.pool.passiveEjectFor) {
            logEjection?(backend)
        }
        if !u.responseStarted { backend.resolveRequested.store(true, ordering: .relaxed) }
        guard let c else { return } // an idle pooled connection
        state.active[u.backendIndex] -= 1
        exchangesInFlight -= 1
        c.peer = nil
        if !u.responseStarted && !c.bodyForwarded && state.pool.retry && c.attempts < 2 {
            attachUpstream(c, excluding: state.pool.backends.count > 1 ? u.backendIndex : nil)
            return
        }
        if c.responseHeadSent {
            c.abort = true // the client sees the connection close in the middle of the body, not a false end
            touch(c)
            return
        }
        // The route is named; the backend's address never is.
        proxyError(c, status: status, detail: "\(detail) (route \(c.proxyRoute?.label ?? "?"))")
    }

    /// Answers the proxied request `c` with a problem response and ends the exchange on the client side.
    func proxyError(_ c: Connection, status: Int, detail: String) {
        if let u = c.peer {
            // The exchange is cut short: whatever the upstream connection holds cannot be reused.
            u.peer = nil
            if let state = u.upstreamState { state.active[u.backendIndex] -= 1; exchangesInFlight -= 1 }
            u.abort = true
            touch(u)
            c.peer = nil
        }
        if c.workflowCall != nil {
            workflowUpstreamFailed(c, status: status, detail: detail)
            return
        }
        let keepAlive = c.head.keepAlive && !draining && c.decoder == nil
        let connection: ConnectionField = keepAlive ? (c.head.version == .http10 ? .keepAlive : .none) : .close
        let before = c.outbox.readableBytes
        ProblemResponse.write(status: status, detail: detail, headOnly: c.head.method == .head, connection: connection,
                              date: dateLine.readable, into: c.outbox, scratch: scratch)
        c.responseBytes = c.outbox.readableBytes - before
        if !keepAlive { c.closeAfterFlush = true }
        c.forwardHead.clear()
        c.responseStatus = status
        completeProxied(c)
    }

    /// A timeout on an upstream connection: connect or read (504 before the response started), or the idle
    /// keep-alive timeout of a pooled connection (closed quietly).
    func upstreamExpired(_ u: Connection) {
        u.timer = .none
        u.deadline = .max
        if u.peer == nil {
            u.abort = true
            touch(u)
            return
        }
        upstreamFailed(u, status: 504, detail: "the backend did not answer in time")
    }

    /// The backend closed its side.
    func upstreamClosed(_ u: Connection) {
        u.peerClosed = true
        guard let c = u.peer else {
            u.abort = true
            touch(u)
            return
        }
        if u.bodyPlan == .tunnel {
            tunnelUpstreamToClient(u)
            tunnelEnded(c, u, byClient: false)
            return
        }
        if u.responseParsed && u.closeDelimited {
            // A body delimited by the close ends here.
            if !u.input.isEmpty { processUpstream(u) }
            if u.bodyPlan == .chunkEncode { ChunkedEncoder.appendLastChunk(into: c.outbox) }
            if u.bodyPlan == .raw { c.closeAfterFlush = true }
            touch(c)
            finishExchange(u, reusable: false)
            return
        }
        upstreamFailed(u, status: 502, detail: "the backend closed the connection")
    }
}
