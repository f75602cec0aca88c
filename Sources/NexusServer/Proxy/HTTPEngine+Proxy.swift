import NexusBytes
import NexusHTTP1
import NexusSystem
import NexusTLS

/// The proxy side of the engine: a client request goes to a backend over a keep-alive upstream connection of
/// this loop, its body streams up as it arrives, the response streams down as it arrives, and the upstream
/// connection goes back to its pool.
///
/// Back-pressure both ways: while one side has more than `outputHighWater` bytes waiting to be sent, the engine
/// stops moving bytes into it and asks the driver to stop reading the other side. Nothing is buffered whole.
extension HTTPEngine {
    // MARK: Starting an exchange

    /// The route of a parsed request is a proxy: prepare the upstream target and hand the request to a backend.
    func startProxy(_ c: Connection, route: ProxyRoute, prefixLength: Int) {
        let head = c.head
        let headBytes = c.headBytes.readable
        c.proxyRoute = route
        c.phase = .proxy
        c.attempts = 0
        c.bodyForwarded = false
        c.responseHeadSent = false
        c.timer = .none
        if c.clientIP == nil { c.clientIP = Array((Socket.peerAddress(c.fd)?.ipString ?? "").utf8) }

        // The upstream target: the path with its matched prefix stripped or rewritten, then the query.
        let path = UnsafeRawBufferPointer(rebasing: headBytes[head.pathRange])
        let t = c.upstreamTarget
        t.clear()
        if route.stripPrefix || route.rewritePrefix != nil {
            let rest = UnsafeRawBufferPointer(rebasing: path[min(prefixLength, path.count)...])
            if let r = route.rewritePrefix {
                t.append(r)
                if r.last == UInt8(ascii: "/") && rest.first == UInt8(ascii: "/") {
                    t.append(UnsafeRawBufferPointer(rebasing: rest.dropFirst()))
                } else {
                    t.append(rest)
                }
            } else {
                if rest.first != UInt8(ascii: "/") { t.append(byte: UInt8(ascii: "/")) }
                t.append(rest)
            }
        } else {
            t.append(path)
        }
        if t.isEmpty { t.append(byte: UInt8(ascii: "/")) }
        if let q = head.queryRange {
            t.append(byte: UInt8(ascii: "?"))
            t.append(UnsafeRawBufferPointer(rebasing: headBytes[q]))
        }

        if head.isChunked {
            c.decoder = BodyDecoder(chunkedWith: settings.limits)
        } else if let n = head.contentLength, n > 0 {
            c.decoder = BodyDecoder(contentLength: n)
        } else {
            c.decoder = nil
        }
        c.requestForwarded = c.decoder == nil
        c.forwardHead.clear()
        if head.expectContinue && head.version == .http11 && c.decoder != nil && c.input.isEmpty {
            c.outbox.append("HTTP/1.1 100 Continue\r\n\r\n")
        }
        attachUpstream(c, excluding: nil)
    }

    /// Picks a backend and an upstream connection for `c` (idle or new) and queues the request head on it.
    /// Answers 503 when no backend can take it.
    func attachUpstream(_ c: Connection, excluding: Int?) {
        guard let route = c.proxyRoute else { return }
        let state = upstreams.pools[route.poolIndex]
        guard let i = upstreams.choose(state, now: now, excluding: excluding) else {
            proxyError(c, status: 503, detail: "no healthy backend for route \(route.label)")
            return
        }
        // The head for this backend (the Host differs only when the route does not preserve the client's).
        let options = route.requestOptions[i]
        if let call = c.workflowCall {
            c.forwardHead.clear()
            writeWorkflowRequest(c, call, host: options.upstreamHost)
        } else if c.forwardHead.isEmpty || !options.preserveHost {
            c.forwardHead.clear()
            let ip = c.clientIP ?? []
            let failure: HTTPParseError? = ip.withUnsafeBytes { ipBytes in
                do throws(HTTPParseError) {
                    let forwarded = try RequestForwarder.writeHead(
                        request: c.head, headBytes: c.headBytes.readable, target: c.upstreamTarget.readable,
                        clientIP: ipBytes, isTLS: c.tls != nil, trustIncomingForwarded: false,
                        options: options, requestIDs: &requestIDs, into: c.forwardHead)
                    c.upgradeRequested = forwarded.upgrade
                    if accessLog != nil, let r = forwarded.requestID {
                        c.requestID = String(decoding: UnsafeRawBufferPointer(rebasing: c.forwardHead.readable[r]), as: UTF8.self)
                    }
                    return nil
                } catch {
                    return error
                }
            }
            if let failure {
                proxyError(c, status: failure.status, detail: failure.detail)
                return
            }
        }
        c.attempts += 1
        let u: Connection
        if let idle = upstreams.takeIdle(state, backend: i) {
            u = idle
        } else {
            let backend = state.pool.backends[i]
            guard let fresh = table.acquire() else {
                proxyError(c, status: 503, detail: "no connection slot for route \(route.label)")
                return
            }
            let addresses = state.addresses[i]
            let address = addresses[(c.attempts + Int(fresh.slot)) % addresses.count]
            let fd: Int32
            do { fd = try Socket.openStream(family: address.family) } catch {
                table.release(fresh)
                proxyError(c, status: 502, detail: "cannot open a connection for route \(route.label)")
                return
            }
            fresh.open(fd: fd, now: now)
            if let context = state.pool.tls {
                let h = state.pool.tlsHosts[i]
                guard let stream = TLSStream(client: context, host: h.host, isIPAddress: h.isIP) else {
                    Socket.close(fd)
                    table.release(fresh)
                    proxyError(c, status: 502, detail: "cannot start TLS for route \(route.label)")
                    return
                }
                if let session = state.tlsSessions[i] { stream.resume(session) }
                fresh.tls = stream
            }
            fresh.role = .upstream
            fresh.phase = .upstream
            fresh.upstreamState = state
            fresh.backendIndex = i
            fresh.sendTimeout = state.pool.writeTimeout
            fresh.remote.pointee = address.storage
            fresh.remoteLength = address.length
            fresh.connecting = true
            backend.openConnections.wrappingAdd(1, ordering: .relaxed)
            connectQueue.append(fresh)
            u = fresh
        }
        state.active[i] += 1
        exchangesInFlight += 1
        c.upstreamName = state.pool.backends[i].name
        u.peer = c
        c.peer = u
        u.responseScanner.reset()
        u.response.reset()
        u.responseParsed = false
        u.responseDecoder = nil
        u.bodyPlan = .none
        u.closeDelimited = false
        u.streaming = false
        u.responseStarted = false
        u.exchangeStart = now
        u.timer = .none
        u.deadline = now + (u.connecting ? state.pool.connectTimeout : state.pool.readTimeout)
        if let call = c.workflowCall { u.deadline = min(u.deadline, call.deadline) }
        u.outbox.append(c.forwardHead)
        forwardBody(c)
        touch(u)
    }

    // MARK: Request body upstream

    /// Moves request body bytes from the client's input to the upstream connection, raw (already framed).
    func forwardBody(_ c: Connection) {
        guard var decoder = c.decoder, let u = c.peer else { return }
        if u.out.readableBytes + u.outbox.readableBytes >= settings.outputHighWater {
            c.wantReadPaused = c.input.readableBytes >= settings.inputHighWater
            return
        }
        c.wantReadPaused = false
        let input = c.input.readable
        let consumed: Int
        do { consumed = try decoder.passThrough(input) } catch {
            c.decoder = nil
            proxyError(c, status: error.status, detail: error.detail)
            c.closeAfterFlush = true
            return
        }
        if consumed > 0 {
            u.outbox.append(UnsafeRawBufferPointer(rebasing: input[0..<consumed]))
            c.input.consume(consumed)
            c.bodyForwarded = true
            touch(u)
        }
        if decoder.isComplete {
            c.decoder = nil
            c.requestForwarded = true
        } else {
            c.decoder = decoder
        }
    }

    // MARK: Response downstream

    /// Bytes arrived from a backend.
    func upstreamReceived(_ u: Connection, _ bytes: UnsafeRawBufferPointer) {
        u.input.append(bytes)
        u.responseStarted = true
        refreshUpstreamDeadline(u)
        processUpstream(u)
    }

    /// Parses the response head and forwards the body as far as the client's output allows.
    func processUpstream(_ u: Connection) {
        guard let c = u.peer else {
            // Bytes on an idle pooled connection: the backend is confused; drop the connection.
            u.abort = true
            touch(u)
            return
        }
        while !u.responseParsed {
            switch u.responseScanner.scan(u.input.readable, limits: upstreamLimits) {
            case .incomplete:
                return
            case .failed:
                upstreamFailed(u, status: 502, detail: "the backend sent an invalid response")
                return
            case .complete(let length):
                let headBytes = UnsafeRawBufferPointer(rebasing: u.input.readable[0..<length])
                do { try ResponseHeadParser.parse(headBytes, limits: upstreamLimits, into: &u.response) } catch {
                    upstreamFailed(u, status: 502, detail: "the backend sent an invalid response")
                    return
                }
                if u.response.isInformational {
                    // 100 Continue is the gateway's to send (it answers Expect itself); 103 goes on to an HTTP/1.1
                    // client; 101 switches both connections to a tunnel.
                    if u.response.status == 101 {
                        guard InterimResponse.classify(u.response, clientVersion: c.head.version,
                                                       upgradeRequested: c.upgradeRequested) == .switchProtocols else {
                            upstreamFailed(u, status: 502, detail: "the backend switched protocols without being asked")
                            return
                        }
                        ResponseForwarder.writeHead(response: u.response, headBytes: headBytes, framing: .none,
                                                    options: c.proxyRoute!.responseOptions, keepAliveToClient: false,
                                                    clientVersion: c.head.version, into: c.outbox)
                        u.input.consume(length)
                        usage.count(slot: c.routeSlot, consumer: c.principal, status: 101)
                        answered(c, slot: c.routeSlot, status: 101, bytes: 0)
                        startTunnel(c, u)
                        return
                    }
                    if u.response.status == 103 && c.head.version == .http11 && c.workflowCall == nil {
                        ResponseForwarder.writeHead(response: u.response, headBytes: headBytes, framing: .none,
                                                    options: c.proxyRoute!.responseOptions, keepAliveToClient: true,
                                                    clientVersion: .http11, into: c.outbox)
                        touch(c)
                    }
                    u.input.consume(length)
                    u.responseScanner.reset()
                    u.response.reset()
                    continue
                }
                if let call = c.workflowCall {
                    guard beginWorkflowResponse(u, c, call, headLength: length) else { return }
                    continue
                }
                let framing = ResponseFraming.framing(of: u.response, requestMethod: c.head.method)
                let headStart = c.outbox.readableBytes
                let plan = ResponseForwarder.writeHead(
                    response: u.response, headBytes: headBytes, framing: framing,
                    // A response that comes before the whole request body ends the client connection (the rest of
                    // the body cannot be framed for reuse): say so in its head.
                    options: c.proxyRoute!.responseOptions,
                    keepAliveToClient: c.head.keepAlive && !draining && c.requestForwarded,
                    clientVersion: c.head.version, extraFields: c.rateLimitFields, into: c.outbox)
                if plan.closeClient { c.closeAfterFlush = true }
                c.responseBytes &+= c.outbox.readableBytes - headStart
                c.responseHeadSent = true
                c.responseStatus = u.response.status
                c.forwardHead.clear()
                u.input.consume(length)
                u.responseParsed = true
                u.bodyPlan = plan.body
                switch framing {
                case .none: u.responseDecoder = nil
                case .length(let n): u.responseDecoder = BodyDecoder(contentLength: n)
                case .chunked: u.responseDecoder = BodyDecoder(chunkedWith: upstreamBodyLimits)
                case .untilClose: u.responseDecoder = BodyDecoder.untilClose()
                }
                u.closeDelimited = framing == .untilClose
                if let ct = u.response.value(of: "content-type", in: headBytes),
                   Self.hasPrefixIgnoringCase(UnsafeRawBufferPointer(rebasing: headBytes[ct]), "text/event-stream") {
                    u.streaming = true
                    refreshUpstreamDeadline(u)
                }
                touch(c)
                if plan.body == .none || framing == .length(0) {
                    finishExchange(u, reusable: u.response.keepAlive && u.input.isEmpty)
                    return
                }
            }
        }
        if u.bodyPlan == .tunnel {
            tunnelUpstreamToClient(u)
            return
        }
        if let call = c.workflowCall {
            readWorkflowResponseBody(u, call)
            return
        }
        // Body.
        if c.out.readableBytes + c.outbox.readableBytes >= settings.outputHighWater {
            u.wantReadPaused = u.input.readableBytes >= settings.inputHighWater
            return
        }
        u.wantReadPaused = false
        guard !u.input.isEmpty, var decoder = u.responseDecoder else { return }
        let input = u.input.readable
        let consumed: Int
        let bodyStart = c.outbox.readableBytes
        do {
            switch u.bodyPlan {
            case .decoded:
                let out = c.outbox
                consumed = try decoder.decode(input) { out.append($0) }
            case .chunkEncode:
                consumed = try decoder.passThrough(input)
                ChunkedEncoder.appendChunk(UnsafeRawBufferPointer(rebasing: input[0..<consumed]), into: c.outbox)
            default:
                consumed = try decoder.passThrough(input)
                c.outbox.append(UnsafeRawBufferPointer(rebasing: input[0..<consumed]))
            }
        } catch {
            upstreamFailed(u, status: 502, detail: "the backend sent an invalid response body")
            return
        }
        u.input.consume(consumed)
        u.responseDecoder = decoder
        c.responseBytes &+= c.outbox.readableBytes - bodyStart
        touch(c)
        if decoder.isComplete {
            finishExchange(u, reusable: u.response.keepAlive && u.input.isEmpty)
        }
    }

    /// The response is complete: the client goes on with its next request, the upstream connection back to
    /// its pool (when the backend keeps it alive and the request was entirely sent).
    func finishExchange(_ u: Connection, reusable: Bool) {
        guard let c = u.peer, let state = u.upstreamState else { return }
        let backend = state.pool.backends[u.backendIndex]
        backend.record(success: true, now: now, maxFailures: state.pool.passiveMaxFailures, ejectFor: state.pool.passiveEjectFor)
        state.active[u.backendIndex] -= 1
        exchangesInFlight -= 1
        u.peer = nil
        c.peer = nil
        if reusable && c.requestForwarded && !u.peerClosed && u.out.isEmpty && u.outbox.isEmpty && upstreams.park(state, u) {
            u.deadline = now + state.pool.keepAliveIdleTimeout
            u.timer = .idle
            u.wantReadPaused = false
        } else {
            u.abort = true
        }
        touch(u)
        if !c.requestForwarded {
            // The backend answered before the body was all here: the rest cannot be framed for reuse.
            c.decoder = nil
            c.closeAfterFlush = true
        }
        completeProxied(c)
    }

    /// Back to reading the next request on the client connection.
    func completeProxied(_ c: Connection) {
        if c.workflowCall != nil {
            workflowResponseComplete(c)
            return
        }
        requestsServed &+= 1
        usage.count(slot: c.routeSlot, consumer: c.principal, status: c.responseStatus)
        answered(c, slot: c.routeSlot, status: c.responseStatus, bytes: c.responseBytes)
        c.responseStatus = 0
        c.responseBytes = 0
        c.upstreamName = nil
        c.requestID = nil
        readyForNextRequest(c)
        touch(c)
        if !c.input.isEmpty && !c.closeAfterFlush { process(c) }
    }

    // MARK: Tunnels (WebSocket and other upgrades) and streams

    /// The backend answered 101: from now on bytes are copied both ways, unchanged, until either side closes.
    /// The pool's idle timeout watches the tunnel.
    func startTunnel(_ c: Connection, _ u: Connection) {
        c.phase = .tunnel
        c.forwardHead.clear()
        c.responseHeadSent = true
        c.decoder = nil
        c.timer = .none
        c.deadline = .max
        u.responseParsed = true
        u.bodyPlan = .tunnel
        u.streaming = true
        refreshUpstreamDeadline(u)
        touch(c)
        // Bytes the client sent after its upgrade request belong to the new protocol.
        tunnelClientToUpstream(c)
        tunnelUpstreamToClient(u)
    }

    /// Client bytes into the tunnel.
    func tunnelClientToUpstream(_ c: Connection) {
        guard let u = c.peer else { c.input.clear(); return }
        tunnelMove(from: c, to: u)
        refreshUpstreamDeadline(u)
    }

    /// Backend bytes into the tunnel.
    func tunnelUpstreamToClient(_ u: Connection) {
        guard let c = u.peer else { u.input.clear(); return }
        tunnelMove(from: u, to: c)
    }

    /// Moves what `source` received to `destination`'s output, unless that output is backed up (then `source`
    /// stops reading until it drains).
    private func tunnelMove(from source: Connection, to destination: Connection) {
        if destination.out.readableBytes + destination.outbox.readableBytes >= settings.outputHighWater {
            source.wantReadPaused = true
            return
        }
        source.wantReadPaused = false
        if !source.input.isEmpty {
            destination.outbox.append(source.input)
            source.input.clear()
            touch(destination)
        }
    }

    /// One side of a tunnel ended: pass the end on (shut the other side's write once its output is sent).
    func tunnelEnded(_ c: Connection, _ u: Connection, byClient: Bool) {
        if byClient {
            u.halfCloseAfterFlush = true
            touch(u)
        } else {
            u.peer = nil
            c.peer = nil
            if let state = u.upstreamState { state.active[u.backendIndex] -= 1; exchangesInFlight -= 1 }
            u.abort = true
            touch(u)
            c.closeAfterFlush = true
            touch(c)
        }
    }

    /// Whether `bytes` start with the lowercase ASCII `prefix`, ignoring case.
    static func hasPrefixIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        let p = UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        for i in 0..<p.count {
            var b = bytes[i]
            if b >= 0x41 && b <= 0x5A { b |= 0x20 }
            if b != p[i] { return false }
        }
        return true
    }

    /// Read and total timeouts for a normal exchange; the idle timeout for streams and tunnels.
    func refreshUpstreamDeadline(_ u: Connection) {
        guard let pool = u.upstreamState?.pool else { return }
        u.deadline = u.streaming ? now + pool.idleTimeout : min(now + pool.readTimeout, u.exchangeStart + pool.totalTimeout)
        if let call = u.peer?.workflowCall { u.deadline = min(u.deadline, call.deadline) }
    }

    // MARK: Flow control and closing

    /// The client's response buffer drained: resume reading the backend.
    func clientDrained(_ c: Connection) {
        if c.phase == .tunnel, let u = c.peer {
            tunnelUpstreamToClient(u)
            touch(u)
            return
        }
        if let u = c.peer, u.responseParsed {
            processUpstream(u)
            touch(u)
        }
    }

    /// The upstream connection's output drained: move more of the request body.
    func upstreamDrained(_ u: Connection) {
        if let c = u.peer, c.phase == .tunnel {
            tunnelClientToUpstream(c)
            touch(c)
            return
        }
        if let c = u.peer, c.decoder != nil {
            forwardBody(c)
            touch(c)
        }
    }

    /// A reload brought new pools: idle connections of the old ones close; exchanges in progress finish on them.
    func replaceUpstreams(_ new: LoopUpstreams) {
        for state in upstreams.pools {
            for list in state.idle { for u in list { u.inIdlePool = false; u.abort = true; touch(u) } }
            for i in state.idle.indices { state.idle[i].removeAll() }
        }
        upstreams = new
    }

    /// A connect completed: the request head (and body so far) can go.
    func upstreamConnected(_ u: Connection) {
        u.connecting = false
        refreshUpstreamDeadline(u)
        startTLSHandshake(u)
        touch(u)
    }

    /// A connection is about to close (error, timeout, the peer left): unlink it from its exchange and its pool.
    func willClose(_ c: Connection) {
        switch c.role {
        case .client:
            if let u = c.peer {
                u.peer = nil
                if let state = u.upstreamState { state.active[u.backendIndex] -= 1; exchangesInFlight -= 1 }
                u.abort = true // half an exchange cannot be reused
                touch(u)
                c.peer = nil
            }
        case .upstream:
            upstreams.unpark(c)
            if c.peer != nil { upstreamFailed(c, status: 502, detail: "the connection to the backend failed") }
            if let state = c.upstreamState {
                state.pool.backends[c.backendIndex].openConnections.wrappingSubtract(1, ordering: .relaxed)
                c.upstreamState = nil
            }
        }
    }
}
