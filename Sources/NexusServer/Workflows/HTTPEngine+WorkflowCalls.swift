import NexusBytes
import NexusHTTP1
import NexusMCP
import NexusSchema
import NexusSystem

/// Workflows served by an upstream pool, on the event loop: the run's request goes out through the proxy's
/// exchange (pools, keep-alive connections, TLS, health, passive ejection), its response is read whole into
/// `WorkflowCall.body` instead of streaming to the client, and the answer is written on the channel the call came
/// from: REST (the result, or a problem) or MCP (a tools/call result, `isError` when the upstream failed).
extension HTTPEngine {
    /// Sends `c.workflowCall`'s request to its pool; the client connection waits in the proxy phase (pipelined
    /// requests behind it wait too).
    func startWorkflowCall(_ c: Connection) {
        guard let call = c.workflowCall, let upstream = call.workflow.upstream else { return }
        c.proxyRoute = upstream.route
        c.phase = .proxy
        c.attempts = 0
        c.decoder = nil
        c.requestForwarded = true
        // With a body in the request, no retry on another backend (as for a proxied POST: it may have run).
        c.bodyForwarded = upstream.target.sendsBody
        c.responseHeadSent = false
        c.upgradeRequested = false
        c.forwardHead.clear()
        c.timer = .none
        if c.clientIP == nil { c.clientIP = Array((Socket.peerAddress(c.fd)?.ipString ?? "").utf8) }
        attachUpstream(c, excluding: nil)
    }

    /// The head of the run's request for a backend whose Host is `host`.
    func writeWorkflowRequest(_ c: Connection, _ call: WorkflowCall, host: [UInt8]) {
        guard let upstream = call.workflow.upstream else { return }
        upstream.writeRequest(input: call.input, workflow: call.workflow.config.name, host: host, clientIP: c.clientIP ?? [],
                              consumer: c.principal?.consumer, requestIDs: &requestIDs, into: c.forwardHead)
    }

    /// A response head arrived for a workflow call: keep its status, read its body (whatever its framing) into the
    /// call. Returns false when the exchange ended here (no body).
    func beginWorkflowResponse(_ u: Connection, _ c: Connection, _ call: WorkflowCall, headLength: Int) -> Bool {
        call.status = u.response.status
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
            call.tooLarge = true
            upstreamFailed(u, status: 502, detail: "the upstream's answer is larger than \(call.maxBody) bytes")
            return
        }
        if decoder.isComplete { finishExchange(u, reusable: u.response.keepAlive && u.input.isEmpty) }
    }

    /// The exchange ended with a complete response: map it to the result and answer.
    func workflowResponseComplete(_ c: Connection) {
        guard let call = c.workflowCall else { return }
        var result = UpstreamWorkflow.result(status: call.status, body: call.body.readable)
        if case .success(let value) = result, let output = call.workflow.output, !output.isValid(value) {
            result = .failure(WorkflowFailure("the result does not match the workflow's output schema"))
        }
        answerWorkflowCall(c, result)
    }

    /// The exchange failed (no backend, connect or read failure, timeout, an invalid or too large response).
    func workflowUpstreamFailed(_ c: Connection, status: Int, detail: String) {
        guard let call = c.workflowCall else { return }
        if status == 504 || now >= call.deadline {
            answerWorkflowCall(c, .failure(WorkflowFailure("the workflow did not finish within its timeout (\(call.workflow.config.timeoutText))", status: 504)))
        } else {
            answerWorkflowCall(c, .failure(WorkflowFailure("the workflow's upstream failed: \(detail)", status: status == 503 ? 503 : 502)))
        }
    }

    /// Writes the answer of a finished call on its channel, counts it, and goes on with the connection's next
    /// request (or, in an MCP batch, with the batch's next message, which may be another call).
    private func answerWorkflowCall(_ c: Connection, _ result: Result<JSONValue, WorkflowFailure>) {
        guard let call = c.workflowCall else { return }
        c.proxyRoute = nil
        let before = c.outbox.readableBytes
        c.responseStatus = 0
        if let (endpoint, registry, challenge) = call.mcp, let pending = call.pending {
            let reply: MCPReply
            switch result {
            case .success(let value):
                countWorkflow(c, call.workflow, 200, mcp: true)
                reply = endpoint.resume(pending, result: value, isError: false, tools: toolHost(c, registry, endpoint, out: call.out, challenge: challenge))
            case .failure(let f):
                countWorkflow(c, call.workflow, f.status, mcp: true)
                reply = endpoint.resume(pending, result: ["error": .string(f.message)], isError: true,
                                        tools: toolHost(c, registry, endpoint, out: call.out, challenge: challenge))
            }
            switch reply {
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
        } else {
            switch result {
            case .success(let value):
                countWorkflow(c, call.workflow, 200)
                call.out.json(200, value)
            case .failure(let f):
                countWorkflow(c, call.workflow, f.status)
                call.out.problem(f.status, f.message)
            }
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
