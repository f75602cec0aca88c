import NexusConfig
import NexusSchema
import NexusSystem
import NexusTLS

/// A blocking MCP client for one upstream server, for the federation monitor's thread (never an event loop): one
/// HTTP/1.0 POST per message (the server closes after answering, so a JSON body or a finished event stream is read
/// to its end), over TLS when the URL is https, with the server's own credentials.
struct MCPServerClient {
    let config: MCPServerConfig
    let tls: TLSClientContext?
    let credentialFields: String
    let version: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The server answered 404 to a request with a session: the session ended.
        var sessionEnded = false
    }

    /// What `initialize` agreed.
    struct Session {
        var id: String?
        var revision: String
    }

    /// initialize, then notifications/initialized.
    func open() -> Result<Session, Failure> {
        let answer: HTTPAnswer
        switch post(MCPWire.initialize(id: 1, version: version), session: nil, revision: nil) {
        case .failure(let f): return .failure(f)
        case .success(let a): answer = a
        }
        guard answer.status == 200 else { return .failure(Failure(description: "initialize was answered \(answer.status)")) }
        guard case .result(let result) = MCPWire.answer(contentType: answer.contentType, body: answer.body, id: 1) else {
            return .failure(Failure(description: "initialize got no valid result"))
        }
        guard case .string(let revision)? = result["protocolVersion"], MCPWire.knownRevisions.contains(revision) else {
            return .failure(Failure(description: "the server speaks no MCP revision Nexus knows"))
        }
        if let id = answer.sessionID, id.isEmpty || !id.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) {
            return .failure(Failure(description: "the server gave a session id that is not visible ASCII"))
        }
        let session = Session(id: answer.sessionID, revision: revision)
        switch post(MCPWire.notification("notifications/initialized"), session: session.id, revision: revision) {
        case .failure(let f): return .failure(f)
        case .success(let a) where !(200..<300).contains(a.status):
            return .failure(Failure(description: "notifications/initialized was answered \(a.status)"))
        case .success: return .success(session)
        }
    }

    /// Every tool, following `nextCursor` (at most 100 pages).
    func listTools(_ session: Session) -> Result<[JSONValue], Failure> {
        var tools: [JSONValue] = []
        var cursor: String?
        for page in 0..<100 {
            let params: JSONValue? = cursor.map { ["cursor": .string($0)] }
            let answer: HTTPAnswer
            switch post(MCPWire.request(id: 2 + page, method: "tools/list", params: params), session: session.id, revision: session.revision) {
            case .failure(let f): return .failure(f)
            case .success(let a): answer = a
            }
            if answer.status == 404 && session.id != nil { return .failure(Failure(description: "the session ended", sessionEnded: true)) }
            guard answer.status == 200 else { return .failure(Failure(description: "tools/list was answered \(answer.status)")) }
            switch MCPWire.answer(contentType: answer.contentType, body: answer.body, id: 2 + page) {
            case .result(let r):
                guard case .array(let list)? = r["tools"] else { return .failure(Failure(description: "tools/list gave no tools array")) }
                tools += list
                guard case .string(let next)? = r["nextCursor"] else { return .success(tools) }
                cursor = next
            case .error(let code, _, _): return .failure(Failure(description: "tools/list failed with JSON-RPC error \(code)"))
            case .invalid(let why): return .failure(Failure(description: "tools/list: \(why)"))
            }
        }
        return .failure(Failure(description: "tools/list has more than 100 pages"))
    }

    struct HTTPAnswer {
        var status: Int
        var contentType: String?
        var sessionID: String?
        var body: ArraySlice<UInt8>
    }

    /// One POST of `body`; the answer read to the end (at most 4 MiB).
    func post(_ body: [UInt8], session: String?, revision: String?) -> Result<HTTPAnswer, Failure> {
        let timeout = Int(EngineSettings.ms(config.timeout))
        let authority = config.kind == .ipv6 ? "[\(config.host)]:\(config.port)" : "\(config.host):\(config.port)"
        var head = "POST \(config.path) HTTP/1.0\r\nHost: \(authority)\r\nUser-Agent: nexus\r\n"
        head += "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
        if let session { head += "Mcp-Session-Id: \(session)\r\n" }
        if let revision { head += "MCP-Protocol-Version: \(revision)\r\n" }
        head += credentialFields
        head += "Content-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + body
        let addresses: [SocketAddress]
        do { addresses = try SocketAddress.resolve(host: config.host, port: config.port) } catch {
            return .failure(Failure(description: "cannot resolve \(config.host): \(error)"))
        }
        guard let address = addresses.first else { return .failure(Failure(description: "\(config.host) has no address")) }
        let limit = 4 << 20
        let outcome: Result<[UInt8], Failure>
        if let tls {
            outcome = TLSExchange.run(address: address, request: request, timeoutMilliseconds: timeout, context: tls,
                                      host: config.tls?.serverName ?? config.host,
                                      isIPAddress: config.kind != .hostname && config.tls?.serverName == nil, limit: limit + 1)
                .mapError { Failure(description: "\($0)") }
        } else {
            outcome = Socket.exchange(with: address, request: request, timeoutMilliseconds: timeout, limit: limit + 1)
                .mapError { Failure(description: "\($0)") }
        }
        switch outcome {
        case .failure(let f): return .failure(f)
        case .success(let bytes): return Self.parse(bytes, limit: limit)
        }
    }

    /// Status, the two fields that matter and the body of the answer (`HTTPSFetch.parse`: Content-Length when given).
    static func parse(_ bytes: [UInt8], limit: Int = 4 << 20) -> Result<HTTPAnswer, Failure> {
        switch HTTPSFetch.parse(bytes, url: "the answer", limit: limit) {
        case .failure(let f): return .failure(Failure(description: f.description))
        case .success(let r):
            return .success(HTTPAnswer(status: r.status, contentType: r.field("content-type"), sessionID: r.field("mcp-session-id"),
                                       body: r.body[...]))
        }
    }
}
