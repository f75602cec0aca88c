import NexusSchema

/// The MCP Streamable HTTP endpoint for every supported revision: bytes and header values in, a response out;
/// no I/O. One instance per configuration, shared by the loops (its only mutable state, the sessions, is atomic).
///
/// Which revision a request is served under: an `MCP-Protocol-Version` header names it (an unknown one is a 400
/// with -32022); without one, the session's negotiated revision; without either, 2025-03-26 (as the 2025-06-18
/// transport says a server may assume). docs/mcp.md has the table of methods, fields and statuses per revision.
public final class MCPEndpoint: Sendable {
    public let sessions: MCPSessions
    let serverName: String
    let serverVersion: String
    let allowedOrigins: [String]
    let pageSize: Int
    /// `_meta` of every 2026-07-28 result (the server's identity): the same value for every answer, built once.
    let stampedMeta: JSONValue

    public init(serverName: String = "nexus", serverVersion: String, allowedOrigins: [String] = [], pageSize: Int = 100,
                sessions: MCPSessions = MCPSessions()) {
        self.serverName = serverName
        self.serverVersion = serverVersion
        self.allowedOrigins = allowedOrigins
        self.pageSize = max(1, pageSize)
        self.sessions = sessions
        var info = obj(("name", .string(serverName)))
        if MCPRevision.v2026_07_28.hasStructuredContent { info.members.append(JSONMember(key: "title", value: "Nexus gateway")) }
        info.members.append(JSONMember(key: "version", value: .string(serverVersion)))
        stampedMeta = ["io.modelcontextprotocol/serverInfo": .object(info)]
    }

    // MARK: HTTP

    /// `serve` for a host whose tools all answer at once (a pending call is a precondition failure).
    public func handle(_ r: MCPRequest, tools: MCPToolHost) -> MCPResponse? {
        switch serve(r, tools: tools) {
        case .response(let response): return response
        case .answered: return nil
        case .pending: preconditionFailure("handle(_:tools:) with a host that defers tool calls: use serve")
        }
    }

    /// Answers one HTTP request to the endpoint.
    public func serve(_ r: MCPRequest, tools: MCPToolHost) -> MCPReply {
        switch route(r, tools: tools) {
        case .answer(let response): return .response(response)
        case .answered: return .answered
        case .pending(let p): return .pending(p)
        }
    }

    /// A pending tools/call has its result: the response to send, or another pending call (the next of a batch).
    public func resume(_ p: MCPPendingCall, result: JSONValue, isError: Bool, tools: MCPToolHost) -> MCPReply {
        resume(p, .tool(result, isError: isError), tools: tools)
    }

    public func resume(_ p: MCPPendingCall, _ result: MCPCallResult, tools: MCPToolHost) -> MCPReply {
        let answer: JSONValue
        switch result {
        case .tool(let value, let isError):
            answer = toolAnswer(id: p.id, revision: p.revision, .result(value, isError: isError))
        case .forwarded(let value):
            answer = forwardedAnswer(id: p.id, revision: p.revision, value)
        case .forwardedError(let code, let message, let data):
            answer = JSONRPC.error(id: p.id, code: code, message: message, data: data)
        }
        guard var batch = p.batch else { return .response(reply(answer, sse: p.sse, revision: p.revision)) }
        batch.answers.append(answer)
        return continueBatch(batch.answers, batch.rest, revision: p.revision, sse: p.sse, tools: tools)
    }

    /// An upstream server's tools/call result for this caller: `content` and `isError` as they are, `structuredContent`
    /// only where the caller's revision has it, the upstream's own `_meta` and `resultType` left out (2026-07-28 gets
    /// Nexus's).
    private func forwardedAnswer(id: JSONValue, revision: MCPRevision, _ value: JSONValue) -> JSONValue {
        guard case .object(let upstream) = value else { return JSONRPC.result(id: id, .object(JSONObject())) }
        var r = JSONObject()
        for m in upstream.members {
            switch m.key {
            case "_meta", "resultType": continue
            case "structuredContent" where !revision.hasStructuredContent: continue
            default: r.members.append(m)
            }
        }
        if r["content"] == nil { r.members.insert(JSONMember(key: "content", value: .array([])), at: 0) }
        if revision.isStateless { return JSONRPC.result(id: id, complete(r)) }
        return JSONRPC.result(id: id, .object(r))
    }

    /// How a request is handled: a response, nothing (the host answered) or a tool call in progress.
    private enum Handling {
        case answer(MCPResponse)
        case answered
        case pending(MCPPendingCall)
    }

    private func route(_ r: MCPRequest, tools: MCPToolHost) -> Handling {
        // DNS rebinding: a browser's Origin must be one we trust (localhost, or configured).
        if let origin = r.origin, !isAllowed(origin: origin) {
            return .answer(rpcError(status: 403, id: .null, code: JSONRPCCode.invalidRequest, "Forbidden: the Origin '\(origin)' is not allowed", nil))
        }
        var revision: MCPRevision?
        if let v = r.protocolVersion {
            guard let known = MCPRevision(rawValue: v.trimmingSpaces) else {
                return .answer(unsupportedVersion(v, id: .null))
            }
            revision = known
        }
        if revision?.isStateless == true { return stateless(r, tools: tools) }
        switch r.method {
        case "POST":
            return legacyPost(r, header: revision, tools: tools)
        case "GET":
            // No server-initiated stream is offered (the transport allows 405 for it).
            if let id = r.sessionID, sessions.lookup(id) == nil { return .answer(sessionNotFound()) }
            return .answer(MCPResponse(status: 405, fields: [("Allow", "POST, DELETE")], revision: revision))
        case "DELETE":
            guard let id = r.sessionID else {
                return .answer(rpcError(status: 400, id: .null, code: JSONRPCCode.invalidRequest, "Bad Request: DELETE needs an Mcp-Session-Id header", nil))
            }
            guard sessions.end(id) else { return .answer(sessionNotFound()) }
            return .answer(MCPResponse(status: 200, revision: revision))
        default:
            return .answer(MCPResponse(status: 405, fields: [("Allow", "GET, POST, DELETE")]))
        }
    }

    // MARK: Legacy revisions (initialize, sessions)

    private func legacyPost(_ r: MCPRequest, header: MCPRevision?, tools: MCPToolHost) -> Handling {
        let form = answerForm(r)
        if let refusal = form.refusal { return .answer(refusal) }
        let sse = form.sse
        let value: JSONValue
        do { value = try JSONParser().parse(r.body) } catch {
            return .answer(rpcError(status: 400, id: .null, code: JSONRPCCode.parseError, "Parse error: \(error)", nil))
        }
        // A single initialize starts a session; anything else needs one.
        if case .request(let id, "initialize", let params) = JSONRPCMessage.classify(value) {
            let asked = params?["protocolVersion"].flatMap { if case .string(let s) = $0 { s } else { nil } }
            let chosen = asked.flatMap(MCPRevision.init(rawValue:)).flatMap { $0.isStateless ? nil : $0 } ?? MCPRevision.newestLegacy
            let session = sessions.open(chosen)
            var result = obj(("protocolVersion", .string(chosen.rawValue)),
                             ("capabilities", ["tools": ["listChanged": false]]),
                             ("serverInfo", serverInfo(chosen)))
            result.members.append(JSONMember(key: "instructions", value: "Tools are the workflows this gateway serves; call tools/list."))
            return .answer(reply(JSONRPC.result(id: id, .object(result)), sse: sse, revision: chosen, fields: [("Mcp-Session-Id", session)]))
        }
        guard let sid = r.sessionID else {
            return .answer(rpcError(status: 400, id: Self.idOf(value), code: JSONRPCCode.invalidRequest,
                                    "Bad Request: no Mcp-Session-Id header (send initialize first)", nil))
        }
        guard let negotiated = sessions.lookup(sid) else { return .answer(sessionNotFound()) }
        let revision = header ?? negotiated
        if case .array(let items) = value {
            guard revision.allowsBatches else {
                return .answer(rpcError(status: 400, id: .null, code: JSONRPCCode.invalidRequest,
                                        "Invalid Request: JSON-RPC batches are not part of revision \(revision.rawValue)", revision))
            }
            guard !items.isEmpty else {
                return .answer(rpcError(status: 400, id: .null, code: JSONRPCCode.invalidRequest, "Invalid Request: an empty batch", revision))
            }
            switch continueBatch([], items[...], revision: revision, sse: sse, tools: tools) {
            case .response(let response): return .answer(response)
            case .answered: return .answered
            case .pending(let p): return .pending(p)
            }
        }
        switch legacyMessage(value, revision: revision, tools: tools, inBatch: false) {
        case .answer(let a):
            if case .invalid = JSONRPCMessage.classify(value) { return .answer(reply(a, sse: false, revision: revision, status: 400)) }
            return .answer(reply(a, sse: sse, revision: revision))
        case .none: return .answer(MCPResponse(status: 202, revision: revision))
        case .answered: return .answered
        case .pending(let id): return .pending(MCPPendingCall(id: id, revision: revision, sse: sse, batch: nil))
        }
    }

    /// Serves the messages of a batch in order from `rest`, after `answers`; a tool call that is pending suspends
    /// the batch (the pending call carries the rest).
    private func continueBatch(_ answers: [JSONValue], _ rest: ArraySlice<JSONValue>, revision: MCPRevision, sse: Bool,
                               tools: MCPToolHost) -> MCPReply {
        var answers = answers
        var rest = rest
        while let item = rest.popFirst() {
            switch legacyMessage(item, revision: revision, tools: tools, inBatch: true) {
            case .answer(let a): answers.append(a)
            case .none: break
            case .answered: return .answered
            case .pending(let id):
                return .pending(MCPPendingCall(id: id, revision: revision, sse: sse, batch: .init(answers: answers, rest: rest)))
            }
        }
        if answers.isEmpty { return .response(MCPResponse(status: 202, revision: revision)) }
        return .response(reply(.array(answers), sse: sse, revision: revision))
    }

    private enum Step {
        case answer(JSONValue)
        case none
        case answered
        /// A tools/call of this request id is in progress.
        case pending(JSONValue)
    }

    private func legacyMessage(_ value: JSONValue, revision: MCPRevision, tools: MCPToolHost, inBatch: Bool) -> Step {
        switch JSONRPCMessage.classify(value) {
        case .invalid(let id, let reason):
            return .answer(JSONRPC.error(id: id, code: JSONRPCCode.invalidRequest, message: "Invalid Request: \(reason)"))
        case .notification, .response:
            return .none
        case .request(let id, let method, let params):
            switch method {
            case "initialize":
                let why = inBatch ? "initialize may not be part of a batch" : "the session is initialized already"
                return .answer(JSONRPC.error(id: id, code: JSONRPCCode.invalidRequest, message: "Invalid Request: \(why)"))
            case "ping":
                return .answer(JSONRPC.result(id: id, [:]))
            case "tools/list":
                return .answer(toolsList(id: id, params: params, revision: revision, tools: tools))
            case "tools/call":
                return toolsCall(id: id, params: params, revision: revision, tools: tools)
            default:
                return .answer(JSONRPC.error(id: id, code: JSONRPCCode.methodNotFound, message: "Method not found: \(method)"))
            }
        }
    }

    // MARK: 2026-07-28 (stateless)

    private func stateless(_ r: MCPRequest, tools: MCPToolHost) -> Handling {
        let revision = MCPRevision.v2026_07_28
        guard r.method == "POST" else { return .answer(MCPResponse(status: 405, fields: [("Allow", "POST")], revision: revision)) }
        let form = answerForm(r)
        if let refusal = form.refusal { return .answer(refusal) }
        let sse = form.sse
        let value: JSONValue
        do { value = try JSONParser().parse(r.body) } catch {
            return .answer(rpcError(status: 400, id: .null, code: JSONRPCCode.parseError, "Parse error: \(error)", revision))
        }
        let message = JSONRPCMessage.classify(value)
        switch message {
        case .invalid(let id, let reason):
            return .answer(rpcError(status: 400, id: id, code: JSONRPCCode.invalidRequest, "Invalid Request: \(reason)", revision))
        case .notification, .response:
            return .answer(MCPResponse(status: 202, revision: revision))
        case .request(let id, let method, let params):
            // The mirrored header fields must match the body.
            guard let hm = r.mcpMethod?.trimmingSpaces else {
                return .answer(mismatch(id, "the Mcp-Method header is required", revision))
            }
            guard hm == method else {
                return .answer(mismatch(id, "Mcp-Method header value '\(hm)' does not match body value '\(method)'", revision))
            }
            // Every request carries its protocol version and the client's capabilities in params._meta; one
            // without either is malformed: 400 with -32602 (2026-07-28, basic/index "Per-request protocol fields").
            let meta = params?["_meta"]
            guard case .string(let bodyVersion)? = meta?["io.modelcontextprotocol/protocolVersion"] else {
                return .answer(rpcError(status: 400, id: id, code: JSONRPCCode.invalidParams,
                                        "Invalid params: params._meta[\"io.modelcontextprotocol/protocolVersion\"] is required (a string equal to MCP-Protocol-Version)", revision))
            }
            guard case .object? = meta?["io.modelcontextprotocol/clientCapabilities"] else {
                return .answer(rpcError(status: 400, id: id, code: JSONRPCCode.invalidParams,
                                        "Invalid params: params._meta[\"io.modelcontextprotocol/clientCapabilities\"] is required (an object, {} when the client has none)", revision))
            }
            guard bodyVersion == revision.rawValue else {
                if MCPRevision(rawValue: bodyVersion) == nil { return .answer(unsupportedVersion(bodyVersion, id: id)) }
                return .answer(mismatch(id, "MCP-Protocol-Version header value '\(revision.rawValue)' does not match body value '\(bodyVersion)'", revision))
            }
            if method == "tools/call" || method == "resources/read" || method == "prompts/get" {
                let key = method == "resources/read" ? "uri" : "name"
                guard let raw = r.mcpName?.trimmingSpaces else {
                    return .answer(mismatch(id, "the Mcp-Name header is required for \(method)", revision))
                }
                guard let headerName = Self.decodeSentinel(raw) else {
                    return .answer(mismatch(id, "the Mcp-Name header is not valid base64 in its =?base64?...?= form", revision))
                }
                guard case .string(let bodyName)? = params?[key] else {
                    return .answer(rpcError(status: 200, id: id, code: JSONRPCCode.invalidParams, "Invalid params: '\(key)' must be a string", revision))
                }
                guard headerName == bodyName else {
                    return .answer(mismatch(id, "Mcp-Name header value '\(headerName)' does not match body value '\(bodyName)'", revision))
                }
            }
            let answer: JSONValue
            switch method {
            case "server/discover":
                answer = JSONRPC.result(id: id, complete(obj(("supportedVersions", .array(MCPRevision.newestFirst.map { .string($0.rawValue) })),
                                                             ("capabilities", ["tools": [:]]),
                                                             ("serverInfo", serverInfo(revision)))))
            case "tools/list":
                answer = toolsList(id: id, params: params, revision: revision, tools: tools)
            case "tools/call":
                switch toolsCall(id: id, params: params, revision: revision, tools: tools) {
                case .answer(let a): answer = a
                case .answered: return .answered
                case .pending(let id): return .pending(MCPPendingCall(id: id, revision: revision, sse: sse, batch: nil))
                case .none: preconditionFailure("tools/call always answers")
                }
            default:
                return .answer(rpcError(status: 404, id: id, code: JSONRPCCode.methodNotFound, "Method not found: \(method)", revision))
            }
            return .answer(reply(answer, sse: sse, revision: revision))
        }
    }

    private func mismatch(_ id: JSONValue, _ message: String, _ revision: MCPRevision) -> MCPResponse {
        rpcError(status: 400, id: id, code: JSONRPCCode.headerMismatch, "Header mismatch: \(message)", revision)
    }

    /// `=?base64?...?=` decoded (the rest as it is); nil when the encoded form is not valid base64 UTF-8.
    static func decodeSentinel(_ v: String) -> String? {
        guard v.hasPrefix("=?base64?"), v.hasSuffix("?="), v.utf8.count >= 11 else { return v }
        let inner = Array(v.utf8.dropFirst(9).dropLast(2))
        guard let bytes = Base64.decode(inner) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    // MARK: Tools

    private func toolsList(id: JSONValue, params: JSONObject?, revision: MCPRevision, tools: MCPToolHost) -> JSONValue {
        var start = 0
        if let c = params?["cursor"] {
            guard case .string(let s) = c, s.hasPrefix("o"), let n = Int(s.dropFirst()), n >= 0 else {
                return JSONRPC.error(id: id, code: JSONRPCCode.invalidParams, message: "Invalid params: unknown cursor")
            }
            start = n
        }
        let all = tools.list()
        let page = start < all.count ? all[start..<min(all.count, start + pageSize)] : []
        var list: [JSONValue] = []
        for t in page {
            var o = obj(("name", .string(t.name)))
            if revision.hasStructuredContent, let title = t.title { o.members.append(JSONMember(key: "title", value: .string(title))) }
            o.members.append(JSONMember(key: "description", value: .string(t.description)))
            o.members.append(JSONMember(key: "inputSchema", value: t.inputSchema))
            if revision.hasStructuredContent, let out = t.outputSchema { o.members.append(JSONMember(key: "outputSchema", value: out)) }
            list.append(.object(o))
        }
        var result = obj(("tools", .array(list)))
        if start + pageSize < all.count {
            result.members.append(JSONMember(key: "nextCursor", value: .string("o\(start + pageSize)")))
        }
        if revision.isStateless {
            result.members.append(JSONMember(key: "ttlMs", value: 0))
            result.members.append(JSONMember(key: "cacheScope", value: "private"))
            return JSONRPC.result(id: id, complete(result))
        }
        return JSONRPC.result(id: id, .object(result))
    }

    private func toolsCall(id: JSONValue, params: JSONObject?, revision: MCPRevision, tools: MCPToolHost) -> Step {
        guard case .string(let name)? = params?["name"] else {
            return .answer(JSONRPC.error(id: id, code: JSONRPCCode.invalidParams, message: "Invalid params: 'name' must be a string"))
        }
        let arguments = params?["arguments"] ?? .object(JSONObject())
        guard case .object = arguments else {
            return .answer(JSONRPC.error(id: id, code: JSONRPCCode.invalidParams, message: "Invalid params: 'arguments' must be an object"))
        }
        let outcome = tools.call(name, arguments)
        switch outcome {
        case .answered: return .answered
        case .pending: return .pending(id)
        case .unknownTool:
            return .answer(JSONRPC.error(id: id, code: JSONRPCCode.invalidParams, message: "Unknown tool: \(name)"))
        case .invalidArguments(let violations):
            if revision.argumentErrorsAreToolErrors {
                let text = "Invalid arguments for tool \(name):\n" + violations.map(\.description).joined(separator: "\n")
                var r = obj(("content", [["type": "text", "text": .string(text)]]), ("isError", true))
                if revision.isStateless { r.members.append(JSONMember(key: "resultType", value: "complete")) }
                return .answer(JSONRPC.result(id: id, .object(r)))
            }
            return .answer(JSONRPC.error(id: id, code: JSONRPCCode.invalidParams, message: "Invalid params: the arguments do not match the tool's input schema",
                                         data: ["violations": .array(violations.map(\.json))]))
        case .result:
            return .answer(toolAnswer(id: id, revision: revision, outcome))
        }
    }

    /// The JSON-RPC answer of a tool that ran: its result as text, as structured content where the revision has
    /// it, and `isError`.
    private func toolAnswer(id: JSONValue, revision: MCPRevision, _ outcome: MCPToolOutcome) -> JSONValue {
        guard case .result(let value, let isError) = outcome else { preconditionFailure("toolAnswer needs a result") }
        var r = obj(("content", [["type": "text", "text": .string(value.serialized)]]))
        // A failed run's error object is not the tool's output (clients check structured content against
        // the output schema): it travels as text only.
        if revision.hasStructuredContent && !isError { r.members.append(JSONMember(key: "structuredContent", value: value)) }
        r.members.append(JSONMember(key: "isError", value: .bool(isError)))
        if revision.isStateless { return JSONRPC.result(id: id, complete(r)) }
        return JSONRPC.result(id: id, .object(r))
    }

    // MARK: Helpers

    private func complete(_ o: JSONObject) -> JSONValue {
        var o = o
        o.members.append(JSONMember(key: "resultType", value: "complete"))
        o.members.append(JSONMember(key: "_meta", value: stampedMeta))
        return .object(o)
    }

    private func serverInfo(_ revision: MCPRevision) -> JSONValue {
        var o = obj(("name", .string(serverName)))
        if revision.hasStructuredContent { o.members.append(JSONMember(key: "title", value: "Nexus gateway")) }
        o.members.append(JSONMember(key: "version", value: .string(serverVersion)))
        return .object(o)
    }

    /// 415 for a body that is not JSON, 406 for a client that accepts neither JSON nor an event stream; otherwise
    /// whether to answer as an event stream (only when the client accepts it and not JSON: JSON is the simpler
    /// answer for one response). The Accept value is scanned twice, bytes only, nothing allocated.
    private func answerForm(_ r: MCPRequest) -> (refusal: MCPResponse?, sse: Bool) {
        guard Self.isJSONMediaType(r.contentType) else {
            return (rpcError(status: 415, id: .null, code: JSONRPCCode.invalidRequest,
                             "Unsupported Media Type: the body must be application/json", nil), false)
        }
        guard let accept = r.accept else { return (nil, false) }
        let json = Self.accepts(accept, "application/json")
        let sse = Self.accepts(accept, "text/event-stream")
        if !json && !sse {
            return (rpcError(status: 406, id: .null, code: JSONRPCCode.invalidRequest,
                             "Not Acceptable: the client must accept application/json or text/event-stream", nil), false)
        }
        return (nil, sse && !json)
    }

    /// Whether a Content-Type value's media type (before any `;`, spaces and tabs trimmed) is application/json,
    /// in any letter case.
    static func isJSONMediaType(_ contentType: String?) -> Bool {
        guard var ct = contentType else { return false }
        return ct.withUTF8 { b in
            var end = 0
            while end < b.count && b[end] != UInt8(ascii: ";") { end += 1 }
            let (s, e) = trimmed(b, 0, end)
            return equalsIgnoringASCIICase(b, s, e, Self.applicationJSON)
        }
    }

    private static let applicationJSON: StaticString = "application/json"

    /// Whether an Accept value admits `type` (exactly, by `type/*`, or `*/*`), with q > 0, letter case ignored.
    /// Items are split at `,`, an item's parameters at `;` (empty pieces skipped, spaces and tabs trimmed); the first
    /// `q=` parameter gives the weight (1 when absent or not a number).
    static func accepts(_ accept: String, _ type: String) -> Bool {
        var accept = accept
        var type = type
        return type.withUTF8 { t in accept.withUTF8 { a in accepts(a, t) } }
    }

    static func accepts(_ a: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>) -> Bool {
        let slash = t.firstIndex(of: UInt8(ascii: "/")) ?? t.count
        let n = a.count
        var i = 0
        while i < n {
            var end = i
            while end < n && a[end] != UInt8(ascii: ",") { end += 1 }
            defer { i = end + 1 }
            // The item's pieces between ';' (empty ones skipped): the range, then its parameters.
            var range: (Int, Int)?
            var q = 1.0
            var sawQ = false
            var p = i
            while p < end {
                var pe = p
                while pe < end && a[pe] != UInt8(ascii: ";") { pe += 1 }
                if pe > p {
                    let (s, e) = trimmed(a, p, pe)
                    if range == nil {
                        range = (s, e)
                    } else if !sawQ, e - s >= 2, a[s] | 0x20 == UInt8(ascii: "q"), a[s + 1] == UInt8(ascii: "=") {
                        sawQ = true
                        let text = String(decoding: UnsafeBufferPointer(rebasing: a[(s + 2)..<e]), as: UTF8.self)
                        q = Double(text) ?? 1
                    }
                }
                p = pe + 1
            }
            guard let (s, e) = range, q > 0 else { continue }
            if equalsIgnoringASCIICase(a, s, e, t) { return true }
            // major/* and */*
            if e - s == slash + 2, a[e - 2] == UInt8(ascii: "/"), a[e - 1] == UInt8(ascii: "*") {
                if e - s == 3 && a[s] == UInt8(ascii: "*") { return true }
                if equalsIgnoringASCIICase(a, s, e - 2, UnsafeBufferPointer(rebasing: t[0..<slash])) { return true }
            } else if e - s == 3, a[s] == UInt8(ascii: "*"), a[s + 1] == UInt8(ascii: "/"), a[s + 2] == UInt8(ascii: "*") {
                return true
            }
        }
        return false
    }

    /// [s, e) with spaces and tabs removed at both ends.
    private static func trimmed(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> (Int, Int) {
        var s = s, e = e
        while s < e && (b[s] == 0x20 || b[s] == 0x09) { s += 1 }
        while e > s && (b[e - 1] == 0x20 || b[e - 1] == 0x09) { e -= 1 }
        return (s, e)
    }

    /// Whether b[s..<e] equals `lower` (lowercase ASCII) with ASCII letters of `b` compared case-insensitively.
    private static func equalsIgnoringASCIICase(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ lower: UnsafeBufferPointer<UInt8>) -> Bool {
        guard e - s == lower.count else { return false }
        for k in 0..<lower.count {
            var c = b[s + k]
            if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            if c != lower[k] { return false }
        }
        return true
    }

    private static func equalsIgnoringASCIICase(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ lower: StaticString) -> Bool {
        lower.withUTF8Buffer { equalsIgnoringASCIICase(b, s, e, $0) }
    }

    private func isAllowed(origin: String) -> Bool {
        let o = origin.lowercased()
        if allowedOrigins.contains(o) { return true }
        for scheme in ["http://", "https://"] where o.hasPrefix(scheme) {
            let host = o.dropFirst(scheme.count)
            for local in ["localhost", "127.0.0.1", "[::1]"] where host == local || host.hasPrefix(local + ":") { return true }
        }
        return false
    }

    private func unsupportedVersion(_ requested: String, id: JSONValue) -> MCPResponse {
        rpcError(status: 400, id: id, code: JSONRPCCode.unsupportedProtocolVersion, "Unsupported protocol version",
                 ["supported": .array(MCPRevision.newestFirst.map { .string($0.rawValue) }), "requested": .string(requested)], nil)
    }

    private func sessionNotFound() -> MCPResponse {
        rpcError(status: 404, id: .null, code: JSONRPCCode.sessionNotFound, "Session not found: start a new one with initialize", nil)
    }

    private func rpcError(status: Int, id: JSONValue, code: Int, _ message: String, _ data: JSONValue? = nil, _ revision: MCPRevision?) -> MCPResponse {
        reply(JSONRPC.error(id: id, code: code, message: message, data: data), sse: false, revision: revision, status: status)
    }

    private func rpcError(status: Int, id: JSONValue, code: Int, _ message: String, _ revision: MCPRevision?) -> MCPResponse {
        rpcError(status: status, id: id, code: code, message, nil, revision)
    }

    private func reply(_ message: JSONValue, sse: Bool, revision: MCPRevision?, status: Int = 200, fields: [(String, String)] = []) -> MCPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(512) // a tool result fits: no regrowth while writing
        if sse {
            body.append(contentsOf: "event: message\ndata: ".utf8)
            message.write(to: &body)
            body.append(contentsOf: "\n\n".utf8)
            return MCPResponse(status: status, fields: fields + [("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no")],
                               contentType: "text/event-stream", body: body, revision: revision)
        }
        message.write(to: &body)
        return MCPResponse(status: status, fields: fields, contentType: "application/json", body: body, revision: revision)
    }

    private static func idOf(_ v: JSONValue) -> JSONValue {
        if case .object(let o) = v, let id = o["id"] {
            switch id { case .string, .number: return id; default: return .null }
        }
        return .null
    }
}

/// An object with these members, in this order.
func obj(_ members: (String, JSONValue)...) -> JSONObject {
    JSONObject(members.map { JSONMember(key: $0.0, value: $0.1) })
}

extension String {
    var trimmingSpaces: String {
        let u = utf8
        if let f = u.first, let l = u.last, f != 0x20, f != 0x09, l != 0x20, l != 0x09 { return self }
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
