import Testing
import NexusSchema
@testable import NexusMCP

/// The MCP endpoint fed plain requests: every revision's rules (docs/mcp.md's table), without a server.
@Suite struct MCPEndpointTests {
    let endpoint = MCPEndpoint(serverVersion: "test", allowedOrigins: ["https://app.example.com"], pageSize: 2)

    static let tools = [
        MCPTool(name: "echo", title: "Echo", description: "echoes", inputSchema: ["type": "object"], outputSchema: ["type": "object"]),
        MCPTool(name: "add", title: nil, description: "adds", inputSchema: ["type": "object"], outputSchema: nil),
        MCPTool(name: "third", title: nil, description: "", inputSchema: ["type": "object"], outputSchema: nil),
    ]

    var host: MCPToolHost {
        MCPToolHost(list: { Self.tools }, call: { name, args in
            switch name {
            case "echo": return .result(args, isError: false)
            case "fail": return .result(["error": "upstream"], isError: true)
            case "bad": return .invalidArguments([])
            case "limited": return .answered
            default: return .unknownTool
            }
        })
    }

    func post(_ body: String, version: String? = nil, session: String? = nil, accept: String? = "application/json, text/event-stream",
              method: String? = nil, name: String? = nil, origin: String? = nil, contentType: String = "application/json") -> MCPResponse? {
        endpoint.handle(MCPRequest(method: "POST", accept: accept, contentType: contentType, protocolVersion: version, sessionID: session,
                                   origin: origin, mcpMethod: method, mcpName: name, body: Array(body.utf8)), tools: host)
    }

    func json(_ r: MCPResponse?) throws -> JSONValue {
        let r = try #require(r)
        var body = r.body
        if r.contentType == "text/event-stream" {
            let text = String(decoding: body, as: UTF8.self)
            let data = try #require(text.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }))
            body = Array(data.dropFirst(6).utf8)
        }
        return try JSONParser().parse(body)
    }

    func initialize(_ version: String = "2025-11-25") throws -> String {
        let r = try #require(post(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(version)","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#))
        #expect(r.status == 200)
        return try #require(r.fields.first(where: { $0.0 == "Mcp-Session-Id" })?.1)
    }

    static let meta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#

    @Test func initializeNegotiatesAndIssuesASession() throws {
        for (asked, got) in [("2025-03-26", "2025-03-26"), ("2025-06-18", "2025-06-18"), ("2025-11-25", "2025-11-25"),
                             ("2024-11-05", "2025-11-25"), ("2026-07-28", "2025-11-25")] {
            let r = post(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(asked)","capabilities":{}}}"#)
            let v = try json(r)
            #expect(v["result"]?["protocolVersion"] == .string(got))
            #expect(r?.fields.contains(where: { $0.0 == "Mcp-Session-Id" }) == true)
        }
    }

    @Test func sessionsAreRequiredCheckedAndEnded() throws {
        let sid = try initialize()
        #expect(post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)?.status == 400)
        #expect(post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, session: "0123456789abcdef")?.status == 404)
        #expect(post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, version: "2025-11-25", session: sid)?.status == 200)
        let del = endpoint.handle(MCPRequest(method: "DELETE", sessionID: sid), tools: host)
        #expect(del?.status == 200)
        #expect(post(#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#, session: sid)?.status == 404)
        #expect(endpoint.handle(MCPRequest(method: "DELETE", sessionID: sid), tools: host)?.status == 404)
        #expect(endpoint.handle(MCPRequest(method: "GET"), tools: host)?.status == 405)
    }

    @Test func notificationsAreAccepted() throws {
        let sid = try initialize()
        let r = post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: sid)
        #expect(r?.status == 202)
        #expect(r?.body.isEmpty == true)
    }

    @Test func jsonRPCErrors() throws {
        let sid = try initialize()
        let parse = post("{not json", session: sid)
        #expect(parse?.status == 400)
        #expect(try json(parse)["error"]?["code"] == -32700)
        let invalid = post(#"{"jsonrpc":"1.0","id":5,"method":"tools/list"}"#, session: sid)
        #expect(invalid?.status == 400)
        #expect(try json(invalid)["error"]?["code"] == -32600)
        let unknown = try json(post(#"{"jsonrpc":"2.0","id":6,"method":"nope"}"#, session: sid))
        #expect(unknown["error"]?["code"] == -32601)
        #expect(unknown["id"] == 6)
        let badParams = try json(post(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":3}}"#, session: sid))
        #expect(badParams["error"]?["code"] == -32602)
        let unknownTool = try json(post(#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"zzz"}}"#, session: sid))
        #expect(unknownTool["error"]?["code"] == -32602)
    }

    @Test func versionHeaderIsValidated() throws {
        let sid = try initialize()
        let r = post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, version: "1900-01-01", session: sid)
        #expect(r?.status == 400)
        let v = try json(r)
        #expect(v["error"]?["code"] == -32022)
        #expect(v["error"]?["data"]?["requested"] == "1900-01-01")
    }

    @Test func batchesOnlyIn20250326() throws {
        let old = try initialize("2025-03-26")
        let batch = #"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]"#
        let r = try json(post(batch, session: old))
        guard case .array(let answers) = r else { Issue.record("not an array"); return }
        #expect(answers.count == 2)
        let new = try initialize("2025-06-18")
        #expect(post(batch, version: "2025-06-18", session: new)?.status == 400)
    }

    @Test func structuredContentFrom20250618() throws {
        let call = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"x":1}}}"#
        let old = try json(post(call, session: try initialize("2025-03-26")))
        #expect(old["result"]?["structuredContent"] == nil)
        #expect(old["result"]?["content"]?[0]?["text"] == #"{"x":1}"#)
        let new = try json(post(call, version: "2025-06-18", session: try initialize("2025-06-18")))
        #expect(new["result"]?["structuredContent"] == ["x": 1])
        let list = try json(post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, session: try initialize("2025-03-26")))
        #expect(list["result"]?["tools"]?[0]?["outputSchema"] == nil)
    }

    @Test func toolsListIsPaginated() throws {
        let sid = try initialize()
        let first = try json(post(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, session: sid))
        guard case .string(let cursor)? = first["result"]?["nextCursor"] else { Issue.record("no cursor"); return }
        let second = try json(post(#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"\#(cursor)"}}"#, session: sid))
        #expect(second["result"]?["tools"]?[0]?["name"] == "third")
        #expect(second["result"]?["nextCursor"] == nil)
        let bad = try json(post(#"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"zz"}}"#, session: sid))
        #expect(bad["error"]?["code"] == -32602)
    }

    @Test func failingToolsAreResults() throws {
        let v = try json(post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fail"}}"#, session: try initialize()))
        #expect(v["result"]?["isError"] == true)
        #expect(post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"limited"}}"#, session: try initialize()) == nil)
    }

    @Test func argumentErrorsPerRevision() throws {
        let call = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"bad","arguments":{}}}"#
        #expect(try json(post(call, session: try initialize("2025-06-18")))["error"]?["code"] == -32602)
        #expect(try json(post(call, session: try initialize("2025-11-25")))["result"]?["isError"] == true)
    }

    @Test func acceptAndContentType() throws {
        let sid = try initialize()
        #expect(post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, session: sid, accept: "text/html")?.status == 406)
        #expect(post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, session: sid, contentType: "text/plain")?.status == 415)
        let sse = post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, session: sid, accept: "text/event-stream")
        #expect(sse?.contentType == "text/event-stream")
        #expect(try json(sse)["result"] == [:])
    }

    @Test func originIsValidated() {
        #expect(post("{}", origin: "https://evil.example")?.status == 403)
        #expect(post(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#, origin: "http://localhost:3000")?.status == 200)
        #expect(post(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#, origin: "https://app.example.com")?.status == 200)
    }

    @Test func statelessRevision() throws {
        let v = "2026-07-28"
        let discover = post(#"{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{\#(Self.meta)}}"#, version: v, method: "server/discover")
        #expect(discover?.status == 200)
        #expect(discover?.fields.contains(where: { $0.0 == "Mcp-Session-Id" }) == false)
        let d = try json(discover)
        #expect(d["result"]?["supportedVersions"]?[0] == "2026-07-28")
        #expect(d["result"]?["resultType"] == "complete")
        // No initialize, no ping: method not found, 404.
        for m in ["initialize", "ping"] {
            let r = post(#"{"jsonrpc":"2.0","id":2,"method":"\#(m)","params":{\#(Self.meta)}}"#, version: v, method: m)
            #expect(r?.status == 404)
            #expect(try json(r)["error"]?["code"] == -32601)
        }
        // Header fields checked against the body.
        let missing = post(#"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{\#(Self.meta)}}"#, version: v)
        #expect(missing?.status == 400)
        #expect(try json(missing)["error"]?["code"] == -32020)
        let wrongMethod = post(#"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{\#(Self.meta)}}"#, version: v, method: "tools/call")
        #expect(try json(wrongMethod)["error"]?["code"] == -32020)
        let call = #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"m":"é"},\#(Self.meta)}}"#
        #expect(try json(post(call, version: v, method: "tools/call", name: "add"))["error"]?["code"] == -32020)
        #expect(try json(post(call, version: v, method: "tools/call"))["error"]?["code"] == -32020)
        let ok = try json(post(call, version: v, method: "tools/call", name: "=?base64?ZWNobw==?="))
        #expect(ok["result"]?["structuredContent"]?["m"] == "é")
        #expect(ok["result"]?["resultType"] == "complete")
        // Body version differs from the header, or is unknown.
        let caps = #""io.modelcontextprotocol/clientCapabilities":{}"#
        let other = #"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25",\#(caps)}}}"#
        #expect(try json(post(other, version: v, method: "tools/list"))["error"]?["code"] == -32020)
        let unknown = #"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01",\#(caps)}}}"#
        #expect(try json(post(unknown, version: v, method: "tools/list"))["error"]?["code"] == -32022)
        // A required _meta field missing (or of the wrong type): malformed, 400 with -32602 (invalid params).
        for params in [#"{}"#, #"{"_meta":{}}"#, #"{"_meta":{\#(caps)}}"#,
                       #"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#,
                       #"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":null}}"#,
                       #"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":[]}}"#,
                       #"{"_meta":{"io.modelcontextprotocol/protocolVersion":7,\#(caps)}}"#] {
            let r = post(#"{"jsonrpc":"2.0","id":8,"method":"tools/list","params":\#(params)}"#, version: v, method: "tools/list")
            #expect(r?.status == 400, "\(params)")
            #expect(try json(r)["error"]?["code"] == -32602, "\(params)")
            #expect(try json(r)["id"] == 8)
        }
        #expect(post(#"{"jsonrpc":"2.0","id":8,"method":"tools/list"}"#, version: v, method: "tools/list")?.status == 400)
        // Notifications carry no required fields.
        #expect(post(#"{"jsonrpc":"2.0","method":"notifications/x"}"#, version: v, method: "notifications/x")?.status == 202)
        // No sessions, no GET stream, no DELETE; a batch is invalid.
        #expect(endpoint.handle(MCPRequest(method: "GET", protocolVersion: v), tools: host)?.status == 405)
        #expect(endpoint.handle(MCPRequest(method: "DELETE", protocolVersion: v, sessionID: "0123456789abcdef"), tools: host)?.status == 405)
        #expect(post("[]", version: v)?.status == 400)
        let list = try json(post(#"{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{\#(Self.meta)}}"#, version: v, method: "tools/list"))
        #expect(list["result"]?["cacheScope"] == "private")
    }

    @Test func sessionIdsRoundTrip() {
        let s = MCPSessions(capacity: 16)
        var ids: [String] = []
        for _ in 0..<200 { ids.append(s.open(.v2025_06_18)) }
        // A full table evicts the oldest in a window, never crashes; the newest ones are found.
        #expect(s.lookup(ids.last!) == .v2025_06_18)
        #expect(s.lookup("not-hex-at-all!!") == nil)
        #expect(s.end(ids.last!))
        #expect(!s.end(ids.last!))
    }

    @Test func garbageNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["{", "}", "[", "]", "\"jsonrpc\"", ":", "\"2.0\"", ",", "\"id\"", "1", "\"method\"", "\"tools/call\"",
                      "\"params\"", "null", "\"name\"", "\"echo\"", "\"arguments\"", "\"initialize\"", "\"_meta\""]
        for _ in 0..<2000 {
            var s = ""
            for _ in 0..<Int.random(in: 0..<20, using: &rng) { s += pieces.randomElement(using: &rng)! }
            for v in [nil, "2025-03-26", "2026-07-28"] {
                _ = post(s, version: v, session: nil, method: "tools/call", name: "echo")
            }
        }
    }
}

@Suite struct MCPPendingCallTests {
    let endpoint = MCPEndpoint(serverVersion: "t")

    /// `slow` is pending (the host answers later); `fast` answers at once.
    var host: MCPToolHost {
        MCPToolHost(list: { [] }, call: { name, args in
            name == "slow" ? .pending : .result(["got": args["n"] ?? .null], isError: false)
        })
    }

    private func session(_ version: String) -> String {
        let r = endpoint.handle(MCPRequest(method: "POST", accept: "application/json", contentType: "application/json",
                                           body: Array(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(version)"}}"#.utf8)),
                                tools: host)
        return r!.fields.first { $0.0 == "Mcp-Session-Id" }!.1
    }

    private func json(_ r: MCPReply) -> JSONValue? {
        guard case .response(let response) = r else { return nil }
        return try? JSONParser().parse(response.body)
    }

    @Test func aPendingCallResumesToItsAnswer() throws {
        let sid = session("2025-11-25")
        let reply = endpoint.serve(MCPRequest(method: "POST", accept: "application/json", contentType: "application/json",
                                              protocolVersion: "2025-11-25", sessionID: sid,
                                              body: Array(#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow"}}"#.utf8)),
                                   tools: host)
        guard case .pending(let p) = reply else { Issue.record("not pending"); return }
        let done = json(endpoint.resume(p, result: ["v": 1], isError: false, tools: host))
        #expect(done?["id"] == 9)
        #expect(done?["result"]?["structuredContent"] == ["v": 1])
        #expect(done?["result"]?["isError"] == false)
    }

    @Test func aBatchSuspendsAndGoesOnInOrder() throws {
        let sid = session("2025-03-26")
        let batch = #"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}},"#
            + #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"fast","arguments":{"n":2}}},"#
            + #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"slow"}},{"jsonrpc":"2.0","id":4,"method":"ping"}]"#
        let first = endpoint.serve(MCPRequest(method: "POST", accept: "application/json", contentType: "application/json",
                                              sessionID: sid, body: Array(batch.utf8)), tools: host)
        guard case .pending(let p1) = first else { Issue.record("not pending"); return }
        guard case .pending(let p3) = endpoint.resume(p1, result: ["n": 1], isError: false, tools: host) else {
            Issue.record("the second slow call is not pending")
            return
        }
        let answers = json(endpoint.resume(p3, result: ["error": "down"], isError: true, tools: host))
        guard case .array(let list)? = answers else { Issue.record("no batch answer"); return }
        #expect(list.map { $0["id"] } == [1, 2, 3, 4])
        #expect(list[2]["result"]?["isError"] == true)
    }
}
