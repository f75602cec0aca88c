import NexusBytes
import NexusHTTP1
import NexusMCP
import NexusSchema
import NexusSystem

/// Runs that wait for an upstream, on the event loop: workflows served by an upstream pool, and tools of upstream
/// MCP servers (federation). The run's request goes out through the proxy's exchange (pools, keep-alive
/// connections, TLS, health, passive ejection), its response is read whole into `WorkflowCall.body` instead of
/// streaming to the client, and the answer is written on the channel the call came from: REST (the result, or a
/// problem) or MCP (a tools/call result, `isError` when the upstream failed).
extension HTTPEngine {
    /// Sends `c.workflowCall`'s request to its pool; the client connection waits in the proxy phase (pipelined
    /// requests behind it wait too).
    func startWorkflowCall(_ c: Connection) {
        guard let call = c.workflowCall else { return }
        c.proxyRoute = call.route
        c.phase = .proxy
        c.attempts = 0
        c.decoder = nil
        c.requestForwarded = true
        // With a body in the request, no retry on another backend (as for a proxied POST: it may have run).
        c.bodyForwarded = call.sendsBody
        c.responseHeadSent = false
        c.upgradeRequested = false
        c.forwardHead.clear()
        c.timer = .none
        if c.clientIP == nil { c.clientIP = Array((Socket.peerAddress(c.fd)?.ipString ?? "").utf8) }
        attachUpstream(c, excluding: nil)
    }

    /// The head (and body) of the run's request for a backend whose Host is `host`.
    func writeWorkflowRequest(_ c: Connection, _ call: WorkflowCall, host: [UInt8]) {
        switch call.target {
        case .workflow(let w):
            w.upstream?.writeRequest(input: call.input, workflow: w.config.name, host: host, clientIP: c.clientIP ?? [],
                                     consumer: c.principal?.consumer, requestIDs: &requestIDs, into: c.forwardHead)
        case .federated(let server, let tool, _, let session, let revision):
            call.rpcID = Int(requestIDs.nextUInt64() & (1 << 53 - 1))
            FederatedCall.writeRequest(server: server, tool: tool, arguments: call.input, id: call.rpcID, session: session,
                                       revision: revision, host: host, into: c.forwardHead)
        }
    }

    /// A response head arrived for a call: keep its status and type, read its body (whatever its framing) into the
    /// call. Returns false when the exchange ended here (no body).
    func beginWorkflowResponse(_ u: Connection, _ c: Connection, _ call: WorkflowCall, headLength: Int) -> Bool {
        call.status = u.response.status
        call.contentType = u.response.value(of: "content-type", in: UnsafeRawBufferPointer(rebasing: u.input.readable[0..<headLength]))
            .map { String(decoding: UnsafeRawBufferPointer(rebasing: u.input.readable[$0]), as: UTF8.self) }
        call.body.clear()
        c.responseStatus = u.response.status
        let framing = ResponseFraming.framing(of: u.response, requestMethod: c.head.method)
        u.input.consume(headLength)
        u.responseParsed = true
        u.bodyPlan = .decoded
        u.closeDelimited = framing == .untilClose
        switch framing {
        case .none, .length(0):
            u.responseDecoder = nil
            finishExchange(u, reusable: u.response.keepAlive && u.input.isEmpty)
            return false
        case .length(let n): u.responseDecoder = BodyDecoder(contentLength: n)
        case .chunked: u.responseDecoder = BodyDecoder(chunkedWith: upstreamBodyLimits)
        case .untilClose: u.responseDecoder = BodyDecoder.untilClose()
        }
        return true
    }

    /// Moves response body bytes into the call; past `maxBody` the exchange fails (502).
    func readWorkflowResponseBody(_ u: Connection, _ call: WorkflowCall) {
        guard !u.input.isEmpty, var decoder = u.responseDecoder else { return }
        let body = call.body
        let consumed: Int
        do { consumed = try decoder.decode(u.input.readable) { body.append($0) } } catch {
            upstreamFailed(u, status: 502, detail: "the backend sent an invalid response body")
            return
        }
        u.input.consume(consumed)
        u.responseDecoder = decoder
        if call.body.readableBytes > call.maxBody {
            upstreamFailed(u, status: 502, detail: "the upstream's answer is larger than \(call.maxBody) bytes")
            return
        }
        if decoder.isComplete { finishExchange(u, reusable: u.response.keepAlive && u.input.isEmpty) }
    }

    /// The exchange ended with a complete response: map it to the result and answer.
    func workflowResponseComplete(_ c: Connection) {
        guard let call = c.workflowCall else { return }
        switch call.target {
        case .workflow(let w):
            var result = UpstreamWorkflow.result(status: call.status, body: call.body.readable)
            if case .success(let value) = result, let output = w.output, !output.isValid(value) {
                result = .failure(WorkflowFailure("the result does not match the workflow's output schema"))
            }
            switch result {
            case .success(let v): answerWorkflowCall(c, .tool(v, isError: false), status: 200)
            case .failure(let f): answerWorkflowCall(c, .tool(["error": .string(f.message)], isError: true), status: f.status, problem: f.message)
            }
        case .federated(let server, _, _, let session, _):
            if call.status == 404 && session != nil {
                federation.sessionLost(server.index)
                answerWorkflowCall(c, .tool(["error": .string("the MCP server '\(server.config.name)' ended the session; retry the call")], isError: true),
                                   status: 502)
                return
            }
            let (answer, status) = FederatedCall.result(server: server, id: call.rpcID, status: call.status,
                                                        contentType: call.contentType, body: call.body.readable)
            answerWorkflowCall(c, answer, status: status)
        }
    }

    /// The exchange failed (no backend, connect or read failure, timeout, an invalid or too large response).
    func workflowUpstreamFailed(_ c: Connection, status: Int, detail: String) {
        guard let call = c.workflowCall else { return }
        let failure: WorkflowFailure
        if now >= call.deadline {
            let what = if case .workflow = call.target { "the workflow" } else { "the tool call" }
            failure = WorkflowFailure("\(what) did not finish within its timeout (\(call.timeoutText))", status: 504)
        } else if status == 504 {
            // The pool's own connect or read timeout, shorter than the run's.
            failure = WorkflowFailure("the upstream did not answer in time (\(detail))", status: 504)
        } else if case .federated(let server, _, _, _, _) = call.target {
            failure = WorkflowFailure("the call to the MCP server '\(server.config.name)' failed: \(detail)", status: status == 503 ? 503 : 502)
        } else {
            failure = WorkflowFailure("the workflow's upstream failed: \(detail)", status: status == 503 ? 503 : 502)
        }
        answerWorkflowCall(c, .tool(["error": .string(failure.message)], isError: true), status: failure.status, problem: failure.message)
    }

    /// Writes the answer of a finished call on its channel (`problem` is the REST answer of a failure), counts it,
    /// and goes on with the connection's next request (or, in an MCP batch, with the batch's next message, which
    /// may be another call).
    private func answerWorkflowCall(_ c: Connection, _ answer: MCPCallResult, status: Int, problem: String? = nil) {
        guard let call = c.workflowCall else { return }
        c.proxyRoute = nil
        let before = c.outbox.readableBytes
        c.responseStatus = 0
        switch call.target {
        case .workflow(let w): countWorkflow(c, w, status, mcp: call.mcp != nil)
        case .federated(let server, let tool, _, _, _):
            usage.count(slot: server.slot, consumer: c.principal, status: status)
            auditRun(c, action: "mcp.call", target: server.config.name + "/" + tool, channel: "mcp", status: status)
        }
        if let (endpoint, registry, challenge) = call.mcp, let pending = call.pending {
            switch endpoint.resume(pending, answer, tools: toolHost(c, registry, endpoint, out: call.out, challenge: challenge)) {
            case .response(let r):
                call.out.write(r.status, contentType: r.contentType, fields: r.fields, body: r.body)
            case .answered:
                // A refusal (a limit) of the batch's next call answered the request and readied the connection.
                c.workflowCall = nil
                touch(c)
                if !c.input.isEmpty && !c.closeAfterFlush { process(c) }
                return
            case .pending(let next):
                // The batch's next message is another upstream call: the host put it in `c.workflowCall`.
                guard let nextCall = c.workflowCall, nextCall !== call else { preconditionFailure("a pending call without its state") }
                nextCall.pending = next
                nextCall.closeAfter = call.closeAfter
                startWorkflowCall(c)
                return
            }
        } else if let problem {
            call.out.problem(status, problem)
        } else if case .tool(let value, _) = answer {
            call.out.json(200, value)
        }
        answered(c, slot: c.routeSlot, status: c.responseStatus, bytes: c.outbox.readableBytes - before)
        c.responseStatus = 0
        c.workflowCall = nil
        if call.closeAfter { c.closeAfterFlush = true }
        readyForNextRequest(c)
        touch(c)
        if !c.input.isEmpty && !c.closeAfterFlush { process(c) }
    }
}
