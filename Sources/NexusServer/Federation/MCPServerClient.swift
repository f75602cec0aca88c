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
        let bytes: [UInt8]
        if let tls {
            switch TLSExchange.run(address: address, request: request, timeoutMilliseconds: timeout, context: tls,
                                   host: config.tls?.serverName ?? config.host, isIPAddress: config.kind != .hostname && config.tls?.serverName == nil,
                                   limit: limit) {
            case .failure(let e): return .failure(Failure(description: "\(e)"))
            case .success(let b): bytes = b
            }
        } else {
            switch Self.plainExchange(address, request, timeout: timeout, limit: limit) {
            case .failure(let e): return .failure(e)
            case .success(let b): bytes = b
            }
        }
        return Self.parse(bytes)
    }

    private static func plainExchange(_ address: SocketAddress, _ request: [UInt8], timeout: Int, limit: Int) -> Result<[UInt8], Failure> {
        let socket: DeadlineSocket
        switch DeadlineSocket.connect(to: address, timeoutMilliseconds: timeout) {
        case .failure(let e): return .failure(Failure(description: "\(e)"))
        case .success(let s): socket = s
        }
        if let e = request.withUnsafeBytes({ socket.send($0) }) { return .failure(Failure(description: "\(e)")) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { socket.receive(into: $0) }
            if n == 0 { return .success(out) }
            if n < 0 { return .failure(Failure(description: "receive failed (errno \(-n))")) }
            out += chunk[0..<n]
            if out.count > limit { return .failure(Failure(description: "the answer is larger than \(limit) bytes")) }
        }
    }

    /// Status, the two fields that matter and the body of an HTTP/1.x answer (Content-Length when given).
    static func parse(_ bytes: [UInt8]) -> Result<HTTPAnswer, Failure> {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            return .failure(Failure(description: "not an HTTP answer"))
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
        guard let first = lines.first, first.hasPrefix("HTTP/1."), let status = first.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            return .failure(Failure(description: "not an HTTP answer"))
        }
        var answer = HTTPAnswer(status: status, body: bytes[(end + 4)...])
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: " \t")
            switch name {
            case "content-type": answer.contentType = value
            case "mcp-session-id": answer.sessionID = value
            case "content-length":
                guard let n = Int(value), n >= 0, n <= answer.body.count else { return .failure(Failure(description: "the answer was cut short")) }
                answer.body = answer.body.prefix(n)
            case "transfer-encoding":
                return .failure(Failure(description: "a chunked answer to an HTTP/1.0 request"))
            default: break
            }
        }
        return .success(answer)
    }
}
