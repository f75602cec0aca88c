import Glibc
import NexusAdmin
import NexusAdminModel
import NexusConfig
import NexusServer

/// `nexusctl run`: runs a workflow through nexusd's own public path, so that admission (keys, scopes, limits,
/// quotas), validation and usage counters are exactly a REST call's. The admin thread sends
/// `POST <rest_path>/NAME` to the first plain listener on loopback with the caller's key, or for `as` the
/// consumer's run-as key (CredentialPublisher), and hands back the status and body.
enum WorkflowRunner {
    static func run(_ name: String, _ r: RunWorkflowRequest, reloader: Reloader, server: Server,
                    credentials: CredentialPublisher, state: DurableState) -> Result<RunWorkflowResponse, AdminFailure> {
        let cfg = reloader.config
        var key = r.key
        if let who = r.as {
            guard cfg.auth != nil else {
                return .failure(AdminFailure(status: 400, detail: "nexusd has no 'auth' section: every caller is anonymous, drop --as"))
            }
            let ids = state.consumers.list().filter { $0.id == who || $0.name == who }.map(\.id)
            if let id = ids.first {
                key = credentials.runAsKey(id)
            } else if credentials.fileConsumers.contains(who) {
                key = credentials.runAsKey(who)
            } else {
                return .failure(AdminFailure(status: 404, detail: "no consumer has the id or name '\(who)'"))
            }
        }
        guard let i = cfg.listeners.indices.first(where: { cfg.listeners[$0].tls == nil && cfg.workflowAPI(forListener: $0) != nil }),
              i < server.boundAddresses.count, let api = cfg.workflowAPI(forListener: i) else {
            return .failure(AdminFailure(status: 409, detail: "nexusd has no plain (non-TLS) listener serving the workflows to run it through"))
        }
        let l = cfg.listeners[i]
        let bound = server.boundAddresses[i]
        guard let port = bound.split(separator: ":").last.flatMap({ UInt16($0) }) else {
            return .failure(AdminFailure(status: 500, detail: "cannot read the listener's port"))
        }
        let host = l.isIPv6 ? (l.host == "::" ? "::1" : l.host) : (l.host == "0.0.0.0" ? "127.0.0.1" : l.host)
        var body: [UInt8] = []
        do { body = try AdminJSON.encode(r.input) } catch {
            return .failure(AdminFailure(status: 400, detail: "the input cannot be encoded"))
        }
        var head = "POST \(api.restPath)/\(name) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n"
        head += "Content-Length: \(body.count)\r\nX-Nexus-Channel: cli\r\n" // the metrics' channel label
        if let key {
            let bearer = cfg.auth?.keyHeaders.contains(.authorization) ?? true
            head += bearer ? "Authorization: Bearer \(key)\r\n" : "X-API-Key: \(key)\r\n"
        }
        head += "\r\n"
        guard let raw = exchange(host: host, ipv6: l.isIPv6, port: port, request: Array(head.utf8) + body) else {
            return .failure(AdminFailure(status: 502, detail: "the run could not reach nexusd's listener at \(bound)"))
        }
        guard let (status, payload) = parse(raw) else {
            return .failure(AdminFailure(status: 502, detail: "the listener's answer could not be read"))
        }
        let value = (try? AdminJSON.decode(JSONValue.self, from: payload)) ?? .string(String(decoding: payload, as: UTF8.self))
        return .success(RunWorkflowResponse(status: status, body: value))
    }

    /// One request on a new connection, read until the server closes (30 s at most).
    private static func exchange(host: String, ipv6: Bool, port: UInt16, request: [UInt8]) -> [UInt8]? {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var ok: Int32
        if ipv6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &a.sin6_addr) == 1 else { return nil }
            ok = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &a.sin_addr) == 1 else { return nil }
            ok = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard ok == 0 else { return nil }
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return nil }
            sent += n
        }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > 16 << 20 { return nil }
        }
        return out.isEmpty ? nil : out
    }

    /// The status and the Content-Length body of one response.
    private static func parse(_ raw: [UInt8]) -> (Int, [UInt8])? {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, raw.count - 3)).first(where: { Array(raw[$0..<$0 + 4]) == crlf2 }) else { return nil }
        let head = String(decoding: raw[0..<end], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let first = lines.first, first.split(separator: " ").count >= 2, let status = Int(first.split(separator: " ")[1]) else { return nil }
        var body = Array(raw[(end + 4)...])
        if let cl = lines.dropFirst().first(where: { $0.lowercased().hasPrefix("content-length:") }),
           let n = Int(String(cl.split(separator: ":", maxSplits: 1)[1]).filter { $0 != " " && $0 != "\t" }), n <= body.count {
            body = Array(body[0..<n])
        }
        return (status, body)
    }
}
